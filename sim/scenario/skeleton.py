"""A new scenario file to start from: ``sim init``.

:func:`skeleton` writes a commented, valid scenario with the analyst's own leaders,
venues and mediator, every value a neutral starting point marked ``ASSUMPTION`` so that
nothing looks like evidence until the analyst cites a fact for it. The text is checked
by the loader before it is returned, so ``sim init`` never writes a file ``sim run``
would refuse.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Sequence

import yaml

from sim.errors import UsageError
from sim.scenario.loader import scenario_from_document

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _identifier(word: str, what: str) -> str:
    ident = re.sub(r"[^a-z0-9_]+", "_", word.strip().lower()).strip("_")
    if not _ID.match(ident):
        raise UsageError(f"{what} '{word}': give a name of letters, digits and underscores, starting with a letter")
    return ident


def skeleton(name: str, principals: Sequence[str], venues: Sequence[str], mediator: str | None = None,
             start: dt.date | None = None) -> str:
    """The YAML text of a new scenario: two principals, their venues, an optional mediator."""
    if len(principals) != 2:
        raise UsageError(f"--principals: give the two leaders, e.g. --principals zelensky,putin (got {len(principals)})")
    if not venues:
        raise UsageError("--venues: give at least one venue, e.g. --venues geneva:Switzerland,istanbul:Turkey")
    first, second = (_identifier(p, "principal") for p in principals)
    countries = {_identifier(v.split(":")[0], "venue"): (v.split(":", 1)[1].strip() if ":" in v else "") for v in venues}
    places = list(countries)
    third = _identifier(mediator, "mediator") if mediator else None
    ids = [first, second, *places] + ([third] if third else [])
    if len(set(ids)) != len(ids):
        raise UsageError("--principals, --venues and --mediator must all have different names")
    start = start or dt.date.today()
    lines = [
        f"# {name}: written by `sim init`. Every value below is a neutral starting point marked",
        "# ASSUMPTION; replace each with a value that cites a fact (see seeds/README.md and",
        "# docs/scenario-format.md), and run `sim validate` and `sim explain` as you go.",
        f"name: {_identifier(name, 'scenario name')}",
        f'title: "{name}: will {first} and {second} meet?"',
        "time:",
        f"  start: {start.isoformat()}   # the day the forecast is made",
        "  round_days: 7          # ASSUMPTION: one round of diplomacy a week",
        "  horizon_rounds: 52     # ASSUMPTION: the question's horizon, one year of weekly rounds",
        "venues:",
    ]
    for venue in places:
        country = countries[venue] or "not stated"
        lines.append(f"  {venue}: {{name: {venue.replace('_', ' ').title()}, country: {country}, neutral: true}}"
                     "   # ASSUMPTION: neutral ground; set host: LEADER for a leader's own city")
    lines += ["actors:"]
    for leader in (first, second):
        lines += [
            f"  {leader}:",
            "    role: principal",
            f"    name: {leader.replace('_', ' ').title()}",
            "    readiness: -2.0      # ASSUMPTION: reluctant, as adversaries are; 0 would mean even odds of",
            "                         # accepting a proposal each round (docs/model.md, eq. 1)",
            "    red_lines: []        # venues this leader would never accept",
        ]
    if third:
        lines += [
            f"  {third}:",
            "    role: mediator",
            f"    name: {third.replace('_', ' ').title()}",
            f"    leverage: {{{first}: 0.5, {second}: 0.5}}   # ASSUMPTION: equal, moderate influence",
            f"    proposes: [{', '.join(places)}]",
            "    strategy: logit      # mostly, not always, the venue most likely to be accepted now",
            "    rationality: 2.0     # ASSUMPTION: 0 uniform, 1 proportional to joint acceptance, large = best",
        ]
    lines += [
        "preparation:",
        "  rounds: 2              # ASSUMPTION: two weeks from agreement to the meeting",
        "  collapse_risk: 0.1     # ASSUMPTION: per week of preparation",
        "simulation:",
        "  runs: 20000",
        "  seed: 1",
    ]
    text = "\n".join(lines) + "\n"
    _check(text)
    return text


def _check(text: str) -> None:
    scenario_from_document(yaml.safe_load(text), "the new scenario")
