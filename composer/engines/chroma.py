"""Melody conditioning for MusicGen-Melody, computed from our own score (pure numpy).

MusicGen-Melody is conditioned on a *chroma* sequence: 12 pitch-class bins per frame, of
which only the loudest bin is kept (a one-hot per frame). transformers'
``MusicgenMelodyFeatureExtractor`` computes it from audio: an STFT (``n_fft`` 16384, hop 4096
at 32 kHz, so 7.8125 frames/s, each frame a centred 0.512 s window), a chroma filter bank,
then argmax → one-hot, and the model takes that tensor as ``input_features``
(``(batch, frames, 12)``, at most ``chroma_length`` = 235 frames ≈ 30 s).

We build that same tensor directly from the notes instead of rendering audio and passing it
through the processor, because

* the extractor needs ``torchaudio`` (not in our ``[gpu]`` extra, and tied to one torch build);
* we own the score: exact pitches and times are known, so no STFT guesswork, and the melody
  is not muddied by the accompaniment's overtones. The original system separates the melody
  stems with Demucs before the argmax; here the top voice (or a part named "melody"/"lead")
  is simply weighted up before the argmax.

:func:`melody_guide` renders the same line as audio, for engines that only take a waveform
(audiocraft's ``generate_with_chroma``).
"""

from __future__ import annotations

import math

import numpy as np

from composer.music.model import Song

SAMPLE_RATE = 32_000  # MusicgenMelodyFeatureExtractor defaults
HOP_LENGTH = 4096
N_FFT = 16_384
FRAME_RATE = SAMPLE_RATE / HOP_LENGTH  # 7.8125 chroma frames per second
WINDOW_S = N_FFT / SAMPLE_RATE  # 0.512 s analysis window per frame
MELODY_BOOST = 4.0
MELODY_WORDS = ("melody", "lead", "theme", "voice")


def chroma_frames(duration_s: float, frame_rate: float = FRAME_RATE) -> int:
    """Number of chroma frames for a duration (centred STFT frames: ``1 + samples // hop``)."""
    return math.floor(max(0.0, duration_s) * frame_rate + 1e-9) + 1


def chroma_energy(
    song: Song,
    duration_s: float | None = None,
    *,
    frame_rate: float = FRAME_RATE,
    window_s: float = WINDOW_S,
    melody_boost: float = MELODY_BOOST,
) -> np.ndarray:
    """Weighted pitch-class energy per frame, before the argmax.

    Each note adds ``overlap-with-the-frame's-window × velocity/127`` to its pitch class;
    melody notes (a part named like "melody"/"lead", else the highest sounding pitch of the
    frame) count ``melody_boost`` times. Drum parts (channel 9) are ignored.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(frames, 12)``.
    """
    if frame_rate <= 0 or window_s <= 0:
        raise ValueError("frame_rate and window_s must be positive")
    duration = song.duration_s if duration_s is None else duration_s
    n_frames = chroma_frames(duration, frame_rate)
    sec_per_beat = 60.0 / song.tempo
    half = window_s / 2.0
    centres = np.arange(n_frames) / frame_rate

    melodic_parts = [p for p in song.parts if p.channel != 9]
    named = [any(w in p.name.lower() for w in MELODY_WORDS) for p in melodic_parts]
    use_names = any(named)

    # First pass: each note's frames and energies; the top pitch per frame.
    contributions: list[tuple[int, bool, np.ndarray, np.ndarray]] = []
    top = np.full(n_frames, -1, dtype=np.int64)
    for part, is_named in zip(melodic_parts, named, strict=True):
        for note in part.notes:
            start = note.start * sec_per_beat
            end = note.end * sec_per_beat
            lo = max(0, math.floor((start - half) * frame_rate))
            hi = min(n_frames, math.ceil((end + half) * frame_rate) + 1)
            if hi <= lo:
                continue
            c = centres[lo:hi]
            overlap = np.minimum(end, c + half) - np.maximum(start, c - half)
            idx = np.nonzero(overlap > 0)[0]
            if idx.size == 0:
                continue
            frames = idx + lo
            energy = overlap[idx] * (max(1, min(127, note.velocity)) / 127.0)
            np.maximum.at(top, frames, note.pitch)
            contributions.append((note.pitch, is_named, frames, energy))

    chroma = np.zeros((n_frames, 12))
    for pitch, is_named, frames, energy in contributions:
        is_melody = np.full(frames.shape, is_named) if use_names else top[frames] == pitch
        weight = np.where(is_melody, melody_boost, 1.0)
        np.add.at(chroma[:, pitch % 12], frames, energy * weight)
    return chroma


def score_chroma(
    song: Song,
    duration_s: float | None = None,
    *,
    frame_rate: float = FRAME_RATE,
    window_s: float = WINDOW_S,
    melody_boost: float = MELODY_BOOST,
) -> np.ndarray:
    """One-hot chroma of the score's melody, as MusicGen-Melody's ``input_features`` expects.

    Parameters
    ----------
    song : Song
        The score (notes in beats; the tempo turns them into seconds).
    duration_s : float, optional
        Length to cover; the score's length by default.
    frame_rate, window_s : float
        Chroma frames per second and the analysis window per frame (the extractor's values).
    melody_boost : float
        How much more the melody counts than the accompaniment before the argmax.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(frames, 12)``, exactly one 1.0 per row. Silent frames hold the
        previous pitch class (the release still sounds); leading silence takes the first
        note's; a score without notes gets its key's tonic.
    """
    energy = chroma_energy(
        song, duration_s, frame_rate=frame_rate, window_s=window_s, melody_boost=melody_boost
    )
    n_frames = energy.shape[0]
    sounding = energy.sum(axis=1) > 0
    best = energy.argmax(axis=1)
    if sounding.any():
        # Forward-fill silent frames; leading silence takes the first sounding frame's bin.
        last_seen = np.where(sounding, np.arange(n_frames), -1)
        np.maximum.accumulate(last_seen, out=last_seen)
        first = int(np.argmax(sounding))
        last_seen[last_seen < 0] = first
        best = best[last_seen]
    else:
        best = np.full(n_frames, song.key.tonic % 12)
    onehot = np.zeros((n_frames, 12), dtype=np.float32)
    onehot[np.arange(n_frames), best] = 1.0
    return onehot


def slice_chroma(
    chroma: np.ndarray, start_s: float, end_s: float, frame_rate: float = FRAME_RATE
) -> np.ndarray:
    """The chroma frames covering ``start_s``..``end_s`` (at least one frame).

    A span running past the end repeats the last frame (the model tiles short chroma anyway).
    """
    if end_s < start_s:
        raise ValueError("end_s must not be before start_s")
    n = chroma.shape[0]
    lo = min(n - 1, max(0, round(start_s * frame_rate)))
    hi = max(lo + 1, round(end_s * frame_rate))
    rows = np.minimum(np.arange(lo, hi), n - 1)
    return chroma[rows]


def melody_guide(
    chroma: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    frame_rate: float = FRAME_RATE,
    smooth_s: float = 0.02,
) -> np.ndarray:
    """Render a one-hot chroma as a plain tone line (mono float32), for audio-only APIs.

    Each frame sounds its pitch class in octaves 4 and 5 (sines), with ``smooth_s``
    crossfades between frames; a chroma extractor run on it gives the chroma back.
    """
    n_frames = chroma.shape[0]
    n = round(n_frames / frame_rate * sample_rate)
    t = np.arange(n) / sample_rate
    frame_of_sample = np.minimum((t * frame_rate).astype(np.int64), n_frames - 1)
    width = max(1, int(smooth_s * sample_rate))
    kernel = np.hanning(width + 2)[1:-1]
    kernel /= kernel.sum()
    out = np.zeros(n)
    for pc in np.nonzero(chroma.max(axis=0) > 0)[0]:
        gain = np.convolve(chroma[frame_of_sample, pc].astype(np.float64), kernel, mode="same")
        f4 = 440.0 * 2.0 ** ((60 + int(pc) - 69) / 12.0)
        out += gain * (0.5 * np.sin(2 * np.pi * f4 * t) + 0.25 * np.sin(4 * np.pi * f4 * t))
    return out.astype(np.float32)
