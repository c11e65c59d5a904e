"""A casebook: past standoffs as scenario files, and what happened in each.

A casebook is a directory of ordinary scenario files (every ``*.yaml`` in it, validated
by the normal loader; a case's ``time.start`` is its cut-off and its horizon's end the
date by which a meeting counts) and an outcomes CSV with the header
``case,met,date,venue,format,source``, one row per case (docs/backtest.md):

* ``case``: the scenario file's stem (``reagan-gorbachev-1985`` for
  ``reagan-gorbachev-1985.yaml``);
* ``met``: ``yes`` or ``no``, whether the leaders met within the horizon;
* ``date``: the meeting's ISO date; empty when they did not meet, or a date after the
  horizon (a meeting that came too late to count);
* ``venue``: a venue id of that scenario's ``venues:``, or ``elsewhere``; empty if none;
* ``format``: ``bilateral``, ``trilateral`` or ``multilateral``; empty if none;
* ``source``: where the outcome is documented (free text).

Every case file needs exactly one row and every row a case file; any other problem is one
:class:`~sim.errors.UsageError` naming the file, the line and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from sim.analysis.csv_input import read_rows
from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

HEADER = ("case", "met", "date", "venue", "format", "source")
ELSEWHERE = "elsewhere"
FORMATS = ("bilateral", "trilateral", "multilateral")
#: Where the outcomes file is looked for, under DIR and each folder above it.
DEFAULT_OUTCOMES = Path("seeds") / "history" / "outcomes.csv"


@dataclass(frozen=True)
class Outcome:
    """What happened in one case, as one row of the outcomes file says."""

    case: str
    met: bool
    date: dt.date | None
    venue: str | None  # a venue id of the case's scenario, or "elsewhere"
    format: str | None
    source: str
    line: int


@dataclass(frozen=True)
class Case:
    """One past standoff: its scenario as of the cut-off and its outcome."""

    name: str
    file: str
    scenario: Scenario
    outcome: Outcome


def case_files(directory: str | Path) -> list[Path]:
    """The casebook's scenario files, in name order; an error when there are none."""
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError(f"{directory}: not a directory (a casebook is a directory of scenario files)")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".yaml" and p.is_file())
    if len(files) < 2:
        raise UsageError(f"{directory}: a casebook needs at least 2 scenario files (*.yaml), found {len(files)}")
    return files


def find_outcomes(directory: str | Path) -> Path:
    """The default outcomes file: the first ``seeds/history/outcomes.csv`` found in DIR or
    a folder above it, else ``DIR/outcomes.csv``."""
    folder = Path(directory).resolve()
    for parent in (folder, *folder.parents):
        candidate = parent / DEFAULT_OUTCOMES
        if candidate.is_file():
            try:  # as the user would write it, when it lies below the working folder
                return candidate.relative_to(Path.cwd())
            except ValueError:
                return candidate
    fallback = Path(directory) / "outcomes.csv"
    if not fallback.is_file():
        raise UsageError(f"{directory}: no outcomes file: found no {DEFAULT_OUTCOMES} in it or above it, "
                         f"and no {fallback}; give one with --outcomes FILE")
    return fallback


def read_outcomes(path: str | Path) -> dict[str, Outcome]:
    """The rows of an outcomes file by case, each checked on its own (see the module docstring)."""
    outcomes: dict[str, Outcome] = {}
    for number, row in read_rows(path, HEADER):
        outcome = _outcome(row, f"{path}: line {number}", number)
        if outcome.case in outcomes:
            raise UsageError(f"{path}: line {number}: case '{outcome.case}' already has a row "
                             f"(line {outcomes[outcome.case].line}); give each case exactly one")
        outcomes[outcome.case] = outcome
    return outcomes


def _outcome(row: list[str], where: str, number: int) -> Outcome:
    if len(row) != len(HEADER):
        raise UsageError(f"{where}: expected {len(HEADER)} columns ({','.join(HEADER)}), got {len(row)}")
    case, met, day, venue, form, source = (cell.strip() for cell in row)
    if not case:
        raise UsageError(f"{where}: case: empty; give the scenario file's name without .yaml")
    if met.lower() not in ("yes", "no"):
        raise UsageError(f"{where}: met: '{met}' is not allowed; expected yes or no")
    date = None
    if day:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise UsageError(f"{where}: date: '{day}' is not a date; expected YYYY-MM-DD or empty") from None
    if form and form.lower() not in FORMATS:
        raise UsageError(f"{where}: format: '{form}' is not allowed; expected one of {', '.join(FORMATS)} or empty")
    held = met.lower() == "yes"
    if held and (date is None or not venue or not form):
        raise UsageError(f"{where}: met is yes, so date, venue and format must be given")
    if not held and (venue or form) and date is None:
        raise UsageError(f"{where}: met is no: venue and format need the date of the later meeting, or stay empty")
    return Outcome(case, held, date, venue or None, form.lower() or None, source, number)


def match_cases(files: Mapping[str, Scenario], outcomes: Mapping[str, Outcome], outcomes_file: str) -> list[Case]:
    """Pair every case file with its outcome row, and check the row against the scenario:
    the venue is one of its venues or ``elsewhere``, and the date lies after its cut-off
    and, for a meeting that counts, by its horizon's end."""
    stems = {Path(file).stem: file for file in files}
    missing = sorted(set(stems) - set(outcomes))
    if missing:
        raise UsageError(f"{outcomes_file}: no row for case {', '.join(missing)} "
                         f"(every scenario file of the casebook needs one)")
    extra = sorted(set(outcomes) - set(stems), key=lambda c: outcomes[c].line)
    if extra:
        row = outcomes[extra[0]]
        raise UsageError(f"{outcomes_file}: line {row.line}: case '{row.case}' has no scenario file "
                         f"{row.case}.yaml in the casebook")
    cases = []
    for stem, file in sorted(stems.items()):
        scenario, outcome = files[file], outcomes[stem]
        _check_against(scenario, outcome, f"{outcomes_file}: line {outcome.line}")
        cases.append(Case(stem, file, scenario, outcome))
    return cases


def _check_against(scenario: Scenario, outcome: Outcome, where: str) -> None:
    allowed = [*scenario.venues, ELSEWHERE]
    if outcome.venue is not None and outcome.venue not in allowed:
        raise UsageError(f"{where}: venue: '{outcome.venue}' is not a venue of {outcome.case}; "
                         f"expected one of {', '.join(allowed)}")
    time = scenario.time
    if outcome.date is None:
        return
    if outcome.date < time.start:
        raise UsageError(f"{where}: date: {outcome.date} is before the case's cut-off (time.start {time.start})")
    if outcome.met and outcome.date > time.horizon_end:
        raise UsageError(f"{where}: date: {outcome.date} is after the case's horizon ({time.horizon_end}); "
                         "a meeting after it has met no")
    if not outcome.met and outcome.date <= time.horizon_end:
        raise UsageError(f"{where}: date: {outcome.date} lies within the horizon (to {time.horizon_end}) "
                         "but met is no")


@dataclass(frozen=True)
class Casebook:
    """The cases of a casebook directory, each paired with its outcome."""

    directory: str
    outcomes_file: str
    cases: tuple[Case, ...]


def load_casebook(directory: str | Path, outcomes: str | Path | None = None) -> Casebook:
    """Read and check a casebook: every scenario of ``directory`` and the outcomes file
    (by default the one :func:`find_outcomes` finds)."""
    files = case_files(directory)
    outcomes_file = str(outcomes if outcomes is not None else find_outcomes(directory))
    scenarios = {str(file): load_scenario(file) for file in files}
    cases = match_cases(scenarios, read_outcomes(outcomes_file), outcomes_file)
    return Casebook(str(directory), outcomes_file, tuple(cases))
