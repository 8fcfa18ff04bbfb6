"""Accompaniment figures and bass lines, one bar at a time.

Figures (chosen by arousal in :mod:`composer.music.mapping`):

- ``sustained``: bass note and a held chord (calm, hymn-like);
- ``arpeggio``: the Romantic rolling figure, root–fifth–tenth in eighth notes;
- ``broken``: Alberti-style low–high–middle–high eighths over a bass on the beat;
- ``driving``: bass on every beat and off-beat chord stabs.

Chord tones are voice-led from the previous bar (smallest motion), so the harmony moves
smoothly even when the roots jump.
"""

from __future__ import annotations

from composer.music import theory
from composer.music.model import Chord, Note

LH_CHORD = (48, 64)  # C3..E4: where the left hand's chord tones sit
BASS = (36, 52)  # C2..E3: where the bass note sits


def bass_pitch(root_pc: int, low: int = BASS[0]) -> int:
    """The root in the bass register."""
    return low + (root_pc - low) % 12


def figure_bar(figure: str, chord: Chord, bar_start: float, bar_beats: float,
               previous: tuple[int, ...], velocity: int) -> tuple[list[Note], tuple[int, ...]]:
    """Left-hand notes for one bar; returns the notes and the chord voicing used."""
    voicing = theory.voice_chord(chord.pitch_classes[:4], *LH_CHORD, previous)
    bass = bass_pitch(chord.root)
    upper = [p for p in voicing if p > bass] or [bass + 12]
    soft = max(1, velocity - 10)
    notes: list[Note] = []
    if figure == "sustained":
        notes.append(Note(bass, bar_start, bar_beats, velocity))
        notes += [Note(p, bar_start, bar_beats, soft) for p in upper]
    elif figure == "arpeggio":
        fifth = bass + 7
        cycle = [bass, fifth, *upper[-2:], fifth + 12 if fifth + 12 <= LH_CHORD[1] else fifth]
        pattern = cycle + cycle[-2:0:-1]
        for i in range(int(bar_beats * 2)):
            p = pattern[i % len(pattern)]
            notes.append(Note(p, bar_start + 0.5 * i, 0.5, velocity if i == 0 else soft))
    elif figure == "broken":
        low, high = upper[0], upper[-1]
        mid = upper[len(upper) // 2]
        notes.append(Note(bass, bar_start, bar_beats, velocity))
        alberti = (low, high, mid, high)
        for i in range(int(bar_beats * 2)):
            notes.append(Note(alberti[i % 4], bar_start + 0.5 * i, 0.5, soft))
    elif figure == "driving":
        for beat in range(int(bar_beats)):
            accent = velocity if beat == 0 else soft
            notes.append(Note(bass, bar_start + beat, 0.5, accent))
            notes.append(Note(bass + 12, bar_start + beat, 0.5, soft))
            notes += [Note(p, bar_start + beat + 0.5, 0.5, soft) for p in upper[-3:]]
    else:
        raise ValueError(f"unknown figure {figure!r}")
    return notes, voicing


def bass_bar(chord: Chord, next_root: int | None, motion: str, bar_start: float,
             bar_beats: float, velocity: int) -> list[Note]:
    """A bass line for one bar: held roots, roots and fifths, or with a passing approach."""
    root = bass_pitch(chord.root, 28)  # E1..: a real bass register
    if motion == "pedal" or bar_beats < 4:
        return [Note(root, bar_start, bar_beats, velocity)]
    half = bar_beats / 2
    if motion == "roots" or next_root is None:
        fifth = root + 7
        return [Note(root, bar_start, half, velocity), Note(fifth, bar_start + half, half,
                                                             max(1, velocity - 8))]
    # Passing: walk toward the next root by step in the last beat.
    target = bass_pitch(next_root, 28)
    approach = target - 1 if target > root else target + 1
    return [
        Note(root, bar_start, half, velocity),
        Note(root + 7, bar_start + half, half / 2, max(1, velocity - 8)),
        Note(approach, bar_start + half + half / 2, half / 2, max(1, velocity - 10)),
    ]


def pad_bar(chord: Chord, bar_start: float, bar_beats: float, previous: tuple[int, ...],
            low: int, high: int, velocity: int) -> tuple[list[Note], tuple[int, ...]]:
    """Held chord tones (strings or pad), voice-led from the previous bar."""
    voicing = theory.voice_chord(chord.pitch_classes, low, high, previous)
    return [Note(p, bar_start, bar_beats, velocity) for p in voicing], voicing
