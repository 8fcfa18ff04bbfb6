"""Render a song in time slices, one synth per slice, on several cores at once.

fluidsynth's own multi-core mode (``synth.cpu-cores``) splits each 64-frame block's
voices over threads and meets them again after every block: at low sample rates that
costs about as much as it gains (the 120 s loudness pre-pass at 8 kHz: 0.21 s on one
core, 0.20 s on two). Here each slice of the song gets its own single-core synth and
thread, and they meet once, at the end (0.13 s in two slices). Figures: 2-core box,
medians of 8, the bench process at real-time priority to keep the other tenants' load
out of them.

A slice starting at ``start`` is rendered from ``start - PREROLL_S``: its synth first
gets the controller, program and pitch-bend state of that moment, and the notes still
held then (struck again), so by ``start`` the notes that matter sound and the reverb
carries the recent past; the pre-roll itself is discarded. What it cannot bring back
is the release of notes let go more than the pre-roll before a boundary, and held
notes restart their attack within the pre-roll: the result is a close approximation
of one synth rendering the whole song (``tests/audio/test_parallel.py`` bounds the
difference), meant for measuring (the loudness pre-pass of
:mod:`composer.audio.stream`), not for the audio that is kept.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections.abc import Sequence

import numpy as np

from composer.audio import fluid
from composer.audio.model import Audio
from composer.audio.soundfont import find_soundfont
from composer.audio.synth import check_options, schedule, synth_for

__all__ = ["PREROLL_S", "render_parts"]

#: Seconds rendered (and discarded) before each slice but the first.
PREROLL_S = 4.0

Event = tuple[int, int, int, int, int]


def render_parts(
    midi: bytes,
    *,
    sample_rate: int,
    parts: int = 2,
    soundfont: str | os.PathLike[str] | None = None,
    tail_s: float = 2.0,
    preroll_s: float = PREROLL_S,
) -> Audio:
    """Synthesize a Standard MIDI File in ``parts`` time slices rendered side by side.

    Parameters
    ----------
    midi, sample_rate, soundfont, tail_s
        As :func:`composer.audio.synth.render_midi`.
    parts : int
        Slices (threads); 1 renders the whole song in one synth.
    preroll_s : float
        Seconds rendered before each slice to set the scene (see the module notes).

    Returns
    -------
    Audio
        As :func:`composer.audio.synth.render_midi` returns (same length).

    Raises
    ------
    InputError, TooLargeError, OptionError, NotFoundError, EngineUnavailableError
        As :func:`composer.audio.synth.render_midi`.
    """
    check_options(sample_rate, tail_s)
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= 16:
        raise ValueError(f"parts must be an int in 1..16, not {parts!r}")
    path, _note = find_soundfont(soundfont)
    score, frames = schedule(midi, sample_rate, tail_s)
    block = fluid.BLOCK
    blocks = -(-frames // block)
    out = np.zeros((blocks * block, 2), dtype=np.float32)
    bounds = [blocks * k // parts * block for k in range(parts + 1)]
    preroll = round(preroll_s * sample_rate / block) * block
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            with synth_for(path, sample_rate, score, threads=1, part=k) as synth:
                _play_slice(synth, score.events, out, bounds[k], bounds[k + 1], preroll)
        except BaseException as exc:  # re-raised by the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,), name=f"photograph-part-{k}")
               for k in range(1, parts) if bounds[k] < bounds[k + 1]]  # fmt: skip
    for t in threads:
        t.start()
    run(0)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return Audio(samples=out[:frames], sample_rate=sample_rate)


def _play_slice(
    synth: fluid.FluidSynth,
    events: Sequence[Event],
    out: np.ndarray,
    start: int,
    stop: int,
    preroll: int,
) -> None:
    """Render ``out[start:stop]``, beginning ``preroll`` frames earlier in a scratch buffer."""
    begin = max(0, start - preroll)
    first = bisect.bisect_left(events, (begin,))
    _restore(synth, events[:first])
    buffer = out if begin == start else np.zeros((stop - begin, 2), dtype=np.float32)
    offset = 0 if buffer is out else begin  # frame f of the song is buffer[f - offset]
    cur = begin
    send = synth.send
    for i in range(first, len(events)):
        frame, kind, channel, a, b = events[i]
        if frame >= stop:
            break
        if frame > cur:
            synth.write(buffer, cur - offset, frame - offset)
            cur = frame
        send(kind, channel, a, b)
    synth.write(buffer, cur - offset, stop - offset)
    if buffer is not out:
        out[start:stop] = buffer[start - begin :]


def _restore(synth: fluid.FluidSynth, past: Sequence[Event]) -> None:
    """Bring a fresh synth to the state ``past`` leaves: every controller, program and
    bend as last set, and the notes still held struck again."""
    held: dict[tuple[int, int], int] = {}
    for _frame, kind, channel, a, b in past:
        if kind == fluid.NOTE_ON and b > 0:
            held[(channel, a)] = b
        elif kind in (fluid.NOTE_ON, fluid.NOTE_OFF):
            held.pop((channel, a), None)
        elif kind != fluid.KEY_PRESSURE:
            synth.send(kind, channel, a, b)
    for (channel, key), velocity in held.items():
        synth.send(fluid.NOTE_ON, channel, key, velocity)
