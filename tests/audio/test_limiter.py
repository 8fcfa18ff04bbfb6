"""The look-ahead limiter's gain curve against a direct (slow) computation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from composer.audio.limiter import ATTACK_S, limiter_gain

RATE = 2000  # small rate: reach = 10 frames, so short arrays cover every edge case


def direct(peak: np.ndarray, ceiling: float) -> np.ndarray:
    reach = max(1, round(ATTACK_S * RATE))
    n = peak.size
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-30))
    held = np.array([need[max(0, i - reach) : i + reach + 1].min() for i in range(n)])
    gain = np.array(
        [held[np.clip(np.arange(i - reach, i + reach + 1), 0, n - 1)].mean() for i in range(n)]
    )
    return np.minimum(gain, need)


def full_curve(peak: np.ndarray, ceiling: float) -> np.ndarray:
    curve = np.ones(peak.size)
    result = limiter_gain(peak, ceiling, RATE)
    if result is not None:
        index, gain = result
        assert np.all(np.diff(index) > 0)
        assert np.all(gain < 1.0)
        curve[index] = gain
    return curve


@settings(max_examples=150, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 400), elements=st.floats(0.0, 4.0)),
    st.floats(0.1, 1.0),
)
def test_curve_matches_the_definition_and_respects_the_ceiling(
    peak: np.ndarray, ceiling: float
) -> None:
    curve = full_curve(peak, ceiling)
    np.testing.assert_allclose(curve, direct(peak, ceiling), rtol=1e-9, atol=1e-12)
    assert np.all(peak * curve <= ceiling * (1 + 1e-12))


def test_nothing_over_the_ceiling_needs_no_curve() -> None:
    assert limiter_gain(np.full(100, 0.5), 0.9, RATE) is None


def test_a_single_peak_gets_a_symmetric_ramp() -> None:
    peak = np.full(201, 0.1)
    peak[100] = 2.0
    curve = full_curve(peak, 1.0)
    assert curve[100] == 0.5
    np.testing.assert_allclose(curve[:100][::-1], curve[101:])  # curve[100-k] == curve[100+k]
    assert np.all(np.diff(curve[70:101]) <= 0) and np.all(np.diff(curve[100:131]) >= 0)
    assert curve[:70].min() == 1.0 and curve[131:].min() == 1.0
