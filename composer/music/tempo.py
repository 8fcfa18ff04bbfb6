"""The tempo plan: one declared tempo, and a final ritardando written as tempo events
(the declared tempo stays the first one, and the only one before the ending)."""

from __future__ import annotations

from composer.music import mapping
from composer.music.form import PlannedSection
from composer.music.mapping import Cues
from composer.music.model import Section

RITARDANDO = 0.3  # the final tempo is this much slower
ARC_RANGE = 0  # bpm a section of an arc may move from the song's tempo (see tempo_of)


def tempo_of(home: Cues, is_arc: bool, s: PlannedSection) -> int:
    """The tempo of a section: the song's one tempo. A player, a DAW's grid and a judge
    all read one declared tempo, so an arc moves by mode, texture, register and
    dynamics instead (``ARC_RANGE`` bpm of tempo movement, 0 by default); only the
    ending slows down."""
    if not is_arc or s.role == "intro" or not ARC_RANGE:
        return home.tempo
    cues = mapping.cues(s.valence, s.arousal, s.dominance)
    return home.tempo + max(-ARC_RANGE, min(ARC_RANGE, cues.tempo - home.tempo))


def tempo_changes(sections: list[Section], bar_beats: float) -> tuple[tuple[float, float], ...]:
    """(beat, bpm) at every section whose tempo differs, then the final ritardando: the
    coda's last three bars slow down beat by beat to ``1 - RITARDANDO`` of its tempo."""
    out: list[tuple[float, float]] = []
    now = sections[0].tempo
    for s in sections[1:]:
        if s.tempo != now:
            out.append(((s.start_bar - 1) * bar_beats, float(s.tempo)))
            now = s.tempo
    end = (sections[-1].start_bar - 1 + sections[-1].bars) * bar_beats
    beats = round(3 * bar_beats)
    for i in range(beats):
        f = (i + 1) / beats
        out.append((end - beats + i, round(now * (1 - RITARDANDO * f * f), 2)))
    return tuple(out)
