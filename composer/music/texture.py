"""The left hand under a section: a texture chord by chord, the bass line, pedalling.

A section plays one texture (:mod:`composer.music.accompaniment` figures); the last
chord of the song is held (``sustained``); a figure that walks (Alberti, driving) fills
into the next phrase at every phrase end; a returning section grows: the bass is doubled
an octave lower on each chord.
"""

from __future__ import annotations

from composer.music import accompaniment
from composer.music.mapping import Cues
from composer.music.model import Chord, Note
from composer.music.orchestra import Lines

FILLED = ("broken", "driving")  # figures that walk into the next phrase
LOWEST = 28  # E1: no doubling below it


def accompany(
    lines: Lines,
    chords: list[Chord],
    *,
    figure: str,
    cues: Cues,
    velocity: int,
    scale: tuple[int, ...],
    final: bool,
    following: int | None,
    voicing: tuple[int, ...],
    bar_beats: float,
    grow: bool = False,
) -> tuple[int, ...]:
    """Add the texture, bass line and pedal under ``chords``; returns the last voicing.

    ``following`` is the root after the last chord (for the fill into the next phrase).
    """
    origin = chords[0].start
    for i, ch in enumerate(chords):
        last = final and i == len(chords) - 1
        fig = "sustained" if last else figure
        nxt = chords[i + 1].root if i + 1 < len(chords) else following
        bar_no = (ch.start - origin) / bar_beats
        phrase_end = abs(bar_no % 4 - 3) < 1e-9 or (i == len(chords) - 1 and not final)
        fill = nxt if phrase_end and fig in FILLED and nxt is not None else None
        notes, voicing = accompaniment.figure_span(
            fig, ch, ch.start, ch.duration, voicing, velocity - 14, fill, scale, cues.voicing_spread
        )
        if grow and not last:
            bass = accompaniment.bass_pitch(ch.root) - 12
            if bass >= LOWEST:
                notes.append(
                    Note(bass, ch.start, min(ch.duration, bar_beats), max(1, velocity - 18))
                )
        lines.accompaniment += notes
        motion = "pedal" if (last or final) else cues.bass_motion
        lines.bass += accompaniment.bass_span(
            ch, nxt, motion, ch.start, ch.duration, velocity - 6, scale
        )
        lines.chords.append((ch, fig != "driving"))
    return voicing
