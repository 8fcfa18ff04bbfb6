"""The live song's data: options, responses, bars, and the Song of what was played."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from composer.music import mapping, motifs
from composer.music.model import Chord, Key, Note, Part, Section, Song, SpeakerMotif, TimelineBar


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """A live song's settings; ``valence``/``arousal`` are the mood before anyone writes
    (they set the tempo, metre and key, which then hold for the whole song)."""

    seed: int = 0
    style: str = "photograph"
    title: str = "Live photograph"
    valence: float = 0.2
    arousal: float = -0.1


@dataclass(frozen=True, slots=True)
class Response:
    """How the music answered message ``message``: ``kind`` at ``beat`` (in ``bar``,
    0-based), for a message that arrived at beat ``arrived``."""

    message: int
    speaker: str
    kind: str
    arrived: float
    beat: float
    bar: int


@dataclass(frozen=True, slots=True)
class BarInfo:
    """A bar as it was realised: section, key, first chord, the mood it followed."""

    bar: int
    beat: float
    section: str
    key: str
    chord: str
    mood: tuple[float, float, float]


@dataclass(slots=True)
class Speaker:
    """A speaker's motif, order of arrival, recent weight and appearances."""

    motif: motifs.Motif
    order: int
    weight: float = 0.0
    appearances: list[tuple[str, int]] = field(default_factory=list)


def assemble(
    options: LiveOptions, home: Key, tempo: int, time_signature: tuple[int, int], bars: int, *,
    sections: list[Section], parts: list[Part], notes: list[list[Note]],
    pedals: list[list[tuple[float, float]]], who: dict[str, Speaker], bars_info: list[BarInfo],
    bar_messages: dict[int, list[int]], chords: list[Chord],
) -> Song:  # fmt: skip
    """The :class:`Song` of ``bars`` bars: every note committed, sections cut to them."""
    starts = [s.start_bar for s in sections if s.start_bar <= bars] + [bars + 1]
    cut = tuple(
        dataclasses.replace(s, bars=nxt - s.start_bar)
        for s, nxt in zip(sections, starts[1:], strict=False)
    )
    played = tuple(
        Part(p.name, p.program, p.channel, _sorted(notes[i]), tuple(pedals[i]))
        for i, p in enumerate(parts)
    )
    speakers = tuple(SpeakerMotif(n, s.motif, tuple(s.appearances)) for n, s in who.items())
    timeline = []
    for info in bars_info[:bars]:
        timeline.append(
            TimelineBar(info.bar + 1, info.section, tuple(bar_messages.get(info.bar, ())))
        )
    return Song(
        title=options.title,
        key=home,
        tempo=tempo,
        time_signature=time_signature,
        sections=cut,
        chords=tuple(chords),
        parts=played,
        speakers=speakers,
        seed=options.seed,
        style=options.style,
        timeline=tuple(timeline),
        colour=mapping.cues(options.valence, options.arousal).mode_colour,
    )


def _sorted(notes: list[Note]) -> tuple[Note, ...]:
    return tuple(sorted(notes, key=lambda n: (n.start, n.pitch, n.duration, n.velocity)))


def louder(n: Note, start: float, end: float) -> Note:
    """A crescendo over ``[start, end)``: up to 14 velocity steps louder at its end."""
    if not start <= n.start < end:
        return n
    grow = 14.0 * (n.start - start + 1.0) / max(1.0, end - start + 1.0)
    return Note(n.pitch, n.start, n.duration, min(127, round(n.velocity + grow)))
