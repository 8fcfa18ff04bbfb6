"""The blocked K-weighting filter against a direct IIR (scipy.signal.lfilter, tests only)."""

from __future__ import annotations

import numpy as np
import pytest

from composer.audio.kweighting import coefficients, hop_energy, plan

signal = pytest.importorskip("scipy.signal")


def reference_energy(samples: np.ndarray, rate: int, hop: int, hops: int) -> np.ndarray:
    shelf_b, (a1, a2), r = coefficients(rate)
    fir = np.convolve(shelf_b, [1.0, -2.0, 1.0])
    denominator = np.convolve([1.0, a1, a2], np.convolve([1.0, -r], [1.0, -r]))
    padded = np.zeros((hops * hop, samples.shape[1]))
    padded[: samples.shape[0]] = samples
    filtered = signal.lfilter(fir, denominator, padded, axis=0)
    return np.square(filtered).reshape(hops, hop, -1).sum(axis=1).T


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("frames", [1, 37, 4410, 100_003])
def test_hop_energy_matches_a_direct_filter(rate: int, frames: int) -> None:
    rng = np.random.default_rng(frames)
    t = np.arange(frames) / rate
    samples = np.stack(
        [
            0.1 * rng.standard_normal(frames) + 0.3 * np.sin(2 * np.pi * 60 * t) + 0.02,
            0.5 * np.sin(2 * np.pi * 2500 * t),
        ],
        axis=1,
    ).astype(np.float32)
    energy, p = hop_energy(samples, rate)
    expected = reference_energy(samples.astype(np.float64), rate, p.hop, energy.shape[1])
    assert energy.shape == expected.shape == (2, -(-frames // p.hop))
    np.testing.assert_allclose(energy, expected, rtol=1e-5, atol=1e-9 * expected.max())


def test_filter_is_the_bs1770_k_weighting_at_48k() -> None:
    # The standard's published stage-1 and stage-2 coefficients at 48 kHz.
    b, (a1, a2), r = coefficients(48000)
    shelf_a = [1.0, -1.69065929318241, 0.73248077421585]
    hp_a = [1.0, -1.99004745483398, 0.99007225036621]
    shelf_b = [1.53512485958697, -2.69169618940638, 1.19839281085285]
    np.testing.assert_allclose([1.0, a1, a2], shelf_a, atol=1e-9)
    np.testing.assert_allclose([1.0, -2 * r, r * r], hp_a, atol=5e-5)  # Q 0.5 vs 0.5003
    np.testing.assert_allclose(b, shelf_b, atol=1e-9)


@pytest.mark.parametrize("rate", [44100, 48000, 11025])
def test_rows_tile_the_hop(rate: int) -> None:
    p = plan(rate)
    assert p.hop % p.row == 0
    assert abs(p.hop - 0.1 * rate) <= p.row / 2
