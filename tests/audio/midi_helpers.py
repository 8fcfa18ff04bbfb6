"""Small MIDI files built with mido, and spectrum helpers, for the audio tests."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import mido
import numpy as np
import pytest

from composer.audio.fluid import load_library
from composer.errors import EngineUnavailableError

SR = 44100
TPB = 480


def needs_fluidsynth() -> None:
    """Skip the calling test module when libfluidsynth is not installed."""
    try:
        load_library()
    except EngineUnavailableError as exc:
        pytest.skip(str(exc), allow_module_level=True)


def build_midi(
    notes: Iterable[tuple[int, int, float, float, int]],
    *,
    programs: dict[int, int] | None = None,
    bpm: float = 120.0,
    extra: Sequence[tuple[float, mido.Message | mido.MetaMessage]] = (),
    midi_type: int = 0,
) -> bytes:
    """A MIDI file from ``(channel, pitch, start_beat, beats, velocity)`` notes.

    ``extra`` adds messages at beat positions (CC, pitch bend, meta...). Type 1 puts
    each channel on its own track after a tempo track.
    """
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for channel, program in (programs or {0: 0}).items():
        timed.append((0, 1, mido.Message("program_change", channel=channel, program=program)))
    for channel, pitch, start, beats, velocity in notes:
        on = mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)
        timed.append((round(start * TPB), 3, on))
        off = mido.Message("note_off", channel=channel, note=pitch)
        timed.append((round((start + beats) * TPB), 2, off))
    for beat, msg in extra:
        timed.append((round(beat * TPB), 2, msg))
    timed.sort(key=lambda e: (e[0], e[1]))
    tempo = mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))
    mid = mido.MidiFile(type=midi_type, ticks_per_beat=TPB)
    if midi_type == 0:
        groups = {0: [(0, 0, tempo), *timed]}
    else:
        groups = {-1: [(0, 0, tempo)]}
        for tick, order, msg in timed:
            groups.setdefault(getattr(msg, "channel", -1), []).append((tick, order, msg))
    for _, events in sorted(groups.items()):
        track = mido.MidiTrack()
        last = 0
        for tick, _, msg in events:
            track.append(msg.copy(time=tick - last))
            last = tick
        mid.tracks.append(track)
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


def spectrum(samples: np.ndarray, rate: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and magnitude spectrum of the channel mean (Hann window)."""
    mono = samples.astype(np.float64).mean(axis=1)
    magnitude = np.abs(np.fft.rfft(mono * np.hanning(mono.size)))
    return np.fft.rfftfreq(mono.size, 1.0 / rate), magnitude


def peak_hz(samples: np.ndarray, rate: int = SR) -> float:
    freqs, magnitude = spectrum(samples, rate)
    return float(freqs[np.argmax(magnitude)])


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
