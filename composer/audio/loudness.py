"""Integrated loudness (ITU-R BS.1770-4 / EBU R128) and loudness normalisation.

NumPy only: SciPy's import alone would eat a large part of the CLI's start-up budget.
The K-weighting lives in :mod:`composer.audio.kweighting`, the peak limiter in
:mod:`composer.audio.limiter`.
"""

from __future__ import annotations

import math

import numpy as np

from composer.audio.kweighting import hop_energy, plan
from composer.audio.limiter import limiter_gain
from composer.audio.model import Audio
from composer.errors import OptionError

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU below the absolutely gated loudness
HOPS_PER_BLOCK = 4  # 400 ms blocks, 75 % overlap
_CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs
_TOLERANCE_LU = 0.02
_MAX_ROUNDS = 8
#: Audio in front of each piece a :class:`LoudnessMeter` measures (seconds).
CONTEXT_S = 0.2
#: The limiter may take off at most this much more gain than plain scaling would apply.
MAX_LIMITING_DB = 24.0


def integrated_loudness(audio: Audio) -> float:
    """Gated integrated loudness in LUFS; ``-inf`` for silence.

    Blocks of 400 ms with 75 % overlap, absolute gate -70 LUFS, relative gate -10 LU.
    Audio shorter than one block is measured as a single block.
    """
    samples = _samples(audio)
    if samples.shape[0] == 0:
        return -math.inf
    energy, plan = hop_energy(samples, audio.sample_rate)
    return _gated(energy, plan.hop, samples.shape[0])


def normalize(audio: Audio, target_lufs: float = -16.0, ceiling_dbfs: float = -1.0) -> Audio:
    """Scale to ``target_lufs`` integrated loudness with no sample above ``ceiling_dbfs``.

    Peaks that the gain would push over the ceiling are caught by a look-ahead limiter
    (smooth 5 ms gain ramps, never clipping); the gain is then raised until the limited
    audio reaches the target (within 0.02 LU as estimated, well within 0.1 LU as measured).
    Silent audio is returned unchanged.

    Raises
    ------
    OptionError
        Target outside -70..0 LUFS or ceiling outside -30..0 dBFS.
    """
    samples = _samples(audio)
    fit = fit_gain(audio, target_lufs, ceiling_dbfs)
    if fit is None:
        return audio
    gain, reduction = fit
    out = samples * np.float32(gain)
    if reduction is not None:
        index, curve = reduction
        out[index] *= curve.astype(np.float32)[:, None]
    return Audio(samples=out, sample_rate=audio.sample_rate)


def fit_gain(
    audio: Audio, target_lufs: float = -16.0, ceiling_dbfs: float = -1.0
) -> tuple[float, tuple[np.ndarray, np.ndarray] | None] | None:
    """The gain :func:`normalize` applies, and its limiter reductions.

    Returns
    -------
    (float, (numpy.ndarray, numpy.ndarray) or None) or None
        The linear gain and :func:`composer.audio.limiter.limiter_gain`'s reductions for
        the scaled audio (``None``: no limiting); ``None`` for empty or silent audio.

    Raises
    ------
    OptionError
        Target outside -70..0 LUFS or ceiling outside -30..0 dBFS.
    """
    target, ceiling_db = check_levels(target_lufs, ceiling_dbfs)
    samples = _samples(audio)
    if samples.shape[0] == 0:
        return None
    energy, plan = hop_energy(samples, audio.sample_rate)
    loudness = _gated(energy, plan.hop, samples.shape[0])
    if not math.isfinite(loudness):
        return None
    ceiling = ceiling_linear(ceiling_db)
    gain = 10.0 ** ((target - loudness) / 20.0)
    peak = peaks(samples)
    if gain * float(peak.max()) <= ceiling:
        return gain, None
    return _fit_limited(samples, peak, energy, plan.hop, target, ceiling, gain, audio.sample_rate)


class LoudnessMeter:
    """Integrated loudness of audio that is written a piece at a time.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(>= frames, channels)`` float32, filled in over time (front to back).
    sample_rate : int
        Frames per second.
    frames : int
        The audio's length.

    Each :meth:`advance` measures the whole 100 ms hops that became final, K-filtered with
    :data:`CONTEXT_S` of the audio before them in front: the filter forgets its past
    within that (its slowest pole falls by ~e⁻⁴⁷), so the result equals
    :func:`integrated_loudness` of the whole to float rounding.
    """

    def __init__(self, samples: np.ndarray, sample_rate: int, frames: int) -> None:
        self._samples = samples
        self._rate = sample_rate
        self._frames = frames
        self._hop = plan(sample_rate).hop
        self._context = round(CONTEXT_S * sample_rate / self._hop) * self._hop
        self._done = 0
        self._energy: list[np.ndarray] = []

    def advance(self, ready: int) -> None:
        """Measure what frames ``0:ready`` (final from now on) complete."""
        end = self._frames if ready >= self._frames else ready // self._hop * self._hop
        if end <= self._done:
            return
        context = min(self._done, self._context)
        piece = self._samples[self._done - context : end].astype(np.float32, copy=False)
        energy, _plan = hop_energy(piece, self._rate)
        self._energy.append(energy[:, context // self._hop :])
        self._done = end

    def loudness(self) -> float:
        """The integrated loudness (LUFS) of all ``frames``; ``-inf`` for silence."""
        if self._frames == 0:
            return -math.inf
        self.advance(self._frames)
        return _gated(np.concatenate(self._energy, axis=1), self._hop, self._frames)


def check_levels(target_lufs: float, ceiling_dbfs: float) -> tuple[float, float]:
    """Validate a loudness target and a peak ceiling: ``(target, ceiling)`` as floats.

    Raises
    ------
    TypeError
        Not numbers.
    OptionError
        Target outside -70..0 LUFS or ceiling outside -30..0 dBFS.
    """
    target = _number(target_lufs, "target loudness", -70.0, 0.0, "LUFS")
    return target, _number(ceiling_dbfs, "ceiling", -30.0, 0.0, "dBFS")


def ceiling_linear(ceiling_dbfs: float) -> float:
    """The linear sample ceiling for ``ceiling_dbfs``, with a margin for float32 rounding."""
    return 10.0 ** (ceiling_dbfs / 20.0) * (1.0 - 1e-6)


def peaks(samples: np.ndarray) -> np.ndarray:
    """Per-frame peak magnitude over the channels of ``(frames, channels)`` samples."""
    peak = np.abs(samples[:, 0])
    for channel in range(1, samples.shape[1]):
        np.maximum(peak, np.abs(samples[:, channel]), out=peak)
    return peak


def _fit_limited(
    samples: np.ndarray,
    peak: np.ndarray,
    energy: np.ndarray,
    hop: int,
    target: float,
    ceiling: float,
    gain: float,
    sample_rate: int,
) -> tuple[float, tuple[np.ndarray, np.ndarray] | None]:
    """Raise the gain until gain + limiter meet the target: (gain, limiter reductions).

    The loudness of each trial is estimated without re-filtering: a hop's K-weighted
    energy is scaled by the fraction of its plain energy the limiter keeps (the limiter
    only touches a few milliseconds around peaks, where this ratio is accurate). The
    gain follows secant steps in dB, at most :data:`MAX_LIMITING_DB` above the start.
    """
    frames, channels = samples.shape
    hops = energy.shape[1]
    full = frames // hop
    plain = np.zeros(hops)
    whole = samples[: full * hop].reshape(full, hop * channels)
    plain[:full] = np.einsum("ij,ij->i", whole, whole, dtype=np.float64)
    rest = samples[full * hop :]
    if rest.size:
        plain[full] = float(np.einsum("ij,ij->", rest, rest, dtype=np.float64))
    start_db = 20.0 * math.log10(gain)
    gain_db = start_db
    tried: list[tuple[float, float]] = []  # (gain dB, estimated loudness)
    while True:
        gain = 10.0 ** (gain_db / 20.0)
        reduction = limiter_gain(peak * gain, ceiling, sample_rate)
        kept = np.ones(hops)
        if reduction is not None:
            index, curve = reduction
            picked = samples[index]
            power = np.einsum("ij,ij->i", picked, picked, dtype=np.float64)
            lost = np.bincount(index // hop, power * (1.0 - curve**2), hops)
            np.divide(plain - lost, plain, out=kept, where=plain > 0)
        estimate = _gated(energy * kept * gain**2, hop, frames)
        error = target - estimate
        tried.append((gain_db, estimate))
        if abs(error) < _TOLERANCE_LU or len(tried) >= _MAX_ROUNDS:
            break
        slope = 1.0
        if len(tried) >= 2:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            if g1 != g0:
                slope = min(1.0, max(0.1, (l1 - l0) / (g1 - g0)))
        gain_db = min(gain_db + error / slope, start_db + MAX_LIMITING_DB)
        if gain_db == tried[-1][0]:
            break
    return gain, reduction


def _gated(energy: np.ndarray, hop: int, frames: int) -> float:
    """Gated loudness from per-hop K-weighted energies (channels x hops)."""
    channels = energy.shape[0]
    weights = np.array([_CHANNEL_WEIGHTS[c] if c < 5 else 1.0 for c in range(channels)])
    full_hops = frames // hop
    if full_hops < HOPS_PER_BLOCK:  # shorter than one block: one block over everything
        mean_square = energy.sum(axis=1, keepdims=True) / frames
    else:
        sums = np.cumsum(energy[:, :full_hops], axis=1)
        sums = np.concatenate([np.zeros((channels, 1)), sums], axis=1)
        window = HOPS_PER_BLOCK * hop
        mean_square = (sums[:, HOPS_PER_BLOCK:] - sums[:, :-HOPS_PER_BLOCK]) / window
    # Near silence the blocked K filter's energy can round to just below zero.
    block_power = np.maximum(weights @ mean_square, 0.0)  # (blocks,)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(block_power)
    passed = block_lufs > ABSOLUTE_GATE
    if not passed.any():
        return -math.inf
    relative = -0.691 + 10.0 * math.log10(block_power[passed].mean()) + RELATIVE_GATE
    passed &= block_lufs > relative
    return -0.691 + 10.0 * math.log10(block_power[passed].mean())


def _samples(audio: Audio) -> np.ndarray:
    if not isinstance(audio, Audio):
        raise TypeError(f"expected Audio, not {type(audio).__name__}")
    samples = np.asarray(audio.samples)
    if samples.ndim != 2:
        raise ValueError(f"audio samples must be 2-D (frames, channels), not {samples.shape}")
    return samples.astype(np.float32, copy=False)


def _number(value: float, what: str, low: float, high: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, not {type(value).__name__}")
    if not (math.isfinite(value) and low <= value <= high):
        raise OptionError(f"{what} must be {low:g}..{high:g} {unit}, not {value}")
    return float(value)
