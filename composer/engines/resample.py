"""Band-limited sample-rate conversion (pure numpy), e.g. MusicGen's 32 kHz → 44.1 kHz.

An FFT resampler: the spectrum is zero-padded (up) or truncated (down) and transformed back,
which is the ideal low-pass interpolation for a band-limited signal. The signal is padded with
silence first so the FFT's circular wrap cannot leak the end of the song onto its start.
"""

from __future__ import annotations

import math

import numpy as np


def resampled_length(frames: int, rate_in: int, rate_out: int) -> int:
    """Output frames for ``frames`` input frames (rounded to nearest)."""
    return (frames * rate_out + rate_in // 2) // rate_in


def resample(audio: np.ndarray, rate_in: int, rate_out: int, guard_s: float = 0.05) -> np.ndarray:
    """Resample along axis 0.

    Parameters
    ----------
    audio : numpy.ndarray
        Shape ``(frames,)`` or ``(frames, channels)``.
    rate_in, rate_out : int
        Sample rates in Hz.
    guard_s : float
        Silence padded at both ends before the FFT (seconds).

    Returns
    -------
    numpy.ndarray
        ``resampled_length(len(audio), rate_in, rate_out)`` frames, same dtype as the input
        for floating input (float64 otherwise).
    """
    if rate_in <= 0 or rate_out <= 0:
        raise ValueError("sample rates must be positive")
    dtype = audio.dtype if np.issubdtype(audio.dtype, np.floating) else np.dtype(np.float64)
    if rate_in == rate_out:
        return audio.astype(dtype, copy=True)
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    n = audio.shape[0]
    n_out = resampled_length(n, rate_in, rate_out)
    if n == 0:
        return np.zeros((0, *audio.shape[1:]), dtype=dtype)
    pad = down * math.ceil(max(1.0, guard_s * rate_in) / down)
    total = down * math.ceil((n + 2 * pad) / down)
    padded = np.zeros((total, *audio.shape[1:]))
    padded[pad : pad + n] = audio
    total_out = total // down * up
    spectrum = np.fft.rfft(padded, axis=0)
    out_bins = total_out // 2 + 1
    shape = (out_bins, *spectrum.shape[1:])
    new = np.zeros(shape, dtype=np.complex128)
    keep = min(out_bins, spectrum.shape[0])
    new[:keep] = spectrum[:keep]
    if total % 2 == 0 and total_out > total:
        # The input's Nyquist bin stands for +f and -f at once; in the longer spectrum it is
        # one of two bins, so it keeps half of its weight.
        new[total // 2] *= 0.5
    elif total_out < total and total_out % 2 == 0:
        new[-1] = new[-1].real
    out = np.fft.irfft(new, n=total_out, axis=0) * (total_out / total)
    start = pad // down * up
    return out[start : start + n_out].astype(dtype, copy=False)
