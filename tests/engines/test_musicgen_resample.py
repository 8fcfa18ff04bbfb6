"""FFT resampling: MusicGen's 32 kHz (and the tiny models' 16 kHz) to 44.1 kHz files."""

from __future__ import annotations

import numpy as np
import pytest

from composer.engines.resample import resample, resampled_length


def tone(hz: float, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.sin(2 * np.pi * hz * t)


@pytest.mark.parametrize(
    ("rate_in", "rate_out"), [(32_000, 44_100), (16_000, 44_100), (44_100, 32_000)]
)
def test_sine_survives_resampling(rate_in: int, rate_out: int) -> None:
    x = tone(1000.0, rate_in, 1.0).astype(np.float32)
    y = resample(x, rate_in, rate_out)
    assert y.dtype == np.float32
    assert len(y) == resampled_length(len(x), rate_in, rate_out)
    expected = tone(1000.0, rate_out, len(y) / rate_out)[: len(y)]
    middle = slice(int(0.1 * rate_out), int(0.9 * rate_out))
    assert np.max(np.abs(y[middle] - expected[middle])) < 2e-3


def test_lengths_add_up_for_a_song() -> None:
    # 3 min at 32 kHz → exactly 3 min at 44.1 kHz.
    assert resampled_length(180 * 32_000, 32_000, 44_100) == 180 * 44_100
    assert resampled_length(320, 16_000, 44_100) == 882


def test_stereo_and_level() -> None:
    x = np.stack([tone(440.0, 32_000, 0.5), 0.5 * tone(660.0, 32_000, 0.5)], axis=1)
    y = resample(x, 32_000, 44_100)
    assert y.shape == (resampled_length(len(x), 32_000, 44_100), 2)
    mid = slice(2000, -2000)
    rms = np.sqrt(np.mean(y[mid] ** 2, axis=0))
    assert rms == pytest.approx([np.sqrt(0.5), 0.5 * np.sqrt(0.5)], rel=1e-3)


def test_content_above_the_new_nyquist_is_removed_when_downsampling() -> None:
    x = tone(20_000.0, 44_100, 0.5) + tone(1000.0, 44_100, 0.5)
    y = resample(x, 44_100, 32_000)
    spectrum = np.abs(np.fft.rfft(y[2000:-2000] * np.hanning(len(y) - 4000)))
    freqs = np.fft.rfftfreq(len(y) - 4000, 1 / 32_000)
    assert abs(freqs[spectrum.argmax()] - 1000.0) < 5.0
    # The 20 kHz tone would alias to 12 kHz; nothing is there.
    band = (freqs > 11_000) & (freqs < 13_000)
    assert spectrum[band].max() < 1e-3 * spectrum.max()


def test_same_rate_empty_and_bad_rates() -> None:
    x = np.arange(10, dtype=np.float32)
    same = resample(x, 8000, 8000)
    assert np.array_equal(same, x) and same is not x
    assert resample(np.zeros(0, dtype=np.float32), 32_000, 44_100).shape == (0,)
    assert resample(np.zeros(10, dtype=np.int16), 32_000, 44_100).dtype == np.float64
    with pytest.raises(ValueError):
        resample(x, 0, 44_100)
