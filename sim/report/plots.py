"""Pictures of results: PNG files drawn headless with matplotlib (optional extra ``plot``).

Only the commands given ``--plot`` import this module, so matplotlib's import time is not
paid otherwise. Every band drawn is a 95% Wilson interval.
"""

from __future__ import annotations

from typing import IO, Sequence

from sim.analysis.backtest import Backtest
from sim.errors import UsageError
from sim.execution.runner import Result
from sim.stats import Estimate
from sim.execution.aggregate import cumulative_curve


def require() -> None:
    """Fail fast, before simulating, when matplotlib is missing."""
    _pyplot()


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install '.[plot]' in sim's folder (or matplotlib)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars(axes, labels: Sequence[str], estimates: Sequence[Estimate], title: str) -> None:
    values = [100 * e.value for e in estimates]
    errors = [[100 * (e.value - e.low) for e in estimates], [100 * (e.high - e.value) for e in estimates]]
    axes.barh(labels, values, xerr=errors, color="#4c72b0", capsize=3)
    axes.invert_yaxis()
    axes.set_xlabel("% of all runs")
    axes.set_title(title)


def plot_run(result: Result, handle: IO[bytes]) -> None:
    """Cumulative P(summit by date) with its band, and the venue shares, as one PNG."""
    plt = _pyplot()
    scenario = result.scenario
    curve = cumulative_curve(result.tally)
    dates = [scenario.time.round_date(t) for t, _ in curve]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    left.fill_between(dates, [100 * e.low for _, e in curve], [100 * e.high for _, e in curve],
                      color="#4c72b0", alpha=0.25, label="95% interval", step="post")
    left.step(dates, [100 * e.value for _, e in curve], where="post", color="#4c72b0", label="P(summit by date)")
    left.set_ylabel("%")
    left.set_ylim(bottom=0)
    left.set_title(f"{scenario.name}: summit by date ({result.runs:,} runs)")
    left.legend(loc="upper left")
    left.tick_params(axis="x", rotation=30)
    shares = result.summary.venue_share
    names = {vid: venue.name for vid, venue in scenario.venues.items()}
    order = sorted(shares, key=lambda vid: -shares[vid].count)
    _bars(right, [names[v] for v in order], [shares[v] for v in order], "Where the summit is held")
    figure.tight_layout()
    figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)


def plot_sweep(axis_path: str, values: Sequence[float], results: Sequence[Result], handle: IO[bytes]) -> None:
    """P(summit) and each venue's share against the swept parameter, with bands."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    estimates = [r.summary.p_summit for r in results]
    left.fill_between(values, [100 * e.low for e in estimates], [100 * e.high for e in estimates],
                      color="#4c72b0", alpha=0.25)
    left.plot(values, [100 * e.value for e in estimates], marker="o", color="#4c72b0")
    left.set_xlabel(axis_path)
    left.set_ylabel("P(summit within horizon), %")
    left.set_ylim(bottom=0)
    left.set_title(f"Sweep of {axis_path} ({results[0].runs:,} runs per point)")
    venues = list(results[0].inputs.venues)
    for vid in venues:
        shares = [r.summary.venue_share[vid] for r in results]
        if not any(e.count for e in shares):
            continue
        line, = right.plot(values, [100 * e.value for e in shares], marker=".", label=vid)
        right.fill_between(values, [100 * e.low for e in shares], [100 * e.high for e in shares],
                           color=line.get_color(), alpha=0.2)
    right.set_xlabel(axis_path)
    right.set_ylabel("share of all runs, %")
    right.set_ylim(bottom=0)
    right.set_title("Venue shares")
    if right.lines:
        right.legend(loc="best", fontsize="small")
    figure.tight_layout()
    figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)


def plot_reliability(result: Backtest, handle: IO[bytes]) -> None:
    """The reliability diagram of a backtest: each calibration bin's share of cases that
    met (with its 95% Wilson interval) against its mean forecast, the diagonal of perfect
    calibration, and every case's forecast as a tick at 0 (no meeting) or 1 (met)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.6, 5.2))
    axes.plot([0, 100], [0, 100], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    filled = [entry for entry in result.calibration if entry.count]
    for entry in filled:
        axes.axvspan(100 * entry.low, 100 * entry.high, color="#dddddd", alpha=0.25, linewidth=0)
    axes.errorbar([100 * e.mean_forecast for e in filled], [100 * e.observed.value for e in filled],
                  yerr=[[100 * (e.observed.value - e.observed.low) for e in filled],
                        [100 * (e.observed.high - e.observed.value) for e in filled]],
                  fmt="o", color="#4c72b0", capsize=3, label="share met (95% interval)")
    for entry in filled:
        axes.annotate(f"{entry.count}", (100 * entry.mean_forecast, 100 * entry.observed.value),
                      textcoords="offset points", xytext=(6, 4), fontsize="small")
    forecasts = [100 * s.forecasts[0] for s in result.cases]
    outcomes = [100.0 if s.case.outcome.met else 0.0 for s in result.cases]
    axes.plot(forecasts, outcomes, "|", color="#c44e52", markersize=12, label="cases (met at 100, not at 0)")
    axes.set_xlim(-2, 102)
    axes.set_ylim(-4, 104)
    axes.set_xlabel("forecast P(summit by the horizon), %")
    axes.set_ylabel("share of cases that met, %")
    axes.set_title(f"Reliability: {len(result.cases)} cases, {result.met} met")
    axes.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)
