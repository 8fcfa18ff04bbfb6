"""A live session: the streaming composer, one synth, the playback clock, the album.

:class:`LiveSession` joins :class:`composer.music.live.LiveComposer` (bars in beats) to a
:class:`composer.audio.continuous.ContinuousRenderer` (audio in frames). Before it
renders a block it commits the beats the block needs, to the next eighth of a beat (a
message can still change everything after that; it is answered on the next whole beat),
and schedules their notes with the MIDI file's own arithmetic: a note's tick is
``round(beat * 480)``, its frame the tick's time rounded to a synth block, and events of
one tick play in the file's order (track, then pedal up, note offs, note ons, pedal
down). The joined blocks are therefore the one-shot render of the saved ``song.mid``,
sample for sample.

Times passed in are seconds on the playback clock (0 = the song's first sample).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from composer.audio import fluid
from composer.audio.continuous import ContinuousRenderer, Event
from composer.music.live import LiveComposer, LiveOptions, Response
from composer.music.model import Note, Part

RATE = 48000
BLOCK_FRAMES = 75 * fluid.BLOCK  # 4800 frames: 100 ms at 48 kHz
TICKS = 480  # composer.midi.TICKS_PER_BEAT
COMMIT_GRID = 8  # notes are made final up to the next eighth of a beat before they render
TAIL_S = 2.0  # rendered after the last note, so that the final chord rings out
_NOTE_ON, _NOTE_OFF, _CONTROL, _PROGRAM = (
    fluid.NOTE_ON,
    fluid.NOTE_OFF,
    fluid.CONTROL,
    fluid.PROGRAM,
)


@dataclass(frozen=True, slots=True)
class Block:
    """Rendered audio: ``samples`` (float32, frames x 2) starting at frame ``start``, and
    the notes (part index, note) made final for it (they may sound a little later)."""

    start: int
    samples: np.ndarray
    notes: tuple[tuple[int, Note], ...] = ()


class LiveSession:
    """A live photograph being played (see the module docstring).

    Parameters
    ----------
    options : LiveOptions
        Seed, style, title, opening mood.
    soundfont : str or os.PathLike, optional
        As :func:`composer.audio.soundfont.find_soundfont`.
    keep_audio : bool
        Keep every rendered block (to save the song's audio at the end).
    """

    def __init__(
        self,
        options: LiveOptions | None = None,
        soundfont: str | os.PathLike[str] | None = None,
        *,
        keep_audio: bool = True,
    ) -> None:
        import mido

        from composer.midi import PAN

        self.composer = LiveComposer(options or LiveOptions())
        self.tempo_us = int(mido.bpm2tempo(self.composer.tempo))
        parts = self.composer.song().parts
        self.renderer = ContinuousRenderer(RATE, soundfont, chorus=_chorus(soundfont, parts))
        self._scale = RATE / fluid.BLOCK
        # what was played, spooled to a temporary file (a session may last an hour:
        # 384 KB a second would otherwise stay in memory)
        self._spool = tempfile.TemporaryFile() if keep_audio else None  # noqa: SIM115 (closed in close())
        self._spooled = 0  # frames
        self.messages: list[tuple[str, str, float]] = []  # speaker, text, arrival (s)
        first: list[Event] = []
        for i, p in enumerate(parts):
            ch, track = p.channel, i + 1
            first += [
                ((0, track, 2), 0, _PROGRAM, ch, p.program, 0),
                ((0, track, 3), 0, _CONTROL, ch, 7, 100),
                ((0, track, 4), 0, _CONTROL, ch, 10, PAN.get(ch, 64)),
            ]
        self.renderer.schedule(first)

    # --- clock ----------------------------------------------------------------------------

    @property
    def tempo(self) -> int:
        return self.composer.tempo

    def beats(self, seconds: float) -> float:
        """Beats played after ``seconds`` of the playback clock."""
        return seconds * 1_000_000 / self.tempo_us

    def seconds(self, beat: float) -> float:
        """The playback time of a beat, as the MIDI file times it."""
        return round(beat * TICKS) * self.tempo_us / (TICKS * 1_000_000)

    def frame_of(self, beat: float) -> int:
        """The output frame where a beat's events play (a whole synth block)."""
        return int(self.seconds(beat) * self._scale + 0.5) * fluid.BLOCK

    @property
    def rendered_s(self) -> float:
        return self.renderer.frame / RATE

    @property
    def total_frames(self) -> int | None:
        """Frames of the whole song (release tail included), once it has an end."""
        end = self.composer.end_beat
        return None if end is None else round((self.seconds(end) + TAIL_S) * RATE)

    @property
    def done(self) -> bool:
        total = self.total_frames
        return total is not None and self.renderer.frame >= total

    # --- input ----------------------------------------------------------------------------

    def message(self, speaker: str, text: str, at_s: float) -> Response:
        """A message arrived at ``at_s`` on the playback clock (it is answered on the
        next beat that is not yet rendered)."""
        self.messages.append((speaker, text, at_s))
        return self.composer.message(speaker, text, self.beats(at_s))

    def end(self, at_s: float) -> float:
        """The conversation ended at ``at_s``; returns the song's end in seconds."""
        return self.seconds(self.composer.end(self.beats(at_s)))

    # --- output ---------------------------------------------------------------------------

    def render(self, frames: int = BLOCK_FRAMES) -> Block:
        """Render the next ``frames`` frames (whole synth blocks)."""
        start = self.renderer.frame
        stop = start + frames
        notes = self._commit(self._horizon(stop))
        samples = self.renderer.render(frames)
        if self._spool is not None:
            self._spool.write(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
            self._spooled += len(samples)
        return Block(start, samples, tuple(notes))

    def _horizon(self, stop: int) -> float:
        """The earliest beat (on a 1/8-beat grid) whose events play at or after frame
        ``stop``: everything before it must be final before frames up to ``stop`` render."""
        beat = math.ceil(self.beats(stop / RATE) * COMMIT_GRID) / COMMIT_GRID
        while self.frame_of(beat) < stop:
            beat += 1 / COMMIT_GRID
        return beat

    def _commit(self, beat: float) -> list[tuple[int, Note]]:
        notes = self.composer.commit(beat)
        pedals = self.composer.pedals(self.composer.committed)
        parts = self.composer.song_parts
        events: list[Event] = []
        for i, (down, up) in pedals:
            ch, track = parts[i].channel, i + 1
            t0, t1 = round(down * TICKS), round(up * TICKS)
            events.append(((t1, track, 5, t0), self._frame(t1), _CONTROL, ch, 64, 0))
            events.append(((t0, track, 8, t0), self._frame(t0), _CONTROL, ch, 64, 127))
        for i, n in notes:
            events += self._note_events(i + 1, parts[i].channel, n)
        self.renderer.schedule(events)
        return notes

    def _note_events(self, track: int, channel: int, n: Note) -> list[Event]:
        on = round(n.start * TICKS)
        off = max(on + 1, round(n.end * TICKS))
        order = (n.start, n.pitch, n.duration, n.velocity)
        return [
            ((on, track, 7, *order), self._frame(on), _NOTE_ON, channel, n.pitch, n.velocity),
            ((off, track, 6, *order), self._frame(off), _NOTE_OFF, channel, n.pitch, 0),
        ]

    def _frame(self, tick: int) -> int:
        now_s = 0.0 + tick * self.tempo_us / (TICKS * 1_000_000)
        return int(now_s * self._scale + 0.5) * fluid.BLOCK

    def audio(self) -> np.ndarray:
        """Everything rendered so far (cut to the song's length once it is known)."""
        if self._spool is None or not self._spooled:
            return np.zeros((0, 2), dtype=np.float32)
        out = np.empty((self._spooled, 2), dtype=np.float32)
        self._spool.seek(0)
        self._spool.readinto(out.data.cast("B"))
        self._spool.seek(0, os.SEEK_END)
        total = self.total_frames
        return out[:total] if total is not None else out

    def close(self) -> None:
        self.renderer.close()
        if self._spool is not None:
            self._spool.close()


def _chorus(soundfont: str | os.PathLike[str] | None, parts: tuple[Part, ...]) -> bool:
    """Whether a preset the parts play sends to the chorus (as the one-shot render
    decides it; unknown or unreadable: on)."""
    from composer.audio.sf2presets import preset_sends
    from composer.audio.soundfont import find_soundfont

    path, _note = find_soundfont(soundfont)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return True
    every, chorus = preset_sends(str(path), mtime)
    used = {(0, p.program) for p in parts}
    return not used <= every or bool(used & chorus)
