"""integrated_loudness and normalize, checked against pyloudnorm (BS.1770-4)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from composer.audio.loudness import LoudnessMeter, integrated_loudness, normalize
from composer.audio.model import Audio
from composer.errors import OptionError

pyln = pytest.importorskip("pyloudnorm")

SR = 44100


def reference(samples: np.ndarray, rate: int = SR) -> float:
    return float(pyln.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def tone(hz: float, seconds: float, amplitude: float, rate: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def stereo(left: np.ndarray, right: np.ndarray | None = None) -> np.ndarray:
    return np.stack([left, left if right is None else right], axis=1)


def pink(seconds: float, rng: np.random.Generator, rate: int = SR) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(int(seconds * rate)))
    spectrum[1:] /= np.sqrt(np.arange(1, spectrum.size))
    signal = np.fft.irfft(spectrum, int(seconds * rate))
    return (0.2 * signal / np.abs(signal).max()).astype(np.float32)


def bursts(rng: np.random.Generator) -> np.ndarray:
    """Plucked decaying notes: high crest factor, like a piano part."""
    out = np.zeros(6 * SR, dtype=np.float32)
    for start in range(0, 6 * SR - SR // 2, SR // 4):
        hz = rng.choice([110.0, 220.0, 330.0, 440.0, 660.0])
        t = np.arange(SR // 2) / SR
        out[start : start + SR // 2] += (0.3 * np.exp(-8 * t) * np.sin(2 * np.pi * hz * t)).astype(
            np.float32
        )
    out[::4410] += 0.5  # sharp clicks
    return out


CASES = {
    "white noise": lambda rng: stereo(0.1 * rng.standard_normal(5 * SR).astype(np.float32)),
    "pink noise": lambda rng: stereo(pink(5, rng), pink(5, rng)),
    "1 kHz tone": lambda rng: stereo(tone(1000, 5, 0.3)),
    "50 Hz tone": lambda rng: stereo(tone(50, 5, 0.5)),
    "8 kHz tone, one side": lambda rng: stereo(tone(8000, 5, 0.2), np.zeros(5 * SR, np.float32)),
    "quiet tone then silence": lambda rng: stereo(
        np.concatenate([tone(440, 3, 0.01), np.zeros(3 * SR, np.float32)])
    ),
    "loud then soft (relative gate)": lambda rng: stereo(
        np.concatenate([tone(440, 3, 0.5), tone(440, 3, 0.005)])
    ),
    "plucks": lambda rng: stereo(bursts(rng)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_integrated_loudness_agrees_with_pyloudnorm(name: str) -> None:
    samples = CASES[name](np.random.default_rng(3))
    assert integrated_loudness(Audio(samples, SR)) == pytest.approx(reference(samples), abs=0.1)


@pytest.mark.parametrize("rate", [48000, 22050, 32000])
def test_other_sample_rates(rate: int) -> None:
    rng = np.random.default_rng(5)
    samples = stereo(pink(4, rng, rate), tone(3000, 4, 0.1, rate))
    assert integrated_loudness(Audio(samples, rate)) == pytest.approx(
        reference(samples, rate), abs=0.1
    )


def test_mono_and_one_channel_of_stereo() -> None:
    mono = tone(1000, 3, 0.3)[:, None]
    # BS.1770 sums channel powers: the same signal on two channels is 3 dB louder.
    assert integrated_loudness(Audio(mono, SR)) == pytest.approx(reference(mono[:, 0]), abs=0.1)
    assert integrated_loudness(Audio(stereo(mono[:, 0]), SR)) == pytest.approx(
        integrated_loudness(Audio(mono, SR)) + 10 * math.log10(2), abs=0.05
    )


def test_silence_and_empty_audio_are_minus_infinity() -> None:
    assert integrated_loudness(Audio(np.zeros((SR, 2), np.float32), SR)) == -math.inf
    assert integrated_loudness(Audio(np.zeros((0, 2), np.float32), SR)) == -math.inf
    below_gate = stereo(tone(440, 2, 1e-5))
    assert integrated_loudness(Audio(below_gate, SR)) == -math.inf


def test_audio_shorter_than_one_block_is_measured() -> None:
    short = stereo(tone(1000, 0.2, 0.3))
    longer = stereo(tone(1000, 2.0, 0.3))
    assert integrated_loudness(Audio(short, SR)) == pytest.approx(
        integrated_loudness(Audio(longer, SR)), abs=0.2
    )


@pytest.mark.parametrize("name", ["white noise", "pink noise", "1 kHz tone", "plucks"])
@pytest.mark.parametrize("target", [-16.0, -23.0, -9.0])
def test_normalize_hits_the_target_under_the_ceiling(name: str, target: float) -> None:
    samples = CASES[name](np.random.default_rng(11))
    out = normalize(Audio(samples, SR), target, -1.0)
    assert out.samples.shape == samples.shape and out.samples.dtype == np.float32
    assert out.sample_rate == SR
    assert reference(out.samples) == pytest.approx(target, abs=0.2)
    assert np.abs(out.samples).max() <= 10 ** (-1.0 / 20)


def test_normalize_limits_smoothly_instead_of_clipping() -> None:
    samples = stereo(bursts(np.random.default_rng(2)))
    out = normalize(Audio(samples, SR), -9.0, -1.0).samples
    ceiling = 10 ** (-1.0 / 20)
    assert np.abs(out).max() <= ceiling
    assert np.mean(np.abs(out) > 0.999 * ceiling) < 1e-3  # no flat-topped runs
    gain = out[:, 0].astype(np.float64) / np.where(samples[:, 0] == 0, np.nan, samples[:, 0])
    steps = np.abs(np.diff(gain))
    assert np.nanmax(steps) < 0.05 * np.nanmax(gain)  # gain ramps, never jumps


def test_quiet_audio_is_only_scaled() -> None:
    samples = stereo(tone(440, 3, 0.01))
    out = normalize(Audio(samples, SR), -16.0, -1.0).samples
    ratio = out[SR : SR + 100] / samples[SR : SR + 100]
    np.testing.assert_allclose(ratio, ratio[0, 0], rtol=1e-5)


def test_silence_is_returned_as_is() -> None:
    silent = Audio(np.zeros((SR, 2), np.float32), SR)
    assert normalize(silent) is silent
    empty = Audio(np.zeros((0, 2), np.float32), SR)
    assert normalize(empty) is empty


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"target_lufs": 3.0}, OptionError),
        ({"target_lufs": -100.0}, OptionError),
        ({"ceiling_dbfs": 0.5}, OptionError),
        ({"ceiling_dbfs": float("nan")}, OptionError),
        ({"target_lufs": "-16"}, TypeError),
    ],
)
def test_bad_normalize_options(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        normalize(Audio(stereo(tone(440, 1, 0.1)), SR), **kwargs)  # type: ignore[arg-type]


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        integrated_loudness(np.zeros((10, 2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        integrated_loudness(Audio(np.zeros(10, np.float32), SR))


def test_no_scipy_at_run_time() -> None:
    code = (
        "import sys, numpy as np\n"
        "from composer.audio.model import Audio\n"
        "from composer.audio.loudness import integrated_loudness, normalize\n"
        "x = np.random.default_rng(0).standard_normal((44100, 2)).astype(np.float32)\n"
        "normalize(Audio(x, 44100)); integrated_loudness(Audio(x, 44100))\n"
        "print('scipy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_meter_fed_in_pieces_equals_the_whole_song_measure(rate: int) -> None:
    rng = np.random.default_rng(rate)
    seconds = 7.3
    t = np.arange(round(seconds * rate)) / rate
    swell = 0.05 + 0.3 * (1 + np.sin(2 * np.pi * 0.2 * t)) / 2  # loud and quiet stretches
    left = swell * np.sin(2 * np.pi * 220 * t) + 0.02 * rng.standard_normal(t.size)
    right = swell * np.sin(2 * np.pi * 3000 * t + 1.0)
    samples = np.stack([left, right], axis=1).astype(np.float32)
    whole = integrated_loudness(Audio(samples, rate))
    frames = samples.shape[0]
    meter = LoudnessMeter(samples, rate, frames)
    ready = 0
    while ready < frames:  # uneven pieces, most not on the 100 ms grid
        ready = min(frames, ready + int(rng.integers(1, rate)))
        meter.advance(ready)
    assert meter.loudness() == pytest.approx(whole, abs=1e-4)
    assert LoudnessMeter(samples, rate, frames).loudness() == pytest.approx(whole, abs=1e-9)
    assert LoudnessMeter(np.zeros((0, 2), np.float32), rate, 0).loudness() == -np.inf
