"""Render MIDI bytes to audio in-process with FluidSynth and a General MIDI SoundFont.

Speed notes (measured on a 2-core box, see ``bench/render.py``): events are grouped per
64-frame block and the synth writes float32 frames straight into the output array
between events; ``synth.cpu-cores=2`` renders voices on both cores,
``synth.dynamic-sample-loading`` reads only the samples of the presets a song uses,
samples are interpolated linearly (see :data:`INTERPOLATION`), and the chorus unit is
switched off when no preset or controller in the song feeds it (it would only add
silence, at ~8 % of the render time).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from composer.audio import fluid
from composer.audio.midievents import MidiEvents, read_midi_events
from composer.audio.model import Audio
from composer.audio.sf2presets import preset_sends
from composer.audio.soundfont import find_soundfont
from composer.cpus import usable_cpus
from composer.errors import OptionError, TooLargeError
from composer.progress import Progress, no_progress

__all__ = [
    "INTERPOLATION",
    "MAX_DURATION_S",
    "SYNTH_SETTINGS",
    "check_options",
    "find_soundfont",
    "render_midi",
    "schedule",
    "synth_for",
    "usable_cpus",
    "warm_up",
]

#: Longest score (in seconds, without tail) that will be rendered: bounds memory use.
MAX_DURATION_S = 20 * 60.0
MAX_TAIL_S = 30.0
SAMPLE_RATES = (8000, 96000)

#: fluidsynth settings for offline rendering.
SYNTH_SETTINGS: dict[str, int | float] = {
    "synth.gain": 0.4,
    "synth.polyphony": 256,
    "synth.cpu-cores": min(2, os.cpu_count() or 1),
    "synth.dynamic-sample-loading": 1,
    "synth.lock-memory": 0,
    "synth.reverb.active": 1,
    "synth.chorus.active": 1,
}

#: Sample interpolation. Linear renders ~20 % faster than fluidsynth's default 4th order
#: (fluid.INTERP_4TH); the difference is ~45 dB below the music, mostly above 4 kHz.
INTERPOLATION = fluid.INTERP_LINEAR

# Report progress about every this many seconds of audio.
_PROGRESS_STEP_S = 5.0


@dataclass(slots=True)
class _Slot:
    """Per (SoundFont, sample rate): the synth for the next render, behind a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    synth: fluid.FluidSynth | None = None
    used: bool = False


_slots: dict[tuple[str, int, int, int], _Slot] = {}
_slots_lock = threading.Lock()


def render_midi(
    midi: bytes,
    *,
    sample_rate: int = 44100,
    soundfont: str | os.PathLike[str] | None = None,
    progress: Progress = no_progress,
    tail_s: float = 2.0,
    threads: int | None = None,
) -> Audio:
    """Synthesize a Standard MIDI File to stereo float32 audio.

    Parameters
    ----------
    midi : bytes
        A type 0, 1 (or 2) Standard MIDI File.
    sample_rate : int
        Output frames per second (8000..96000).
    soundfont : str or os.PathLike, optional
        SoundFont to use; default from :func:`find_soundfont`.
    progress : Progress
        Called as ``progress("render", seconds_done, seconds_total)``.
    tail_s : float
        Seconds rendered after the last MIDI message so releases and reverb ring out.
    threads : int, optional
        fluidsynth's ``synth.cpu-cores`` (default: :data:`SYNTH_SETTINGS`, two cores).
        Two synths splitting the notes in two threads were tried: on two cores they cost
        ~35 % more CPU (each runs its own reverb) and were slower than this.

    Returns
    -------
    Audio
        ``round((end + tail_s) * sample_rate)`` frames x 2 channels, float32, where
        ``end`` is the time of the file's last message.

    Raises
    ------
    InputError
        Malformed MIDI data.
    TooLargeError
        The score is longer than :data:`MAX_DURATION_S`.
    OptionError
        Sample rate, tail or SoundFont unusable.
    NotFoundError, EngineUnavailableError
        See :func:`find_soundfont` and :func:`composer.audio.fluid.load_library`.
    """
    check_options(sample_rate, tail_s)
    path, _note = find_soundfont(soundfont)
    score, frames = schedule(midi, sample_rate, tail_s)
    padded = -(-frames // fluid.BLOCK) * fluid.BLOCK  # whole blocks: no partial block left over
    out = np.zeros((padded, 2), dtype=np.float32)
    with synth_for(path, sample_rate, score, threads) as synth:
        play(synth, score.events, out, sample_rate, progress)
    return Audio(samples=out[:frames], sample_rate=sample_rate)


def schedule(midi: bytes, sample_rate: int, tail_s: float) -> tuple[MidiEvents, int]:
    """Check the options, read the events and size the output: (events, frames).

    Raises
    ------
    InputError, TooLargeError, OptionError
        As :func:`render_midi`.
    """
    check_options(sample_rate, tail_s)
    score = read_midi_events(midi, sample_rate)
    if score.end_s > MAX_DURATION_S:
        raise TooLargeError(
            f"the MIDI file lasts {score.end_s / 60:.0f} min; at most "
            f"{MAX_DURATION_S / 60:.0f} min can be rendered"
        )
    return score, round((score.end_s + tail_s) * sample_rate)


@contextmanager
def synth_for(
    path: Path, sample_rate: int, score: MidiEvents, threads: int | None = None, part: int = 0
) -> Iterator[fluid.FluidSynth]:
    """A fresh synth for rendering ``score`` (chorus set as it needs), held exclusively.

    Parameters
    ----------
    path : Path
        The SoundFont (from :func:`find_soundfont`).
    sample_rate : int
        Output frames per second.
    score : MidiEvents
        What will be played (decides whether the chorus unit runs).
    threads : int, optional
        fluidsynth's ``synth.cpu-cores`` (default: :data:`SYNTH_SETTINGS`).
    part : int
        Which synth of a render split in parts (each part has its own, so the parts
        can render at the same time; see :mod:`composer.audio.parallel`).
    """
    cores = _cores(threads)
    slot = _slot(path, sample_rate, cores, part)
    chorus = score.chorus_controls or _presets_use_chorus(path, score.presets)
    with slot.lock:
        synth = _fresh_synth(slot, path, sample_rate, cores)
        synth.set_chorus(chorus and bool(SYNTH_SETTINGS.get("synth.chorus.active", 1)))
        yield synth


def _cores(threads: int | None) -> int:
    if threads is None:  # this composition's share of the cores, at most two
        return max(1, min(int(SYNTH_SETTINGS.get("synth.cpu-cores", 1)), usable_cpus()))
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int, not {type(threads).__name__}")
    if not 1 <= threads <= 256:
        raise OptionError(f"threads must be 1..256, not {threads}")
    return threads


def check_options(sample_rate: int, tail_s: float) -> None:
    """Validate :func:`render_midi`'s sample rate and tail (TypeError / OptionError)."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int):
        raise TypeError(f"sample_rate must be an int, not {type(sample_rate).__name__}")
    low, high = SAMPLE_RATES
    if not low <= sample_rate <= high:
        raise OptionError(f"sample rate must be {low}..{high} Hz, not {sample_rate}")
    if isinstance(tail_s, bool) or not isinstance(tail_s, (int, float)):
        raise TypeError(f"tail_s must be a number, not {type(tail_s).__name__}")
    if not (math.isfinite(tail_s) and 0.0 <= tail_s <= MAX_TAIL_S):
        raise OptionError(f"tail must be 0..{MAX_TAIL_S:g} s, not {tail_s}")


def _presets_use_chorus(path: Path, presets: frozenset[tuple[int, int]]) -> bool:
    """Whether any preset played sends to the chorus (or is unknown to the SoundFont)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return True
    every, chorus = preset_sends(str(path), mtime)
    return not presets <= every or bool(presets & chorus)


def _slot(path: Path, sample_rate: int, cores: int, part: int = 0) -> _Slot:
    key = (str(path.resolve()), sample_rate, cores, part)
    with _slots_lock:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _Slot()
        return slot


def _fresh_synth(slot: _Slot, path: Path, sample_rate: int, cores: int) -> fluid.FluidSynth:
    """The slot's synth if it never rendered, else a new one (caller holds ``slot.lock``).

    The replacement is created before the used synth is freed, so sample data shared
    through fluidsynth's cache is not read from disk again.
    """
    if slot.synth is None or slot.used:
        fresh = _new_synth(path, sample_rate, cores)
        if slot.synth is not None:
            slot.synth.close()
        slot.synth, slot.used = fresh, False
    slot.used = True
    return slot.synth


def _new_synth(path: Path, sample_rate: int, cores: int) -> fluid.FluidSynth:
    settings = {**SYNTH_SETTINGS, "synth.cpu-cores": cores}
    return fluid.FluidSynth(path, sample_rate, settings, INTERPOLATION)


def play(
    synth: fluid.FluidSynth,
    events: Sequence[tuple[int, int, int, int, int]],
    out: np.ndarray,
    sample_rate: int,
    progress: Progress,
) -> None:
    """Render all of ``out``, applying the events in order (one write between events)."""
    total = out.shape[0]
    total_s = total / sample_rate
    step = int(_PROGRESS_STEP_S * sample_rate)
    next_report = step
    cur = 0
    send = synth.send
    progress("render", 0.0, total_s)
    for frame, kind, channel, a, b in events:
        if frame > cur:
            frame = min(frame, total)
            synth.write(out, cur, frame)
            cur = frame
            if cur >= next_report:
                progress("render", cur / sample_rate, total_s)
                next_report = cur + step
        send(kind, channel, a, b)
    synth.write(out, cur, total)
    progress("render", total_s, total_s)


def warm_up(
    sample_rate: int = 44100,
    soundfont: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    parts: int = 1,
) -> None:
    """Create synths now, so the next render does not wait for the SoundFont to load.

    Parameters
    ----------
    sample_rate, soundfont
        As :func:`render_midi`.
    threads : int, optional
        fluidsynth's ``synth.cpu-cores`` of the synth to create.
    parts : int
        How many synths (one per part of a render split in parts).
    """
    check_options(sample_rate, 0.0)
    path, _note = find_soundfont(soundfont)
    cores = _cores(threads)
    for part in range(parts):
        slot = _slot(path, sample_rate, cores, part)
        with slot.lock:
            if slot.synth is None:
                slot.synth = _new_synth(path, sample_rate, cores)
