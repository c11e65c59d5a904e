"""Eq. (2), acceptance as a logit choice, and the odds against it that the engine multiplies.

p = 1 / (1 + exp(-b (c + u))): the engine keeps the odds against acceptance,
exp(-b c) exp(-b u), so it exponentiates once per run (the situation c) and once per
venue (the utility u), never per run and venue.
"""

from __future__ import annotations

import numpy as np

EXP_LIMIT = 700.0  # exp(+-700) is finite and non-zero in float64


def acceptance_probability(score: np.ndarray, sharpness: float | np.ndarray) -> np.ndarray:
    """Eq. (2): p = 1 / (1 + exp(-sharpness * score)); exactly 0 where score is -inf."""
    return 1.0 / (1.0 + odds_against(score, sharpness))


def odds_against(score: np.ndarray, sharpness: float | np.ndarray) -> np.ndarray:
    """exp(-sharpness * score), the odds against acceptance, kept finite for finite scores.

    Eq. (2) factorises: exp(-b (c + u)) = exp(-b c) exp(-b u). Clipping at +-700 changes
    no probability representable in float64; a red line (score -inf) has infinite odds.
    """
    with np.errstate(over="ignore"):  # +-inf from the largest floats is clipped next
        exponent = np.clip(-sharpness * np.asarray(score, dtype=float), -EXP_LIMIT, EXP_LIMIT)
    exponent = np.where(np.isneginf(score), np.inf, exponent)  # red line: odds infinite
    return np.exp(exponent)
