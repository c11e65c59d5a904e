"""Stacked batches (sim/engine/stacked.py): variants side by side give each variant's own
outcomes, bit for bit, so analyses may stack their points without changing a number."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.engine.inputs import ModelInputs, compile_inputs
from sim.engine.model import simulate_batch
from sim.engine.outcome import FIELDS
from sim.engine.stacked import SPECIAL_RATIONALITY, TiledGenerator, per_lane, stack_inputs, stack_key
from sim.execution.runner import batch_seed, stage_tally, stage_tallies
from sim.scenario.loader import load_document, load_scenario, scenario_from_document
from sim.scenario.parameters import effective, nominal_values, scenario_at

REPO = Path(__file__).resolve().parents[1]
FILES = sorted(
    [*REPO.glob("scenarios/*.yaml"), *REPO.glob("scenarios/history/*.yaml"), *REPO.glob("docs/examples/*.yaml")]
)


def variant(inputs: ModelInputs, rng: np.random.Generator) -> ModelInputs:
    """``inputs`` with every per-lane field moved by a random amount, keeping what
    :func:`stack_key` compares (red lines, zero leverage, a zero unlisted share, special
    rationalities)."""
    def shifted(values: np.ndarray, scale: float) -> np.ndarray:
        values = np.array(values, dtype=float)
        finite = np.isfinite(values)
        values[finite] += rng.normal(0.0, scale, size=finite.sum())
        return values

    leverage = inputs.leverage * rng.uniform(0.5, 1.5, size=inputs.leverage.shape)
    changes = dict(
        readiness=shifted(inputs.readiness, 0.5),
        leverage=leverage,
        pressure=shifted(inputs.pressure, 0.3),
        prep_collapse=float(np.clip(inputs.prep_collapse + rng.uniform(-0.05, 0.05), 0.0, 1.0)),
        shock_hazard=np.clip(shifted(inputs.shock_hazard, 0.02), 0.0, 1.0),
        utility=shifted(inputs.utility, 0.4) if not inputs.epochs else inputs.utility,
        unlisted_share=float(np.clip(inputs.unlisted_share * rng.uniform(0.5, 1.5), 0.0, 1.0)),
        mediator=tuple(
            md if md.rationality in SPECIAL_RATIONALITY else dataclasses.replace(md, rationality=md.rationality * rng.uniform(0.5, 1.5))
            for md in inputs.mediator
        ),
    )
    if inputs.track is not None:
        changes["track"] = dataclasses.replace(
            inputs.track, start=float(np.clip(inputs.track.start + rng.uniform(-0.1, 0.1), 0.0, 0.99)),
            talks_step=shifted(inputs.track.talks_step, 0.02))
    return dataclasses.replace(inputs, **changes)


def assert_blocks_alone(variants: list[ModelInputs], width: int, seed: np.random.SeedSequence) -> None:
    stacked = stack_inputs(variants, width)
    assert per_lane(stacked.readiness, 1)  # the variants do differ
    together = simulate_batch(stacked, seed, width * len(variants), copies=len(variants))
    for b, inputs in enumerate(variants):
        alone = simulate_batch(inputs, seed, width)
        block = together.section(b * width, width)
        for name in FIELDS:
            assert np.array_equal(getattr(block, name), getattr(alone, name)), (b, name)


@pytest.mark.parametrize("file", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_block_of_a_stacked_batch_is_its_variant_alone(file: Path) -> None:
    """Whatever mechanisms a scenario uses (tracks, gatherings, epochs, shocks, strategies),
    a stacked batch of variants differing in every per-lane field gives each block exactly
    the outcomes of its variant simulated alone with the same seed."""
    inputs = compile_inputs(load_scenario(file))
    rng = np.random.default_rng(abs(hash(file.name)) % 2**32)
    variants = [inputs] + [variant(inputs, rng) for _ in range(3)]
    assert len({stack_key(v) for v in variants}) == 1
    assert_blocks_alone(variants, 200, batch_seed(11, 2))


def sensitivity_points(count: int) -> list[ModelInputs]:
    """Points of base.yaml as ``sim sensitivity`` builds them: each uncertain parameter at
    a random quantile of its distribution."""
    file = str(REPO / "scenarios" / "base.yaml")
    document = load_document(file, [])
    scenario = scenario_from_document(document, file)
    distributions = effective(file, [], scenario).distributions
    nominal = nominal_values(scenario)
    rng = np.random.default_rng(3)
    points = []
    for _ in range(count):
        values = {path: float(d.ppf(np.array([rng.random()]))[0]) for path, d in distributions.items()}
        points.append(compile_inputs(scenario_at(document, values, nominal, file)))
    return points


def test_stage_tallies_equal_each_points_own_stage_tally() -> None:
    """stage_tallies stacks sensitivity points (12 points: a full batch of 10 and one of 2)
    and gives every point exactly stage_tally's counts, for a run count that fills its
    batches and one that cuts the last."""
    points = sensitivity_points(12)
    assert len({stack_key(p) for p in points}) == 1
    for runs, stage in ((1_000, 0), (700, 2)):
        together = stage_tallies(points, 5, runs, stage)
        for point, tally in zip(points, together):
            alone = stage_tally(point, 5, runs, stage)
            assert dataclasses.asdict(tally).keys() == dataclasses.asdict(alone).keys()
            for name, value in dataclasses.asdict(alone).items():
                assert np.array_equal(getattr(tally, name), value), name


def test_points_that_differ_in_structure_run_apart() -> None:
    """A red line, a zero leverage, an unlisted share of 0 or a special rationality decide
    which random numbers are drawn or which branch runs: such points get keys of their
    own, stack_inputs refuses to mix them, and stage_tallies still gives each its counts."""
    base = sensitivity_points(1)[0]
    red_line = base.utility.copy()
    red_line[0, np.flatnonzero(np.isfinite(red_line[0]))[0]] = -np.inf
    others = [
        dataclasses.replace(base, utility=red_line),
        dataclasses.replace(base, leverage=np.zeros_like(base.leverage)),
        dataclasses.replace(base, unlisted_share=0.0),
        dataclasses.replace(base, mediator=(dataclasses.replace(base.mediator[0], rationality=2.0), *base.mediator[1:])),
        dataclasses.replace(base, rounds=base.rounds - 1),
    ]
    keys = {stack_key(p) for p in [base, *others]}
    assert len(keys) == 1 + len(others)
    for other in others:
        with pytest.raises(ValueError, match="per-lane"):
            stack_inputs([base, other], 100)
    mixed = [base, *others, base]
    for inputs, tally in zip(mixed, stage_tallies(mixed, 9, 300, 0)):
        assert np.array_equal(tally.held, stage_tally(inputs, 9, 300, 0).held)


def test_tiled_generator_repeats_a_blocks_draws() -> None:
    """Each block of a tiled draw is what the plain stream draws for one block's width, in
    the same order of calls."""
    plain = np.random.default_rng(np.random.SeedSequence(4))
    tiled = TiledGenerator(np.random.default_rng(np.random.SeedSequence(4)), 3)
    out = np.empty((2, 12))
    assert np.array_equal(tiled.random(out=out), np.tile(plain.random((2, 4)), 3))
    assert np.array_equal(tiled.standard_normal((3, 12)), np.tile(plain.standard_normal((3, 4)), 3))
    assert np.array_equal(tiled.integers(5, size=(1, 12)), np.tile(plain.integers(5, size=(1, 4)), 3))
    assert np.array_equal(tiled.random(12), np.tile(plain.random(4), 3))
    with pytest.raises(ValueError, match="blocks"):
        tiled.random(10)
