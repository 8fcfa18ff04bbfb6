"""Styles: who plays which line, and the performance touches (dynamics, pedal, timing).

The composer writes abstract lines (melody, accompaniment, bass, held chords, an inner
counter-voice); a style assigns them to General MIDI instruments:

===========  ===============================================================
style        parts
===========  ===============================================================
photograph   solo piano: right hand (melody + counter-voice), left hand
ensemble     piano (both hands), strings (a counter-melody of guide tones), bass,
             soft pad in open voicing
lullaby      music box (melody + counter-voice) an octave up, harp, warm open pad
===========  ===============================================================
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from composer.music.model import Chord, Note, Part

STYLES = ("photograph", "ensemble", "lullaby")
PAD_TOP = 64  # E4: an open pad stays under the melody


@dataclass(slots=True)
class Lines:
    """The composer's working lines (mutable while composing; frozen into Parts at the end)."""

    melody: list[Note] = field(default_factory=list)
    accompaniment: list[Note] = field(default_factory=list)
    bass: list[Note] = field(default_factory=list)
    counter: list[Note] = field(default_factory=list)
    echo: list[Note] = field(default_factory=list)  # the other hand's imitation (tenor)
    chords: list[tuple[Chord, bool]] = field(default_factory=list)  # (chord, pedal wanted)
    breath: float | None = None  # notes ending here are lifted a little early

    def add_melody(self, notes: list[Note], velocity: int, articulation: float) -> None:
        """Add notes at one velocity, shortened by the articulation."""
        for n in notes:
            self.melody.append(
                Note(n.pitch, n.start, _dur(n.duration, articulation), _vel(velocity))
            )

    def add_phrase(self, notes: list[Note], velocity: int, span: int, articulation: float) -> None:
        """Add a phrase with an arch of dynamics: rise toward the middle, relax at the end,
        a small accent on each bar's downbeat."""
        if not notes:
            return
        t0 = notes[0].start
        length = max(1e-9, notes[-1].end - t0)
        for n in notes:
            pos = (n.start - t0) / length
            shaped = velocity + span * (0.9 * math.sin(math.pi * pos) - 0.3)
            shaped += 4 if abs(n.start - round(n.start)) < 1e-9 else 0
            last = n is notes[-1]
            self.melody.append(
                Note(
                    n.pitch,
                    n.start,
                    n.duration if last else _dur(n.duration, articulation),
                    _vel(shaped),
                )
            )


def _vel(v: float) -> int:
    return max(1, min(127, round(v)))


def _dur(d: float, articulation: float) -> float:
    return max(0.125, round(d * articulation * 32) / 32)


def _sorted(notes: list[Note]) -> tuple[Note, ...]:
    return tuple(sorted(notes, key=lambda n: (n.start, n.pitch, n.duration, n.velocity)))


def _pedal(lines: Lines) -> tuple[tuple[float, float], ...]:
    """Sustain pedal: down with each chord, lifted just before the next (legato pedalling)."""
    spans = []
    for ch, wanted in lines.chords:
        if wanted:
            spans.append((ch.start, ch.start + ch.duration - 0.125))
    return tuple(spans)


def _humanize(notes: list[Note], rng: random.Random | None) -> list[Note]:
    """Slight, seeded timing and velocity variation (only with ``--humanize``)."""
    if rng is None:
        return notes
    out = []
    for n in notes:
        shift = rng.uniform(-0.02, 0.02) if n.start > 0 else 0.0
        out.append(
            Note(
                n.pitch,
                round(n.start + shift, 4),
                n.duration,
                _vel(n.velocity + rng.randint(-4, 4)),
            )
        )
    return out


def _lift(notes: list[Note], at: float | None) -> list[Note]:
    """A breath before the final chord: notes that end exactly at ``at`` stop a 32nd
    note earlier, so the last chord sounds alone."""
    if at is None:
        return notes
    return [
        Note(n.pitch, n.start, n.duration - 0.125, n.velocity)
        if abs(n.end - at) < 1e-6 and n.duration > 0.25
        else n
        for n in notes
    ]


def _octave(notes: list[Note], shift: int) -> list[Note]:
    return [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in notes]


def _swell(lines: Lines, start: float, end: float, velocity: int) -> int:
    """``velocity`` (written for a mezzo-forte melody, 64) moved by as many steps as the
    melody in ``[start, end)`` is above or below that: strings and pads swell and fall
    with the section, not apart from it."""
    around = [n.velocity for n in lines.melody if start <= n.start < end]
    if not around:
        return velocity
    return _vel(velocity + sum(around) / len(around) - 64.0)


def _counter_line(lines: Lines, low: int, high: int, velocity: int) -> list[Note]:
    """A counter-melody for the strings: one guide tone per chord (the third or the
    seventh where it has one), each moving to the nearest tone of the next chord, with
    a passing note through the scale when the next one lies a third away and the chord
    lasts two beats or more."""
    out: list[Note] = []
    prev = (low + high) // 2
    chords = [ch for ch, _ in lines.chords]
    for i, ch in enumerate(chords):
        vel = _swell(lines, ch.start, ch.start + ch.duration, velocity)
        guides = [pc for k, pc in enumerate(ch.pitch_classes) if k in (1, 3)] or list(
            ch.pitch_classes
        )
        options = [p for p in range(low, high + 1) if p % 12 in guides]
        if not options:
            continue
        # the nearest guide tone, but moving: a held line is a pad, not a counter-melody
        pitch = min(options, key=lambda p: (abs(p - prev) + (3 if p == prev else 0), p))
        nxt = chords[i + 1] if i + 1 < len(chords) else None
        target = None
        if nxt is not None and ch.duration >= 2:
            near = [p for p in range(low, high + 1) if p % 12 in nxt.pitch_classes]
            target = min(near, key=lambda p: (abs(p - pitch), p)) if near else None
        if target is not None and abs(target - pitch) in (3, 4):
            half = ch.duration / 2
            passing = pitch + (1 if target > pitch else -1) * (2 if abs(target - pitch) == 4 else 1)
            out += [
                Note(pitch, ch.start, half, vel),
                Note(passing, ch.start + half, half, vel - 4),
            ]
        else:
            out.append(Note(pitch, ch.start, ch.duration, vel))
        prev = pitch
    return out


def _open_pad(lines: Lines, low: int, velocity: int) -> list[Note]:
    """A pad in open voicing: the root low, the fifth above it, the third (or the
    chord's colour tone) an octave higher - wide and warm rather than a close cluster."""
    out: list[Note] = []
    for ch, _ in lines.chords:
        root = low + (ch.root - low) % 12
        pcs = ch.pitch_classes
        fifth = root + next((i for i in (7, 6, 8) if (ch.root + i) % 12 in pcs), 7)
        colour = [pc for k, pc in enumerate(pcs) if k in (1, 3)] or [pcs[-1]]
        tops = [root + 12 + (pc - ch.root) % 12 for pc in colour]
        tops = [p - 12 if p > PAD_TOP else p for p in tops]  # under the melody
        vel = _swell(lines, ch.start, ch.start + ch.duration, velocity)
        out += [Note(p, ch.start, ch.duration, vel) for p in (root, fifth, *tops)]
    return out


def orchestrate(
    style: str, lines: Lines, bar_beats: float, rng: random.Random | None
) -> tuple[Part, ...]:
    """Assign the lines to instruments for ``style``."""
    h = lambda notes: _sorted(_humanize(_lift(notes, lines.breath), rng))  # noqa: E731
    pedal = _pedal(lines)
    if style == "photograph":
        return (
            Part("Piano RH", 0, 0, h(lines.melody + lines.counter), pedal),
            Part("Piano LH", 0, 1, h(lines.accompaniment + lines.echo), pedal),
        )
    if style == "ensemble":
        return (
            Part("Piano RH", 0, 0, h(lines.melody + lines.counter), pedal),
            Part("Piano LH", 0, 1, h(lines.accompaniment + lines.echo), pedal),
            Part("Strings", 48, 2, h(_counter_line(lines, 55, 67, 56))),
            Part("Bass", 32, 3, h(lines.bass)),
            Part("Pad", 89, 4, h(_open_pad(lines, 43, 36))),
        )
    if style == "lullaby":
        return (
            Part("Music Box", 10, 0, h(_octave(lines.melody + lines.counter, 12))),
            Part("Harp", 46, 1, h(lines.accompaniment + lines.echo)),
            Part("Pad", 89, 2, h(_open_pad(lines, 45, 34))),
        )
    raise ValueError(f"unknown style {style!r}")
