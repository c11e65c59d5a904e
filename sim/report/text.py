"""Plain-text pieces every report shares: a probability as a percentage, an interval,
the line that names a variant's --set changes. Kept apart from the tables so that the
light commands (``sim explain``) import no more than they print."""

from __future__ import annotations

from typing import Sequence

from rich.console import Console

from sim.stats import Estimate


def percent(value: float) -> str:
    """A probability as a percentage, with more decimals below 1% so small odds show."""
    if 0 < value < 0.01:
        text = f"{100 * value:.2g}"
        return f"{text}.0%" if "." not in text and "e" not in text else f"{text}%"  # 0.998% shows as 1.0%
    return f"{100 * value:.1f}%"


def interval(estimate: Estimate) -> str:
    if not estimate.trials:
        return "-"
    return f"{percent(estimate.low)} - {percent(estimate.high)}"


def render_overrides(overrides: Sequence[str], console: Console) -> None:
    """Say which ``--set`` overrides changed the scenario, so two reports of different
    variants never look alike."""
    if overrides:
        console.print(f"Changed with --set: {', '.join(overrides)}", markup=False)
