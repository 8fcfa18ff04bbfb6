"""Sample-rate conversion for encoders that take only some rates (Opus: 48 kHz).

One FFT over the whole song per channel: the spectrum is cut or zero-padded to the new
length, an ideal band limit with no passband ripple. The transform treats the song as
periodic; songs start and end in (near) silence, so the wrap-around does not matter.
"""

from __future__ import annotations

import numpy as np

from composer.audio.model import Audio

__all__ = ["resample"]


def resample(audio: Audio, sample_rate: int) -> Audio:
    """``audio`` at ``sample_rate``: ``round(frames * new / old)`` frames, float32.

    Raises
    ------
    ValueError
        A rate that is not positive.
    """
    if sample_rate <= 0 or audio.sample_rate <= 0:
        raise ValueError(f"sample rates must be positive, not {audio.sample_rate} -> {sample_rate}")
    if sample_rate == audio.sample_rate:
        return audio
    frames, channels = audio.samples.shape
    new = round(frames * sample_rate / audio.sample_rate)
    out = np.empty((new, channels), dtype=np.float32)
    if frames == 0 or new == 0:
        return Audio(samples=out, sample_rate=sample_rate)
    keep = min(frames, new) // 2 + 1  # bins both lengths share
    for c in range(channels):  # one channel at a time: bounds the transform's memory
        spectrum = np.fft.rfft(audio.samples[:, c])[:keep]
        if min(frames, new) % 2 == 0:  # the shared Nyquist bin: split between +/-f
            spectrum[-1] *= 0.5 if new > frames else 1.0
        out[:, c] = np.fft.irfft(spectrum, new) * (new / frames)
    return Audio(samples=out, sample_rate=sample_rate)
