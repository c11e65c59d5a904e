"""Random numbers passed over without drawing them (sim.engine.streams): the numbers after
them, and every run's outcome, are those drawing them gives."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import BASE, SCENARIOS
from sim.engine import state as state_module
from sim.engine import strategies as strategies_module
from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.engine.outcome import FIELDS
from sim.engine.stacked import TiledGenerator
from sim.engine.streams import pass_over, skip_uniforms
from sim.scenario.loader import load_scenario, scenario_from_document


def after(generator: np.random.Generator) -> tuple[np.ndarray, ...]:
    """What a generator gives next: uniforms, small integers (32-bit draws) and normals."""
    return generator.random(9), generator.integers(7, size=11), generator.standard_normal(5), generator.random(3)


@pytest.mark.parametrize("count", [1, 2, 7, 10_000])
@pytest.mark.parametrize("odd_integers", [0, 1, 3])
def test_passing_over_uniforms_leaves_the_numbers_drawing_them_leaves(count, odd_integers):
    """Also when a 32-bit draw has left half of a 64-bit output for the next one, which a
    jump of the bit generator alone would clear."""
    drawn, skipped = np.random.default_rng(11), np.random.default_rng(11)
    for generator in (drawn, skipped):
        generator.integers(5, size=odd_integers)
    drawn.random(count)
    skip_uniforms(skipped, count)
    assert drawn.bit_generator.state == skipped.bit_generator.state
    for a, b in zip(after(drawn), after(skipped)):
        np.testing.assert_array_equal(a, b)


def test_a_bit_generator_that_cannot_jump_draws_and_discards():
    drawn, skipped = np.random.Generator(np.random.MT19937(3)), np.random.Generator(np.random.MT19937(3))
    drawn.random(100)
    skip_uniforms(skipped, 100)
    for a, b in zip(after(drawn), after(skipped)):
        np.testing.assert_array_equal(a, b)


def test_a_tiled_stream_passes_over_one_block_of_lanes():
    """Four blocks of 10 lanes draw what one batch of 10 lanes draws: passing over (3, 40)
    is passing over 30 numbers of the stream."""
    drawn, skipped = np.random.default_rng(5), np.random.default_rng(5)
    drawn.random((3, 10))
    pass_over(TiledGenerator(skipped, 4), (3, 40))
    np.testing.assert_array_equal(drawn.random(20), skipped.random(20))


def random_strategy_document() -> dict:
    """A `random` mediator proposing one venue a round (32-bit draws), a red-lined venue
    that makes a counter-proposal's slot hopeless, and summits in preparation some rounds."""
    return dict(
        name="random_one", title="random strategy with a hopeless counter-proposal",
        time=dict(start="2026-01-01", horizon_rounds=12),
        venues={"g": dict(name="G", country="X"), "h": dict(name="H", country="Y"), "m": dict(name="M", country="Z")},
        actors={
            "a": dict(role="principal", name="A", readiness=-2.0, venues={"g": 0.5, "h": 1.5}, red_lines=["m"]),
            "b": dict(role="principal", name="B", readiness=-2.5, venues={"m": 2.0, "g": -1.0, "h": -2.0},
                      counter_propose=True),
            "k": dict(role="mediator", name="K", pressure=dict(start=0.5, growth=0.0, cap=5.0),
                      leverage={"a": 0.5, "b": 0.2}, proposes=["g", "h", "m"], strategy="random"),
        },
        preparation=dict(rounds=2, collapse_risk=0.3),
    )


CASES = {
    "base": lambda: load_scenario(BASE),
    "western-format": lambda: load_scenario(SCENARIOS / "western-format.yaml"),
    "moscow-only": lambda: load_scenario(SCENARIOS / "moscow-only.yaml"),
    "random-one": lambda: scenario_from_document(random_strategy_document()),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("copies", [1, 2])
def test_every_run_is_what_drawing_every_number_gives(case, copies, monkeypatch):
    """The engine passes over a table slot's uniforms where nothing can be agreed, a
    hopeless mediator's picks, the preparation draw with no summit in preparation, and
    the joins' and relocation's with no agreement; drawing them instead changes no run."""
    inputs = compile_inputs(CASES[case]())

    def outcomes() -> dict[str, np.ndarray]:
        # An odd number of lanes per block: a `random` pick then leaves half of a 64-bit
        # output pending for the next round's 32-bit draws, across the numbers passed over.
        batch = simulate_batch(inputs, np.random.SeedSequence(2026, spawn_key=(3,)), 301 * copies, copies=copies)
        return {field: np.array(getattr(batch, field)) for field in FIELDS}

    skipped = outcomes()

    def draw_them(rng, size):
        rng.random(size)

    monkeypatch.setattr(state_module, "pass_over", draw_them)
    monkeypatch.setattr(strategies_module, "pass_over", draw_them)
    drawn = outcomes()
    for field in FIELDS:
        np.testing.assert_array_equal(skipped[field], drawn[field], err_msg=field)


@pytest.mark.parametrize("case", ["base", "western-format"])
def test_an_observer_reads_every_acceptance_draw(case, monkeypatch):
    """`sim trace` shows each slot's acceptance draw, also where nothing can be agreed: an
    observed batch draws every one of them, as drawing everything would."""
    inputs = compile_inputs(CASES[case]())

    def draws() -> list[np.ndarray]:
        seen: list[np.ndarray] = []
        simulate_batch(inputs, np.random.SeedSequence(7), 400, observer=lambda t, state: seen.append(state.draw.copy()))
        return seen

    observed = draws()
    monkeypatch.setattr(state_module, "pass_over", lambda rng, size: rng.random(size))
    monkeypatch.setattr(strategies_module, "pass_over", lambda rng, size: rng.random(size))
    monkeypatch.setattr(state_module.BatchState, "_draw_acceptance", lambda self, hopeless: self.rng.random(out=self.draw))
    drawn = draws()
    assert len(observed) == len(drawn) == inputs.rounds
    for round_, (a, b) in enumerate(zip(observed, drawn), start=1):
        np.testing.assert_array_equal(a, b, err_msg=f"round {round_}")
