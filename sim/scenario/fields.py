"""Field types shared by the scenario and uncertainty models: numbers that refuse
booleans, booleans that refuse numbers, and the one date type.

YAML reads ``true``/``false``, ``yes``/``no`` and ``on``/``off`` as booleans, and
pydantic would quietly turn ``true`` into 1 for a number field and ``1`` into true for a
true/false field; a typo like ``readiness: yes`` must be an error instead.

Every date sim accepts, in a file, through ``--set`` or ``--param``, or as a command
option (``--by``, ``--start``, the dates of an outcomes file), goes through
:func:`parse_date`: an ISO date ``YYYY-MM-DD`` that exists in the calendar, between
:data:`FIRST_DATE` and :data:`LAST_DATE`. An impossible date (``2026-02-30``,
``0000-01-01``) is one clear message, never a crash.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

FIRST_DATE = dt.date.min  # 0001-01-01
LAST_DATE = dt.date.max  # 9999-12-31
DATE_RULE = f"a date YYYY-MM-DD from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def not_a_boolean(value: Any) -> Any:
    """YAML reads true/false, yes/no and on/off as booleans; a number field refuses them
    (pydantic would otherwise read true as 1)."""
    if isinstance(value, bool):
        raise ValueError("input should be a number, not true/false (YAML reads yes/no and on/off as true/false too)")
    return value


def a_boolean(value: Any) -> Any:
    """A true/false field refuses numbers and text (pydantic would otherwise read 1 as true)."""
    if not isinstance(value, bool):
        raise ValueError(f"input should be a valid boolean, true or false (got {value!r})")
    return value


def parse_date(value: Any) -> dt.date:
    """``value`` as a calendar date: a ``date`` (not a date and time) or the text ``YYYY-MM-DD``.

    Raises ``ValueError`` saying what is wrong and what is allowed; callers add where the
    value came from (a field path, an option).
    """
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected {DATE_RULE}, not a date and time (got {value.isoformat()})")
    if isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else None
    match = _ISO_DATE.match(text) if text is not None else None
    if match is None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ValueError(f"expected {DATE_RULE} (got {shown})")
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as error:  # "day is out of range for month", "year 0 is out of range"
        raise ValueError(f"{text} is not a date in the calendar ({error}); expected {DATE_RULE}") from None


def last_day(start: dt.date, days: int) -> dt.date | None:
    """``start + days``, or None when that is after :data:`LAST_DATE` (the calendar's end)."""
    ordinal = start.toordinal() + days
    return dt.date.fromordinal(ordinal) if ordinal <= LAST_DATE.toordinal() else None


Number = Annotated[float, BeforeValidator(not_a_boolean)]
Whole = Annotated[int, BeforeValidator(not_a_boolean)]
Flag = Annotated[bool, BeforeValidator(a_boolean)]
Date = Annotated[dt.date, BeforeValidator(parse_date)]
