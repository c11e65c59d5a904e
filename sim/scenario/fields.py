"""Field types shared by the scenario and uncertainty models: numbers that refuse
booleans and booleans that refuse numbers.

YAML reads ``true``/``false``, ``yes``/``no`` and ``on``/``off`` as booleans, and
pydantic would quietly turn ``true`` into 1 for a number field and ``1`` into true for a
true/false field; a typo like ``readiness: yes`` must be an error instead.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


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


Number = Annotated[float, BeforeValidator(not_a_boolean)]
Whole = Annotated[int, BeforeValidator(not_a_boolean)]
Flag = Annotated[bool, BeforeValidator(a_boolean)]
