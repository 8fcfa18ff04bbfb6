"""Melody conditioning for MusicGen-Melody, computed from our own score (pure numpy).

MusicGen-Melody is conditioned on a *chroma* sequence: 12 pitch-class bins per frame, of
which only the loudest is kept (one-hot). The feature extractor computes it from audio
(:mod:`composer.engines.chroma_audio`): a centred STFT (``n_fft`` 16384, hop 4096 at 32 kHz,
so 7.8125 frames/s, each frame a Hann-windowed 0.512 s), a chroma filter bank, argmax. In
training the audio was the Demucs-separated melodic stems of a 30 s segment.

We build the same tensor from the notes, as the extractor would read *audio of our melody*:

* **which notes** — the melody part the composer wrote (:func:`melody_part`: the first
  pitched part of the song; every style lists its melody line first), counter-voice
  included since it sounds in that part; not whatever pitch is highest;
* **how loud** — each note adds the power a sine at its pitch puts in each chroma bin
  (:func:`~composer.engines.chroma_audio.pitch_response`, octave weighting and leakage
  included) × amplitude² (amplitude ``(velocity/127)²``, a General MIDI synth's curve) ×
  the Hann-weighted energy of its overlap with the frame, ``∫ w(t)² dt`` over the overlap
  (÷ the full frame's);
* **when** — frame ``i`` of a window starting at ``start`` is centred at
  ``start + i / 7.8125`` s; a window of ``L`` seconds has the extractor's
  ``1 + ⌊L · 32000⌋ // 4096`` frames (235 for 30 s); the extractor reflects the window's audio
  at both edges, and so do we.

**Silence** is deliberate: a frame where the melody part is silent (a rest longer than the
0.512 s window) takes the accompaniment's pitch (the pitched parts except bass and drums,
what the melodic stems of a recording would hold there); a frame where nothing pitched
sounds holds the previous frame's pitch class (the release still rings; a window that
opens in silence takes its first sounding frame's), and a window with no notes at all
gets the key's tonic. The reference extractor would read such frames as C (argmax of
zeros), which is no pitch the song has.

:func:`melody_guide` renders a chroma as a tone line, for engines that only take audio
(audiocraft's ``generate_with_chroma``); the extractor reads it back frame for frame.
"""

from __future__ import annotations

import math

import numpy as np

from composer.engines.chroma_audio import HOP_LENGTH, N_FFT, SAMPLE_RATE, pitch_response
from composer.music.model import Part, Song

FRAME_RATE = SAMPLE_RATE / HOP_LENGTH  # 7.8125 chroma frames per second
WINDOW_S = N_FFT / SAMPLE_RATE  # 0.512 s analysis window per frame
SILENT = 1e-4  # melody energy (of a full-scale note filling a frame) below this is a rest
BASS_PROGRAMS = range(32, 40)  # General MIDI bass family: Demucs puts it in its own stem
DECAY_S = 2.0  # percussive notes: power ∝ exp(-2 t / DECAY_S) (dev-set choice)


def chroma_frames(duration_s: float) -> int:
    """The extractor's frame count for audio of ``duration_s`` at 32 kHz: ``1 + samples // hop``."""
    samples = math.floor(max(0.0, duration_s) * SAMPLE_RATE + 1e-6)
    return 1 + samples // HOP_LENGTH


def melody_part(song: Song) -> Part | None:
    """The part carrying the tune: the first part that is not drums (channel 9).

    The composer lists the melody's part first in every style ("Piano RH", "Music Box").
    """
    return next((p for p in song.parts if p.channel != 9), None)


def _hann2_integral(t: np.ndarray, width: float) -> np.ndarray:
    """``∫_{-width/2}^{t} w(u)² du`` for the Hann window ``w`` of ``width`` (clipped)."""
    t = np.clip(t, -width / 2, width / 2)
    x = 2.0 * np.pi * t / width
    return 0.25 * (1.5 * t + width / np.pi * np.sin(x) + width / (8.0 * np.pi) * np.sin(2 * x))


def _segments(a: float, b: float, lo: float, hi: float) -> list[tuple[float, float]]:
    """The note ``[a, b)`` clipped to ``[lo, hi]``, plus its reflections at both edges
    (the extractor pads a clip by reflection, so a note near an edge sounds twice)."""
    a, b = max(a, lo), min(b, hi)
    if b <= a:
        return []
    half = WINDOW_S / 2
    out = [(a, b)]
    if a < lo + half:
        out.append((2 * lo - min(b, lo + half), 2 * lo - a))
    if b > hi - half:
        out.append((2 * hi - b, 2 * hi - max(a, hi - half)))
    return out


def _percussive(program: int) -> bool:
    """General MIDI programs whose notes die away while held (pianos, mallets, plucked)."""
    return program < 16 or 24 <= program < 40 or 45 <= program <= 47 or 104 <= program < 120


def chroma_energy(
    parts: list[Part],
    tempo: float,
    start_s: float,
    length_s: float,
    *,
    envelope: bool = True,
) -> np.ndarray:
    """Chroma power per frame of a window, as the extractor would see audio of ``parts``.

    Parameters
    ----------
    parts : list of Part
        The parts to sound (drums are skipped).
    tempo : float
        Beats per minute (notes are in beats).
    start_s, length_s : float
        The window: frames are centred at ``start_s + i / 7.8125``, ``i < chroma_frames(length_s)``.
    envelope : bool
        Let notes of pianos, mallets and plucked strings die away while held (power
        ``exp(-2 t / DECAY_S)`` from the onset), so a fresh note outweighs a held one as it
        does in a synth's audio (False: plain on/off tones). The sustain pedal is not
        modelled: notes it holds ring on quietly, and counting them matched the extractor
        on FluidSynth renders worse (dev set, ``bench/musicgen_chroma.py``).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(frames, 12)``; 1.0 is a full-scale note filling a frame at its
        loudest pitch class (before octave weighting).
    """
    n_frames = chroma_frames(length_s)
    lo_s, hi_s = start_s, start_s + max(0.0, length_s)
    centres = start_s + np.arange(n_frames) / FRAME_RATE
    full = float(_hann2_integral(np.array(WINDOW_S), WINDOW_S))
    table = pitch_response() / float(pitch_response().max())
    half = WINDOW_S / 2
    sec_per_beat = 60.0 / tempo
    out = np.zeros((n_frames, 12))
    for part in parts:
        if part.channel == 9:
            continue
        decay = DECAY_S if envelope and _percussive(part.program) else math.inf
        for note in part.notes:
            amp2 = (max(1, min(127, note.velocity)) / 127.0) ** 4
            a = note.start * sec_per_beat
            b = note.end * sec_per_beat
            for s0, s1 in _segments(a, b, lo_s, hi_s):
                first = max(0, math.floor((s0 - half - start_s) * FRAME_RATE))
                last = min(n_frames, math.ceil((s1 + half - start_s) * FRAME_RATE) + 1)
                if last <= first:
                    continue
                c = centres[first:last]
                energy = _hann2_integral(s1 - c, WINDOW_S) - _hann2_integral(s0 - c, WINDOW_S)
                if decay < math.inf:  # power fades as exp(-2 t / decay) from the onset
                    energy = energy * np.exp(-2.0 * np.maximum(0.0, c - a) / decay)
                out[first:last] += np.outer(energy * (amp2 / full), table[note.pitch])
    return out


def window_chroma(song: Song, start_s: float = 0.0, length_s: float | None = None) -> np.ndarray:
    """One-hot chroma of the melody for one generation window (see the module docstring).

    Parameters
    ----------
    song : Song
        The score.
    start_s : float
        Where the window starts in the song (seconds); frame 0 is centred there.
    length_s : float, optional
        The window's length; the rest of the song by default.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(chroma_frames(length_s), 12)``, exactly one 1.0 per row.
    """
    length = max(0.0, song.duration_s - start_s) if length_s is None else length_s
    melody = melody_part(song)
    energy = chroma_energy([melody] if melody else [], song.tempo, start_s, length)
    rest = energy.max(axis=1) < SILENT
    if rest.any():
        others = [p for p in song.parts if p is not melody and p.program not in BASS_PROGRAMS]
        backing = chroma_energy(others, song.tempo, start_s, length)
        energy[rest] = backing[rest]
    n_frames = energy.shape[0]
    sounding = energy.max(axis=1) > 0
    best = energy.argmax(axis=1)
    if sounding.any():
        # Hold the last sounding frame's pitch; a window opening in silence takes the first.
        last_seen = np.where(sounding, np.arange(n_frames), -1)
        np.maximum.accumulate(last_seen, out=last_seen)
        last_seen[last_seen < 0] = int(np.argmax(sounding))
        best = best[last_seen]
    else:
        best = np.full(n_frames, song.key.tonic % 12)
    onehot = np.zeros((n_frames, 12), dtype=np.float32)
    onehot[np.arange(n_frames), best] = 1.0
    return onehot


def score_chroma(song: Song, duration_s: float | None = None) -> np.ndarray:
    """One-hot melody chroma of the whole song (``duration_s`` long; the score's by default)."""
    return window_chroma(song, 0.0, song.duration_s if duration_s is None else duration_s)


def melody_guide(
    chroma: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    duration_s: float | None = None,
    smooth_s: float = 0.02,
) -> np.ndarray:
    """Render a one-hot chroma as a plain tone line (mono float32), for audio-only APIs.

    Frame ``i`` sounds its pitch class (sines in octaves 4 and 5) from ``(i - ½) / 7.8125``
    to ``(i + ½) / 7.8125`` s, so every frame centre sits in the middle of its own tone, with
    ``smooth_s`` crossfades. The line lasts ``duration_s`` (default: ``(frames - 1) / 7.8125``
    s, the shortest audio that has that many frames); the extractor reads it back as
    ``chroma``.

    Raises
    ------
    ValueError
        ``duration_s`` would give the extractor a different number of frames.
    """
    n_frames = chroma.shape[0]
    duration = (n_frames - 1) / FRAME_RATE if duration_s is None else duration_s
    if chroma_frames(duration) != n_frames:
        raise ValueError(f"{duration:.3f} s of audio has {chroma_frames(duration)} chroma frames")
    n = round(duration * sample_rate)
    t = np.arange(n) / sample_rate
    frame_of_sample = np.minimum(np.floor(t * FRAME_RATE + 0.5).astype(np.int64), n_frames - 1)
    width = max(1, int(smooth_s * sample_rate))
    kernel = np.hanning(width + 2)[1:-1]
    kernel /= kernel.sum()
    out = np.zeros(n)
    for pc in np.nonzero(chroma.max(axis=0) > 0)[0]:
        gain = np.convolve(chroma[frame_of_sample, pc].astype(np.float64), kernel, mode="same")
        f4 = 440.0 * 2.0 ** ((60 + int(pc) - 69) / 12.0)
        out += gain * (0.5 * np.sin(2 * np.pi * f4 * t) + 0.25 * np.sin(4 * np.pi * f4 * t))
    return out.astype(np.float32)
