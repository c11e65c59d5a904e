"""``sim explain``'s report: the zone of agreement before any simulation, the starting
state, the changes of structure, the events, the gatherings, the track and the first
proposals (eqs. 4b-4c, 6-6‴, 7-8′, 9, 11)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sim.analysis.zone import Zone
from sim.report.layout import show
from sim.report.text import percent


def render_zone(zone: Zone, console: Console) -> None:
    """Print each venue's standing: red lines, proposers, first-round acceptance."""
    table = Table(title="Zone of agreement", title_justify="left")
    table.add_column("venue")
    table.add_column("ruled out by")
    table.add_column("proposed by")
    principals = list(zone.standings[0].first_round_acceptance) if zone.standings else []
    for pid in principals:
        table.add_column(f"P({pid} accepts), round 1", justify="right")
    table.add_column("joint", justify="right")
    for s in zone.standings:
        table.add_row(
            s.name, ", ".join(s.blocked_by) or ("-" if s.available else "not on offer"), ", ".join(s.proposed_by) or "-",
            *(percent(s.first_round_acceptance[p]) for p in principals), percent(s.first_round_joint),
        )
    show(table, console)
    console.print(zone.explanation())
    console.print(f"Start: {zone.start}")
    for change in zone.changes:  # eq. (6''')
        console.print(f"Change of structure: {change}")
    for event in zone.events:  # eqs. (6)-(6''): effects, and when a shock may start at all
        console.print(event, markup=False)
    for gathering in zone.gatherings:
        console.print(f"Gathering: {gathering.sentence()}")
    if zone.track is not None:  # eq. (11)
        for line in zone.track.sentences():
            console.print(line, markup=False)
        if zone.progress_shown is not None and zone.track.requires:
            console.print(f"  The acceptance above and the proposals below are shown at track progress "
                          f"{zone.progress_shown:g}, the first level at which every principal could accept.",
                          markup=False)
    if zone.proposals:
        drawing = [p for p in zone.proposals if p in zone.standings[0].first_round_acceptance]
        console.print("First proposal in round 1 (eq. 7), the chance of each venue per mediator"
                      + (" (and each drawn counter-proposal, eq. 8'):" if drawing else ":"))
        proposals = Table()
        proposals.add_column("venue")
        for mediator in zone.proposals:
            proposals.add_column(mediator, justify="right")
        names = {s.venue: s.name for s in zone.standings}
        listed = [s.venue for s in zone.standings if any(s.venue in p for p in zone.proposals.values())]
        for vid in listed:
            proposals.add_row(names[vid], *(percent(p[vid]) if vid in p else "-" for p in zone.proposals.values()))
        show(proposals, console)
    console.print(zone.attendance())
