"""Scoring forecasts against resolved questions: ``sim score --forecasts F... --outcomes O.csv``.

The outcomes file is a CSV with the header ``question,key,outcome`` (docs/forecasting.md):

* ``summit_by,2026-06-30,no``: was a summit held by that date (``yes``/``no``)? The
  forecast is P(summit by the date), counted as in the report (a summit in the round that
  contains the date counts);
* ``venue,2026-12-31,istanbul``: where was the summit held by that date: a venue id, or
  ``none`` when there was none. An empty key means "by the end of each scenario's
  horizon". The forecast is each venue's share of all runs by then, and ``none`` the rest.

A question is scored for a scenario only when its date lies within the scenario's
horizon: a scenario written later (a later ``time.start``) does not forecast what was
already known when it was written, and one with an earlier end does not forecast beyond
it. Each scenario's mean scores are given over the questions it forecast, and over the
questions every scenario forecast, which is the fair comparison.

Scores (both computed per question, then averaged):

* **Brier**: ``(p - o)^2`` for a yes/no question; ``sum_k (p_k - o_k)^2`` over the
  categories (every venue of the scenario and ``none``) for a venue question. 0 is
  perfect; lower is better. A binary Brier score is half the categorical one of the same
  question written with two categories.
* **log score**: ``ln p`` of what happened (natural log; 0 is perfect, higher is
  better). Probabilities are estimated from runs, so an outcome that no run produced is
  given ``0.5 / runs`` (half a run) instead of 0, which keeps the score finite.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

from sim.analysis.csv_input import read_rows
from sim.errors import UsageError
from sim.execution.runner import Result
from sim.scenario.fields import parse_date

QUESTIONS = ("summit_by", "venue")
YES, NO = ("yes", "true", "1"), ("no", "false", "0")
HEADER = ("question", "key", "outcome")


@dataclass(frozen=True)
class Question:
    question: str
    day: dt.date | None  # None: each scenario's horizon end (venue questions only)
    outcome: str
    line: int

    @property
    def label(self) -> str:
        return f"{self.question},{self.day or ''},{self.outcome}"


def read_outcomes(path: str) -> list[Question]:
    """The resolved questions in ``path``; each problem names its line."""
    questions = []
    for number, row in read_rows(path, HEADER):
        if row[0].lstrip().startswith("#"):
            continue
        where = f"{path}: line {number}"
        if len(row) != 3:
            raise UsageError(f"{where}: expected 3 columns (question,key,outcome), got {len(row)}")
        question, key, outcome = (cell.strip() for cell in row)
        question, outcome = question.lower(), outcome.lower()
        if question not in QUESTIONS:
            raise UsageError(f"{where}: unknown question '{question}'; expected one of: {', '.join(QUESTIONS)}")
        day = None
        if key:
            try:
                day = parse_date(key)
            except ValueError as error:
                raise UsageError(f"{where}: the key must be a date: {error}") from None
        if question == "summit_by":
            if day is None:
                raise UsageError(f"{where}: summit_by needs a date in the key column")
            if outcome not in YES + NO:
                raise UsageError(f"{where}: summit_by outcome must be yes or no, got '{outcome}'")
            outcome = "yes" if outcome in YES else "no"
        elif not outcome:
            raise UsageError(f"{where}: venue outcome must be a venue id or none")
        questions.append(Question(question, day, outcome, number))
    if not questions:
        raise UsageError(f"{path}: no questions (one a line after the header question,key,outcome)")
    return questions


@dataclass(frozen=True)
class Scored:
    """One scenario's forecast of one question, and its scores (None when not forecast)."""

    scenario: str
    file: str
    question: Question
    day: dt.date | None
    forecast: float | None  # probability given to what happened
    brier: float | None
    log: float | None
    status: str  # "scored", or why not


def forecast(result: Result, question: Question) -> Scored:
    """Score one question against one scenario's runs."""
    scenario = result.scenario
    time = scenario.time
    day = question.day or time.horizon_end
    name = scenario.name

    def skip(why: str) -> Scored:
        return Scored(name, "", question, day, None, None, None, why)

    if day < time.start:
        return skip(f"before the scenario's start ({time.start})")
    if day > time.horizon_end:
        return skip(f"after the scenario's horizon ({time.horizon_end})")
    runs = result.tally.runs
    last = min(time.round_of(day), time.rounds)
    held = result.tally.held[1: last + 1].sum(axis=0)  # summits by venue, by the day
    floor = 0.5 / runs
    if question.question == "summit_by":
        p = float(held.sum()) / runs
        happened = question.outcome == "yes"
        given = p if happened else 1 - p
        brier = (p - (1.0 if happened else 0.0)) ** 2
    else:
        venues = list(result.inputs.venues)
        shares = {v: float(held[k]) / runs for k, v in enumerate(venues)}
        shares["none"] = 1.0 - float(held.sum()) / runs
        given = shares.get(question.outcome, 0.0)
        brier = sum((p - (1.0 if v == question.outcome else 0.0)) ** 2 for v, p in shares.items())
        if question.outcome not in shares:
            brier += 1.0  # a category the scenario gave probability 0
    log = math.log(min(max(given, floor), 1 - floor)) if runs else math.nan
    return Scored(name, "", question, day, given, brier, log, "scored")


@dataclass(frozen=True)
class ScoreTable:
    files: list[tuple[str, Result]]
    scored: list[list[Scored]]  # per file, per question
    questions: list[Question]

    def common(self) -> list[int]:
        """Indices of the questions every scenario forecast."""
        return [q for q in range(len(self.questions)) if all(row[q].status == "scored" for row in self.scored)]


def score_all(results: Sequence[tuple[str, Result]], questions: Sequence[Question]) -> ScoreTable:
    scored = []
    for file, result in results:
        scored.append([_with_file(forecast(result, q), file) for q in questions])
    return ScoreTable(list(results), scored, list(questions))


def _with_file(s: Scored, file: str) -> Scored:
    return Scored(s.scenario, file, s.question, s.day, s.forecast, s.brier, s.log, s.status)


def mean(values: Sequence[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else math.nan
