"""Long-form windows and equal-power crossfades (pure numpy)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer.engines.windows import (
    correlation_of,
    crossfade_join,
    equal_power_curves,
    fade_out_end,
    plan_windows,
)


def test_short_song_is_one_window() -> None:
    (only,) = plan_windows(700, 1500, 500)
    assert (only.start, only.end, only.prompt) == (0, 700, 0)


def test_three_minutes_at_50_hz() -> None:
    plan = plan_windows(9000, 1500, 500)
    assert [w.start for w in plan] == list(range(0, 9000 - 500, 1000))[: len(plan)]
    assert len(plan) == 9
    assert plan[-1].end == 9000
    assert all(w.prompt == 500 for w in plan[1:]) and plan[0].prompt == 0


@given(
    total=st.integers(1, 20_000),
    window=st.integers(2, 2_000),
    overlap_frac=st.floats(0.0, 0.95),
)
def test_plan_covers_the_song_exactly(total: int, window: int, overlap_frac: float) -> None:
    overlap = min(window - 1, int(window * overlap_frac))
    plan = plan_windows(total, window, overlap)
    assert plan[0].start == 0 and plan[0].prompt == 0
    assert plan[-1].end == total
    assert sum(w.new for w in plan) == total
    for prev, cur in itertools.pairwise(plan):
        # Each window continues exactly where the previous one's audio ends.
        assert cur.start + cur.prompt == prev.end
        assert cur.prompt == overlap
    for w in plan:
        assert 0 < w.length <= window
        assert w.new > 0
    assert [w.index for w in plan] == list(range(len(plan)))


@pytest.mark.parametrize(
    ("total", "window", "overlap"), [(0, 10, 2), (10, 0, 0), (10, 5, 5), (10, 5, -1)]
)
def test_plan_rejects_bad_sizes(total: int, window: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        plan_windows(total, window, overlap)


def test_equal_power_curves_keep_power() -> None:
    out, inn = equal_power_curves(1000)
    assert np.allclose(out**2 + inn**2, 1.0)
    assert np.all(np.diff(out) < 0) and np.all(np.diff(inn) > 0)
    assert out[0] > 0.999 and inn[-1] > 0.999 and out[-1] < 0.002
    # Fully correlated material: amplitudes add, so the gains sum to one.
    out1, in1 = equal_power_curves(1000, correlation=1.0)
    assert np.allclose(out1 + in1, 1.0)
    outh, inh = equal_power_curves(1000, correlation=0.5)
    assert np.allclose(outh**2 + inh**2 + 2 * 0.5 * outh * inh, 1.0)
    assert equal_power_curves(0)[0].shape == (0,)


def sine(n: int, hz: float = 220.0, rate: int = 8000, phase: float = 0.0) -> np.ndarray:
    return np.sin(2 * np.pi * hz * np.arange(n) / rate + phase).astype(np.float32)


def test_join_length_and_untouched_parts() -> None:
    head, tail = sine(5000), sine(4000, 330.0)
    out = crossfade_join(head, tail, overlap=1000, fade=400)
    assert len(out) == len(head) + len(tail) - 1000
    assert out.dtype == np.float32
    assert np.array_equal(out[: 5000 - 400], head[: 5000 - 400])
    assert np.array_equal(out[5000:], tail[1000:])


def test_join_of_a_continuation_is_seamless() -> None:
    # The next window re-states the overlap: joining must give back the one signal.
    whole = sine(9000)
    head, tail = whole[:6000], whole[6000 - 1500 :]
    out = crossfade_join(head, tail, overlap=1500, fade=800, correlation=None)
    assert np.allclose(out, whole, atol=1e-5)


def test_join_of_different_material_is_continuous_at_the_seams() -> None:
    head, tail = sine(6000, 220.0), sine(6000, 330.0, phase=np.pi / 2) * 0.8
    own = max(np.abs(np.diff(head)).max(), np.abs(np.diff(tail)).max())
    hard_cut = crossfade_join(head, tail, overlap=1200, fade=0)
    assert np.abs(np.diff(hard_cut)).max() > 2 * own  # what a click looks like
    out = crossfade_join(head, tail, overlap=1200, fade=1200)
    # No click: no sample-to-sample jump much beyond the material's own steepest slope.
    assert np.abs(np.diff(out)).max() <= own * 1.5
    # Equal power: the level through the fade stays between the two clips' levels.
    rms = [np.sqrt(np.mean(out[i : i + 240] ** 2)) for i in range(4800, 6000, 240)]
    assert min(rms) > 0.8 * np.sqrt(0.5) * 0.85 and max(rms) < np.sqrt(0.5) * 1.15


def test_join_stereo_and_bad_arguments() -> None:
    a = np.stack([sine(3000), sine(3000, 330.0)], axis=1)
    b = np.stack([sine(3000, 440.0), sine(3000, 550.0)], axis=1)
    out = crossfade_join(a, b, overlap=500, fade=500)
    assert out.shape == (5500, 2)
    with pytest.raises(ValueError):
        crossfade_join(a, b, overlap=500, fade=600)
    with pytest.raises(ValueError):
        crossfade_join(a, b[:100], overlap=500, fade=100)
    with pytest.raises(ValueError):
        crossfade_join(a, b[:, 0], overlap=100, fade=100)


def test_correlation_of() -> None:
    x = sine(1000)
    assert correlation_of(x, x) == pytest.approx(1.0)
    assert correlation_of(x, -x) == pytest.approx(-1.0)
    assert correlation_of(x, np.zeros_like(x)) == 0.0


def test_fade_out_end() -> None:
    x = np.ones((1000, 2), dtype=np.float32)
    y = fade_out_end(x, 200)
    assert y.shape == x.shape and np.array_equal(y[:800], x[:800])
    assert np.all(np.diff(y[800:, 0]) <= 0) and y[-1, 0] == pytest.approx(0.0, abs=1e-7)
    assert np.array_equal(x, np.ones((1000, 2)))  # input untouched
