"""`sim backtest`: a casebook's forecasts scored against what happened.

The fixture casebook (tests/fixtures/casebook/, laid out like the repository: scenarios
in ``scenarios/``, outcomes in ``seeds/history/outcomes.csv``) has four tiny cases whose
P(summit) is known in closed form (docs/model.md, "A closed form for simple scenarios"):
two principals, one venue on the table, constant acceptance, no mediator.

* alpha: q = 1/4 a round, 4 rounds: P = 1 - (3/4)^4; met, at Geneva, in round 3;
* beta: q = 1/16, 6 rounds: P = 1 - (15/16)^6; no meeting;
* gamma: q = 1/16, 20 rounds: P = 1 - (15/16)^20; met in round 1 at an unlisted venue;
* delta: the only venue proposed is a red line: P = 0 exactly; no meeting.

The scoring is checked twice: exactly, on runs whose counts are set by hand (so every
score is a number worked out on paper), and end to end through the real command, where
the forecasts come from the engine and the scores must match the closed-form ones within
a tolerance derived from the run count.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import signal
from pathlib import Path

import pytest

from sim.analysis.backtest import calibration_table, score_backtest
from sim.analysis.bootstrap import Resampler
from sim.analysis.casebook import Case, Casebook, Outcome, load_casebook
from sim.engine.inputs import compile_inputs
from sim.execution.aggregate import Tally
from sim.execution.runner import Result
from test_reliability import journaled_batches, run, start_and_kill

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "casebook"
CASES = FIXTURE / "scenarios"
RUNS = 20_000  # each fixture scenario's simulation.runs

EXACT = {  # closed-form P(summit by the horizon)
    "alpha": 1 - (3 / 4) ** 4,
    "beta": 1 - (15 / 16) ** 6,
    "delta": 0.0,
    "gamma": 1 - (15 / 16) ** 20,
}
MET = {"alpha": True, "beta": False, "delta": False, "gamma": True}


def made_up_result(case: Case, summits_by_round: dict[int, int], venue: str = "geneva", runs: int = 100) -> Result:
    """``runs`` runs of the case's scenario with the given summits (round -> count) at ``venue``."""
    inputs = compile_inputs(case.scenario)
    tally = Tally(inputs.rounds, len(inputs.venues), runs=runs)
    for round_number, count in summits_by_round.items():
        tally.held[round_number, inputs.venues.index(venue)] = count
    return Result(scenario=case.scenario, inputs=inputs, seed=0, tally=tally)


@pytest.fixture(scope="module")
def casebook() -> Casebook:
    return load_casebook(CASES)


@pytest.fixture(scope="module")
def by_hand(casebook):
    """Runs set by hand: alpha 60 of 100 (30 in round 2, 30 in round 3), beta 30, gamma 80
    (5 in round 1, 70 in round 3, 5 in round 10), delta none."""
    summits = {"alpha": {2: 30, 3: 30}, "beta": {1: 30}, "gamma": {1: 5, 3: 70, 10: 5}, "delta": {}}
    results = [made_up_result(case, summits[case.name]) for case in casebook.cases]
    return score_backtest(casebook, results)


def test_the_casebook_pairs_each_scenario_with_its_outcome(casebook):
    """The outcomes file is found by walking up from the case directory to seeds/history/."""
    assert Path(casebook.outcomes_file).resolve() == FIXTURE / "seeds" / "history" / "outcomes.csv"
    assert [case.name for case in casebook.cases] == ["alpha", "beta", "delta", "gamma"]
    gamma = casebook.cases[3].outcome
    assert (gamma.met, str(gamma.date), gamma.venue, gamma.format) == (True, "2022-05-03", "elsewhere", "bilateral")


def test_brier_and_log_scores_by_hand(by_hand):
    forecasts = [0.6, 0.3, 0.0, 0.8]  # alpha, beta, delta, gamma
    met = [1, 0, 0, 1]
    sim, base, half = by_hand.forecasters
    assert sim.brier.value == pytest.approx((0.4 ** 2 + 0.3 ** 2 + 0 + 0.2 ** 2) / 4)
    # delta's forecast of 0 is clipped to half a run, 0.5 / 100, before the log
    assert sim.log.value == pytest.approx((math.log(0.6) + math.log(0.7) + math.log(1 - 0.005) + math.log(0.8)) / 4)
    assert [s.forecasts[0] for s in by_hand.cases] == pytest.approx(forecasts)
    assert [s.brier[0] for s in by_hand.cases] == pytest.approx([(f - m) ** 2 for f, m in zip(forecasts, met)])
    assert (half.brier.value, half.log.value) == pytest.approx((0.25, math.log(0.5)))


def test_the_base_rate_leaves_the_case_itself_out(by_hand):
    """Of the other three cases, one met when the case met, two when it did not."""
    assert [s.forecasts[1] for s in by_hand.cases] == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1 / 3])
    base = by_hand.forecasters[1]
    assert base.brier.value == pytest.approx(4 / 9)
    assert base.log.value == pytest.approx(math.log(1 / 3))


def test_paired_differences_from_each_baseline(by_hand):
    sim, base, half = by_hand.forecasters
    assert sim.brier_difference is None
    assert base.brier_difference.value == pytest.approx(sim.brier.value - 4 / 9)
    assert base.log_difference.value == pytest.approx(sim.log.value - math.log(1 / 3))
    assert half.brier_difference.value == pytest.approx(sim.brier.value - 0.25)
    assert half.log_difference.value == pytest.approx(sim.log.value - math.log(0.5))
    # sim is better than both on every case here, so the whole interval says so
    assert base.brier_difference.high < 0 < base.log_difference.low
    assert half.brier_difference.high < 0 < half.log_difference.low


def test_venue_skill_by_hand(by_hand):
    """alpha met at Geneva, where all 60 summits were: q = 60.5 / 61.5 among Geneva, Vienna
    and elsewhere; gamma met elsewhere, where none of 80 was: q = 0.5 / 82 among three
    venues and elsewhere. Uniform gives 1/3 and 1/4."""
    alpha = math.log(60.5 / 61.5) - math.log(1 / 3)
    gamma = math.log(0.5 / 82) - math.log(1 / 4)
    skill = by_hand.venue_skill
    assert skill.cases == 2
    assert skill.value == pytest.approx((alpha + gamma) / 2)
    # two cases: a quarter of the resamples take gamma twice, a quarter alpha twice, so the
    # 2.5% and 97.5% percentiles are exactly the two cases' own skills
    assert (skill.low, skill.high) == pytest.approx((gamma, alpha))
    assert by_hand.uniform_log.value == pytest.approx((math.log(1 / 3) + math.log(1 / 4)) / 2)


def test_timing_is_checked_against_the_central_80_percent(by_hand):
    """alpha's summits fell in rounds 2-3 and it met in round 3 (inside); gamma's central
    80% is round 3 alone and it met in round 1 (outside)."""
    alpha, beta, delta, gamma = by_hand.cases
    assert (alpha.central, alpha.in_central) == ((2, 3), True)
    assert (gamma.central, gamma.in_central) == ((3, 3), False)
    assert beta.in_central is None and delta.central is None
    assert (by_hand.timing.count, by_hand.timing.trials) == (1, 2)


def test_calibration_table_by_hand(by_hand):
    table = [(b.low, b.high, b.count, b.observed.count) for b in by_hand.calibration]
    assert table == [(0.0, 0.2, 1, 0), (0.2, 0.4, 1, 0), (0.4, 0.6, 0, 0), (0.6, 0.8, 1, 1), (0.8, 1.0, 1, 1)]
    assert by_hand.calibration_in_the_large.value == pytest.approx((0.6 + 0.3 + 0.0 + 0.8) / 4 - 0.5)
    # a forecast on a bin's edge falls in the bin above it; 1 falls in the last
    assert [b.count for b in calibration_table([0.2, 0.4, 1.0], [0, 1, 1], bins=5)] == [0, 1, 1, 0, 1]


def test_bootstrap_intervals_are_fixed_by_their_seed(casebook, by_hand):
    """The same cases give the same intervals; another seed gives others."""
    summits = {"alpha": {2: 30, 3: 30}, "beta": {1: 30}, "gamma": {1: 5, 3: 70, 10: 5}, "delta": {}}
    again = score_backtest(casebook, [made_up_result(case, summits[case.name]) for case in casebook.cases])
    assert again.forecasters == by_hand.forecasters
    values = [0.1, 0.5, 0.2, 0.9]
    assert Resampler(4).mean(values) == Resampler(4).mean(values)
    assert Resampler(4).mean(values) != Resampler(4, seed=1).mean(values)


def test_log_score_of_a_base_rate_of_one_is_clipped_at_half_a_case(casebook):
    """Three cases that all met: each one's base rate from the other two is 1, clipped to
    1 - 1/(2*2) = 0.75 for the log score (the Brier score is not clipped: 0)."""
    cases = tuple(Case(c.name, c.file, c.scenario, Outcome(c.name, True, None, "geneva", "bilateral", "", 2))
                  for c in casebook.cases[:3])
    book = Casebook("made-up", "made-up.csv", cases)
    scored = score_backtest(book, [made_up_result(case, {1: 50}) for case in cases])
    assert [s.forecasts[1] for s in scored.cases] == [1.0, 1.0, 1.0]
    assert [s.brier[1] for s in scored.cases] == [0.0, 0.0, 0.0]
    assert [s.log[1] for s in scored.cases] == pytest.approx([math.log(0.75)] * 3)


# ---- through the real command, with the engine's own forecasts --------------------------------


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def backtested(sim_cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("backtest")
    done = sim_cli("backtest", CASES, "--csv", out / "cases.csv", "--summary-csv", out / "summary.csv",
                   "--workers", "1")
    assert done.returncode == 0, done.stderr
    return out, done


def sigma(p: float, n: int = RUNS) -> float:
    """Four binomial standard errors of a proportion from n runs (as tests/test_closed_form.py)."""
    return 4 * math.sqrt(p * (1 - p) / n)


def test_forecasts_match_the_closed_form(backtested):
    out, _ = backtested
    for row in rows((out / "cases.csv").read_text()):
        exact = EXACT[row["case"]]
        assert int(row["runs"]) == RUNS
        assert abs(float(row["p_summit"]) - exact) <= sigma(exact), row["case"]
    delta = next(r for r in rows((out / "cases.csv").read_text()) if r["case"] == "delta")
    assert float(delta["p_summit"]) == 0.0 and float(delta["brier"]) == 0.0
    assert float(delta["log_score"]) == pytest.approx(math.log(1 - 0.5 / RUNS), abs=1e-6)  # six decimals


def test_scores_match_the_closed_form_within_the_monte_carlo_error(backtested):
    """With |p_hat - p| <= e, four standard errors of a case's forecast:
    |Brier(p_hat) - Brier(p)| = |p_hat - p| |p_hat + p - 2o| <= e (2 |p - o| + e), and the
    log score of what happened, probability g, moves by at most e / (g - e); averaged over
    the cases, these bound the error of the mean scores."""
    out, _ = backtested
    summary = {(r["metric"], r["key"]): r for r in rows((out / "summary.csv").read_text())}
    brier = sum((EXACT[c] - MET[c]) ** 2 for c in EXACT) / 4
    brier_bound = sum(sigma(p) * (2 * abs(p - MET[c]) + sigma(p)) for c, p in EXACT.items()) / 4
    assert abs(float(summary["brier", "sim"]["value"]) - brier) <= brier_bound
    assert brier_bound < 0.01, "the check would pass vacuously"
    given = {c: EXACT[c] if MET[c] else 1 - EXACT[c] for c in EXACT if c != "delta"}
    log = (sum(math.log(g) for g in given.values()) + math.log(1 - 0.5 / RUNS)) / 4
    log_bound = sum(sigma(EXACT[c]) / (g - sigma(EXACT[c])) for c, g in given.items()) / 4
    assert abs(float(summary["log_score", "sim"]["value"]) - log) <= log_bound
    assert log_bound < 0.02, "the check would pass vacuously"
    assert float(summary["brier", "base_rate_loo"]["value"]) == pytest.approx(4 / 9, abs=1e-6)
    assert float(summary["brier_difference", "always_50"]["value"]) == pytest.approx(
        float(summary["brier", "sim"]["value"]) - 0.25, abs=2e-6)
    assert summary["timing_in_central_80", ""]["count"] == "1"  # alpha inside, gamma (round 1) outside


def test_the_run_is_the_same_whatever_the_workers(backtested, sim_cli, tmp_path):
    out, _ = backtested
    done = sim_cli("backtest", CASES, "--csv", tmp_path / "cases.csv", "--summary-csv", tmp_path / "summary.csv",
                   "--plot", tmp_path / "reliability.png", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cases.csv").read_bytes() == (out / "cases.csv").read_bytes()
    assert (tmp_path / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()
    assert (tmp_path / "reliability.png").read_bytes().startswith(b"\x89PNG")
    replayed = sim_cli("replay", tmp_path / "cases.csv.manifest.json")
    assert replayed.returncode == 0 and "reproduced byte for byte" in replayed.stdout, replayed.stderr


def test_the_report_and_json(backtested, sim_cli):
    _, done = backtested
    assert "Backtest of" in done.stdout and "base rate, leave-one-out" in done.stdout
    assert "Timing: the meeting fell within the forecast's central 80% in 1 of 2 cases" in done.stdout
    shown = sim_cli("backtest", CASES, "--json", "--runs", "10000")
    assert shown.returncode == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert [c["case"] for c in payload["cases"]] == ["alpha", "beta", "delta", "gamma"]
    assert payload["scores"]["always_50"]["brier"]["value"] == 0.25
    assert payload["venue_skill"]["cases"] == 2


def copy_casebook(tmp_path: Path) -> tuple[Path, Path]:
    cases = tmp_path / "cases"
    shutil.copytree(CASES, cases)
    outcomes = tmp_path / "outcomes.csv"
    shutil.copy(FIXTURE / "seeds" / "history" / "outcomes.csv", outcomes)
    return cases, outcomes


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("change, message", [
    (lambda c, o: edit(o, "beta,no,,,,fixture: no meeting\n", ""),
     "no row for case beta (every scenario file of the casebook needs one)"),
    (lambda c, o: edit(o, "alpha,yes,2020-01-16,geneva", "alpha,yes,2020-01-16,paris"),
     "line 2: venue: 'paris' is not a venue of alpha; expected one of geneva, vienna, elsewhere"),
    (lambda c, o: (c / "beta.yaml").unlink(),
     "line 3: case 'beta' has no scenario file beta.yaml in the casebook"),
    (lambda c, o: edit(o, "alpha,yes,2020-01-16", "alpha,yes,2020-02-16"),
     "line 2: date: 2020-02-16 is after the case's horizon (2020-01-28); a meeting after it has met no"),
    (lambda c, o: edit(o, "beta,no,", "beta,maybe,"),
     "line 3: met: 'maybe' is not allowed; expected yes or no"),
    (lambda c, o: edit(o, "case,met,date,venue,format,source", "case,met,date,venue,format,source,notes"),
     "line 1: expected the header case,met,date,venue,format,source"),
    (lambda c, o: edit(o, "delta,no,,,,fixture: no meeting\n", "delta,no,,,,fixture: no meeting\nalpha,no,,,,again\n"),
     "line 6: case 'alpha' already has a row (line 2); give each case exactly one"),
])
def test_bad_casebooks_are_one_line_and_exit_2(sim_cli, tmp_path, change, message):
    cases, outcomes = copy_casebook(tmp_path)
    change(cases, outcomes)
    done = sim_cli("backtest", cases, "--outcomes", outcomes, "--csv", tmp_path / "out.csv")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"sim: error: {outcomes}: {message}"]
    assert not (tmp_path / "out.csv").exists()


def test_outcomes_default_to_the_casebook_folder(sim_cli, tmp_path):
    """With no seeds/history/outcomes.csv above it, DIR/outcomes.csv is read; with neither, one line."""
    cases, outcomes = copy_casebook(tmp_path)
    missing = sim_cli("backtest", cases)
    assert missing.returncode == 2
    assert "no outcomes file" in missing.stderr and "--outcomes FILE" in missing.stderr
    shutil.move(outcomes, cases / "outcomes.csv")
    done = sim_cli("backtest", cases, "--runs", "1000", "--csv", "-")
    assert done.returncode == 0, done.stderr
    assert [r["case"] for r in rows(done.stdout)] == ["alpha", "beta", "delta", "gamma"]


def test_killed_backtest_resumes_to_identical_output(tmp_path):
    """kill -9 part-way through the cases, then --resume: the CSV is an uninterrupted run's."""
    env = {**os.environ, "SIM_JOURNAL_DIR": str(tmp_path / "journal"), "NO_COLOR": "1"}
    args = ["backtest", str(CASES), "--runs", "200000", "--workers", "1"]
    whole = tmp_path / "whole.csv"
    assert run([*args, "--csv", str(whole)], env).returncode == 0
    resumed = tmp_path / "resumed.csv"
    code, _ = start_and_kill([*args, "--csv", str(resumed)], env, after_batches=25, sig=signal.SIGKILL)
    assert code == -signal.SIGKILL and not resumed.exists()
    done = run([*args, "--csv", str(resumed), "--resume"], env)
    assert done.returncode == 0, done.stderr
    assert resumed.read_bytes() == whole.read_bytes()
    assert journaled_batches(env) == 0
