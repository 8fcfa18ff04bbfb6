"""Melody: motifs realised over chords, in 4-bar phrases that end in cadences.

A phrase is built bar by bar (a classical "sentence"):

1. bar 1 states the motif from a chord tone near the melody's centre;
2. bar 2 repeats it as a sequence, starting on the chord tone of bar 2 nearest to where
   bar 1 ended;
3. bar 3 develops it (inversion or a rhythmic change);
4. bar 4 is the cadence: an approach note, then a long note on the goal — a tone of V for
   an open phrase (a question), the tonic for a closing phrase (the answer).

Notes on strong beats snap to chord tones, so the melody agrees with the harmony; notes in
between stay on the scale (passing and neighbour tones).
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.music import motifs, theory
from composer.music.model import Chord, Key, Note
from composer.music.motifs import Motif


@dataclass(frozen=True, slots=True)
class Voice:
    """Where a melody lives: its centre pitch and how far it may wander (semitones)."""

    centre: int
    span: int = 9


def _chord_degrees(key: Key, chord: Chord, around: int) -> list[int]:
    """Scale degrees near ``around`` whose pitch class is a chord tone."""
    return [d for d in range(around - 7, around + 8)
            if theory.degree_pitch(key, d) % 12 in chord.pitch_classes]


def nearest_chord_degree(key: Key, chord: Chord, degree: int) -> int:
    """The chord-tone degree closest to ``degree`` (ties resolve upward)."""
    options = _chord_degrees(key, chord, degree)
    if not options:
        return degree
    return min(options, key=lambda d: (abs(d - degree), -d))


def _keep_in_range(key: Key, degree: int, voice: Voice) -> int:
    pitch = theory.degree_pitch(key, degree)
    while pitch > voice.centre + voice.span:
        degree -= 7
        pitch = theory.degree_pitch(key, degree)
    while pitch < voice.centre - voice.span:
        degree += 7
        pitch = theory.degree_pitch(key, degree)
    return degree


def realise(motif: Motif, key: Key, chord: Chord, start_degree: int, bar_start: float,
            bar_beats: float, voice: Voice) -> tuple[list[Note], int]:
    """Turn a motif into notes in one bar; returns the notes and the last degree."""
    notes: list[Note] = []
    degree = start_degree
    t = 0.0
    strong = {0.0, bar_beats / 2} if bar_beats == 4.0 else {0.0}
    for i, (step, beats) in enumerate(motif):
        degree = degree + step if i else start_degree + step
        if t in strong:
            degree = nearest_chord_degree(key, chord, degree)
        degree = _keep_in_range(key, degree, voice)
        notes.append(Note(theory.degree_pitch(key, degree), bar_start + t, beats, 80))
        t += beats
    return notes, degree


def cadence_bar(key: Key, chord: Chord, prev_degree: int, closing: bool, bar_start: float,
                bar_beats: float, step: float, voice: Voice) -> tuple[list[Note], int]:
    """The phrase's last bar: approach note(s), then the goal held to the bar's end."""
    if closing:
        goal = min((d for d in range(prev_degree - 7, prev_degree + 8) if d % 7 == 0),
                   key=lambda d: (abs(d - prev_degree), d))
    else:
        goal = nearest_chord_degree(key, chord, prev_degree)
    goal = _keep_in_range(key, goal, voice)
    approach = goal + (1 if prev_degree >= goal else -1)
    lead = min(bar_beats / 2, max(step, 0.5))
    if closing:
        # The final bar of a closing phrase is the tonic itself (chord I): land on beat one.
        lead = 0.0
    notes = []
    if lead:
        notes.append(Note(theory.degree_pitch(key, approach), bar_start, lead, 80))
    notes.append(Note(theory.degree_pitch(key, goal), bar_start + lead, bar_beats - lead, 80))
    return notes, goal


def phrase(key: Key, chords: list[Chord], motif: Motif, develop: str, closing: bool,
           start_degree: int, bar_start: float, bar_beats: float, step: float,
           voice: Voice) -> tuple[list[Note], int]:
    """A 4-bar phrase over ``chords`` (one per bar); see the module docstring."""
    notes: list[Note] = []
    first = nearest_chord_degree(key, chords[0], start_degree)
    part, last = realise(motif, key, chords[0], first, bar_start, bar_beats, voice)
    notes += part
    second = nearest_chord_degree(key, chords[1], last)
    part, last = realise(motif, key, chords[1], second, bar_start + bar_beats, bar_beats, voice)
    notes += part
    if develop == "invert":
        varied = motifs.invert(motif)
    elif develop == "augment":
        varied = motifs.augment_rhythm(motif, bar_beats)
    else:
        varied = motifs.diminish_rhythm(motif, bar_beats)
    third = nearest_chord_degree(key, chords[2], last)
    part, last = realise(varied, key, chords[2], third, bar_start + 2 * bar_beats, bar_beats,
                         voice)
    notes += part
    part, last = cadence_bar(key, chords[3], last, closing, bar_start + 3 * bar_beats,
                             bar_beats, step, voice)
    notes += part
    return notes, last
