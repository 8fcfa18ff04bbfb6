"""The chroma MusicGen-Melody computes from *audio*, re-implemented in numpy.

transformers' ``MusicgenMelodyFeatureExtractor`` (and audiocraft's ``ChromaExtractor``, which
it copies) needs ``torchaudio`` for one call, a ``Spectrogram``; torchaudio is not in our
``[gpu]`` extra and the PyPI wheel is tied to one torch build. This module does the same
sums in numpy so that our score chroma (:mod:`composer.engines.chroma`) can be checked
against what the model was trained on, and so the tone line we hand to audio-only APIs
can be checked to read back as the chroma it encodes:

1. a centred power STFT (``n_fft`` 16384, hop 4096 at 32 kHz, periodic Hann window,
   reflection padding, "window" normalisation: power ÷ Σw²), i.e. torchaudio's
   ``Spectrogram(n_fft, hop_length=hop, power=2, center=True, normalized=True)``;
2. librosa's chroma filter bank (``tuning=0``, C first), as ``transformers.audio_utils.
   chroma_filter_bank``;
3. each frame divided by its largest bin (``max(‖x‖∞, 1e-6)``), then argmax → one-hot.

Audio shorter than ``n_fft`` is zero-padded to ``n_fft`` first, as the extractor does.
``tests/engines/test_chroma_audio.py`` checks this against transformers' own code.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 32_000
N_FFT = 16_384
HOP_LENGTH = 4096
NORM_EPS = 1e-6  # torch.nn.functional.normalize's eps in the extractor


@functools.lru_cache(maxsize=4)
def chroma_filters(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """librosa's chroma filter bank, shape ``(12, n_fft // 2 + 1)`` (read-only).

    The same numbers as ``transformers.audio_utils.chroma_filter_bank(num_frequency_bins=
    n_fft, num_chroma=12, sampling_rate=sample_rate, tuning=0)``.
    """
    n_chroma = 12
    freqs = np.linspace(0, sample_rate, n_fft, endpoint=False)[1:]
    bins = n_chroma * np.log2(freqs / (440.0 / 16))
    bins = np.concatenate(([bins[0] - 1.5 * n_chroma], bins))
    widths = np.concatenate((np.maximum(bins[1:] - bins[:-1], 1.0), [1.0]))
    d = np.subtract.outer(bins, np.arange(0, n_chroma, dtype="d")).T
    half = np.round(float(n_chroma) / 2)
    d = np.remainder(d + half + 10 * n_chroma, n_chroma) - half
    filters = np.exp(-0.5 * (2 * d / np.tile(widths, (n_chroma, 1))) ** 2)
    filters = filters / np.sum(filters**2, axis=0, keepdims=True) ** 0.5
    filters *= np.tile(np.exp(-0.5 * ((bins / n_chroma - 5.0) / 2.0) ** 2), (n_chroma, 1))
    filters = np.roll(filters, -3, axis=0)
    out = np.ascontiguousarray(filters[:, : int(1 + n_fft / 2)])
    out.setflags(write=False)
    return out


def periodic_hann(n: int) -> np.ndarray:
    """``torch.hann_window(n)`` (periodic)."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def raw_chroma(
    audio: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    n_fft: int = N_FFT,
    hop: int = HOP_LENGTH,
    block: int = 64,
) -> np.ndarray:
    """Chroma energy per frame before normalisation, shape ``(1 + len // hop, 12)``.

    ``audio`` is mono at ``sample_rate`` (resample first). Frames are computed ``block`` at a
    time, so a long clip does not need a full spectrogram in memory.
    """
    x = np.asarray(audio, dtype=np.float64).ravel()
    if x.size < n_fft:
        pad = n_fft - x.size
        x = np.pad(x, (pad // 2, pad // 2 + pad % 2))
    n_frames = 1 + x.size // hop
    x = np.pad(x, (n_fft // 2, n_fft // 2), mode="reflect")
    window = periodic_hann(n_fft)
    scale = 1.0 / float(np.sum(window**2))
    filters = chroma_filters(sample_rate, n_fft)
    out = np.empty((n_frames, 12))
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    for lo in range(0, n_frames, block):
        chunk = frames[lo : lo + block] * window
        power = np.abs(np.fft.rfft(chunk, axis=1)) ** 2 * scale
        out[lo : lo + len(chunk)] = power @ filters.T
    return out


def onehot(energy: np.ndarray) -> np.ndarray:
    """The extractor's last step: ∞-norm each frame (eps 1e-6), argmax, one-hot float32."""
    norm = energy / np.maximum(np.abs(energy).max(axis=1, keepdims=True), NORM_EPS)
    out = np.zeros(energy.shape, dtype=np.float32)
    out[np.arange(energy.shape[0]), norm.argmax(axis=1)] = 1.0
    return out


def audio_chroma(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """One-hot chroma of mono 32 kHz audio as ``MusicgenMelodyFeatureExtractor`` returns it.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(1 + len(audio) // 4096, 12)`` (the extractor truncates at 30 s;
        this does not, so a whole song can be read at once).
    """
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"resample to {SAMPLE_RATE} Hz first (got {sample_rate})")
    return onehot(raw_chroma(audio, sample_rate))


@functools.lru_cache(maxsize=2)
def pitch_response(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """Chroma energy of a steady unit sine at each MIDI pitch filling a frame, ``(128, 12)``.

    What one Hann-windowed frame of ``sin(2π f t)`` puts in each chroma bin, including the
    filter bank's leakage into neighbouring pitch classes and its octave weighting (a
    Gaussian around 880 Hz), so a score can be weighted the way the extractor hears it.
    """
    t = np.arange(n_fft) / sample_rate
    window = periodic_hann(n_fft)
    scale = 1.0 / float(np.sum(window**2))
    pitches = np.arange(128)
    freqs = 440.0 * 2.0 ** ((pitches - 69) / 12.0)
    sines = np.sin(2.0 * np.pi * freqs[:, None] * t[None, :]) * window
    power = np.abs(np.fft.rfft(sines, axis=1)) ** 2 * scale
    power[freqs >= sample_rate / 2] = 0.0  # above Nyquist: a synth would not play it
    out = power @ chroma_filters(sample_rate, n_fft).T
    out.setflags(write=False)
    return out


def render_sines(
    notes: list[tuple[int, float, float, int]],
    duration_s: float,
    sample_rate: int = SAMPLE_RATE,
    ramp_s: float = 0.01,
) -> np.ndarray:
    """Plain sine tones for ``(pitch, start_s, end_s, velocity)`` notes (mono float32).

    Each note is a sine at its pitch, amplitude ``(velocity / 127)²`` (a General MIDI
    synth's velocity curve), with ``ramp_s`` linear fades in and out; notes add up.
    """
    n = round(duration_s * sample_rate)
    out = np.zeros(n)
    ramp = max(1, round(ramp_s * sample_rate))
    for pitch, start, end, velocity in notes:
        i0, i1 = max(0, round(start * sample_rate)), min(n, round(end * sample_rate))
        if i1 <= i0:
            continue
        t = np.arange(i1 - i0) / sample_rate
        env = np.minimum(1.0, np.minimum(np.arange(i1 - i0) + 1, np.arange(i1 - i0, 0, -1)) / ramp)
        amp = (max(1, min(127, velocity)) / 127.0) ** 2
        out[i0:i1] += amp * env * np.sin(2.0 * np.pi * 440.0 * 2.0 ** ((pitch - 69) / 12.0) * t)
    return out.astype(np.float32)
