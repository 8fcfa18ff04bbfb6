"""Accompaniment figures and bass lines, one chord at a time.

Figures (chosen by arousal in :mod:`composer.music.mapping`):

- ``rocking``: the calm root–fifth–tenth figure in quarter notes over a held bass;
- ``sustained``: bass note and a held chord (hymn-like; the final chord);
- ``arpeggio``: the Romantic rolling figure: the bass held, eighths rising through the
  chord and falling back;
- ``broken``: Alberti-style low–high–middle–high eighths over a held bass;
- ``driving``: bass in octaves on every beat, chords on the backbeat and pushed on the
  "and" of the next beat;
- ``chorale``, ``waltz``, ``sweep`` and ``ostinato``: see :func:`_more`.

Chord tones are voice-led from the previous chord (smallest motion), so the harmony moves
smoothly even when the roots jump; the bass always plays the root, so it grounds the
harmony.
"""

from __future__ import annotations

import bisect

from composer.music import theory
from composer.music.model import Chord, Note

LH_CHORD = (48, 62)  # C3..D4: where the left hand's chord tones sit (under the melody)
BASS = (36, 52)  # C2..E3: where the left hand's bass note sits
BASS_LOW = 28  # E1: the bottom of a double bass / bass guitar
OPEN_TOP = 64  # E4: an opened voice stays under the melody


def bass_pitch(root_pc: int, low: int = BASS[0]) -> int:
    """The root in the bass register."""
    return low + (root_pc - low) % 12


def fifth(chord: Chord) -> int:
    """Semitones from the root to the chord's fifth (6 in a diminished chord)."""
    return next((i for i in (7, 6, 8) if (chord.root + i) % 12 in chord.pitch_classes), 7)


def figure_span(
    figure: str,
    chord: Chord,
    start: float,
    beats: float,
    previous: tuple[int, ...],
    velocity: int,
    fill_to: int | None = None,
    scale: tuple[int, ...] = (),
    spread: int = 14,
) -> tuple[list[Note], tuple[int, ...]]:
    """Left-hand notes for one chord lasting ``beats``; returns the notes and the voicing.

    ``spread`` (semitones, the mood table's voicing cue): 16 or more opens the voicing
    (its middle voice, or else its lowest, an octave up; 18 or more: the bass an octave
    down where the instrument allows, else a little more room above), 12 or less keeps
    it close
    (a top voice beyond the spread is left out; 10 or less: two voices only).

    ``fill_to`` (the next chord's root pitch class) replaces the last two beats of the
    figure with a walk up (or down) the scale into that root: a pianist's fill at the end
    of a phrase.
    """
    low, high = LH_CHORD
    voicing = theory.voice_chord(chord.pitch_classes[:4], low, high, previous)
    bass = bass_pitch(chord.root)
    upper = [p for p in voicing if p > bass + 2] or [bass + 12]
    bass, upper = _spread(bass, upper, spread)
    soft = max(1, velocity - 10)
    notes: list[Note] = []
    eighths = round(beats * 2)
    if figure == "sustained":
        notes.append(Note(bass, start, beats, velocity))
        notes += [Note(p, start, beats, soft) for p in upper]
    elif figure == "rocking":
        notes.append(Note(bass, start, beats, velocity))
        rock = tuple(bass + i for i in _rock(chord, spread))
        for i in range(1, round(beats)):
            notes.append(Note(rock[(i - 1) % 3], start + i, 1.0, soft))
    elif figure == "arpeggio":
        notes.append(Note(bass, start, beats, velocity))
        rise = sorted({bass + fifth(chord), *upper})
        cycle = rise + rise[-2:0:-1] if len(rise) > 2 else rise
        for i in range(1, eighths):
            notes.append(Note(cycle[(i - 1) % len(cycle)], start + 0.5 * i, 0.5, soft))
    elif figure == "broken":
        notes.append(Note(bass, start, beats, velocity))
        low, high = upper[0], upper[-1]
        mid = upper[len(upper) // 2]
        alberti = (low, high, mid, high)
        for i in range(eighths):
            notes.append(Note(alberti[i % 4], start + 0.5 * i, 0.5, soft))
    elif figure == "driving":
        for beat in range(round(beats)):
            accent = velocity if beat == 0 else soft
            notes.append(Note(bass, start + beat, 0.75, accent))
            notes.append(Note(bass + 12, start + beat, 0.75, soft))
            if beat % 2 == 1 or beats < 2:  # the chord on the backbeat, pushed into the next
                notes += [Note(p, start + beat, 0.75, soft) for p in upper[-3:]]
                if beat + 1.5 <= beats:
                    notes += [Note(p, start + beat + 1.5, 0.5, soft) for p in upper[-3:]]
    elif figure in ("chorale", "waltz", "sweep", "ostinato"):
        notes += _more(figure, chord, bass, upper, start, beats, velocity, soft, spread)
    else:
        raise ValueError(f"unknown figure {figure!r}")
    if fill_to is not None and beats >= 3:
        notes = _fill(notes, bass, fill_to, start + beats - 2, scale, soft)
    return notes, voicing


def _more(
    figure: str,
    chord: Chord,
    bass: int,
    upper: list[int],
    start: float,
    beats: float,
    velocity: int,
    soft: int,
    spread: int = 14,
) -> list[Note]:
    """The quieter textures: a chorale (block chords on the half bar), a waltz (bass,
    then the chord twice), a sweep (one rising arpeggio over two octaves, held; one
    when the voicing cue is close), an
    ostinato (the same eighth-note cell on root, fifth, octave and ninth every bar:
    the Tiersen/Einaudi figure that holds a song together)."""
    notes: list[Note] = []
    if figure == "chorale":
        half = beats / 2 if beats >= 4 else beats
        t = 0.0
        while t < beats - 1e-9:
            notes.append(Note(bass, start + t, half, velocity if t == 0 else soft))
            notes += [Note(p, start + t, half, soft) for p in upper]
            t += half
    elif figure == "waltz":
        notes.append(Note(bass, start, 1.0, velocity))
        for beat in range(1, round(beats)):
            notes += [Note(p, start + beat, 1.0, soft) for p in upper[-3:]]
    elif figure == "sweep":
        over = [p + 12 for p in upper[:2]] if spread > 12 else []  # close: one octave
        tones = sorted({bass, bass + fifth(chord), *upper, *over})
        step = 0.5 if 0.5 * len(tones) <= beats else 0.25  # on the sixteenth grid
        for i, p in enumerate(tones):
            t = i * step
            if t >= beats - 1e-9:
                break
            notes.append(Note(p, start + t, beats - t, velocity if i == 0 else soft))
    else:  # ostinato
        cell = tuple(bass + i for i in _ostinato(chord, spread))
        notes.append(Note(bass, start, beats, velocity))
        for i in range(1, round(beats * 2)):
            notes.append(Note(cell[i % len(cell)], start + 0.5 * i, 0.5, soft))
    return notes


def _spread(bass: int, upper: list[int], spread: int) -> tuple[int, list[int]]:
    """The bass and the voices above it, opened or closed as the voicing cue asks (see
    :func:`figure_span`)."""
    roof = OPEN_TOP
    if spread >= 18 and bass - 12 >= BASS[0] - 7:  # the widest: the bass an octave down
        bass -= 12
    elif spread >= 18:  # or, where it cannot go, more room above (the melody is high)
        roof += 3
    if spread >= 16 and len(upper) >= 3 and upper[1] + 12 <= roof:  # open voicing
        upper = sorted([*upper[:1], *upper[2:], upper[1] + 12])
    elif spread >= 16 and len(upper) >= 2 and upper[0] + 12 <= roof:
        upper = sorted([*upper[1:], upper[0] + 12])  # the lowest voice up an octave
    elif spread >= 16 and bass - 12 >= BASS[0]:  # no room above: open it below
        bass -= 12
    elif spread <= 10 and len(upper) >= 3:
        upper = upper[:2]  # the darkest: two voices close over the bass
    elif spread <= 12 and len(upper) >= 3 and upper[-1] - upper[0] > spread:
        upper = upper[:-1]  # close and dark: the top voice left out
    return bass, upper


def _third(chord: Chord) -> int:
    """Semitones from the root to the chord's third (its sus or add tone if it has none)."""
    return next((i for i in (4, 3, 5, 2) if (chord.root + i) % 12 in chord.pitch_classes), 7)


def _rock(chord: Chord, spread: int) -> tuple[int, int, int]:
    """The rocking figure above the bass (semitones), as wide as the voicing cue lets it
    be: within a fifth (spread 10 or less), an octave (12 or less), a tenth; open (16
    or more) it climbs fifth, tenth, twelfth, and at the widest (18) to the double
    octave."""
    third, five = _third(chord), fifth(chord)
    if spread <= 10:
        return (third, five, third)
    if spread <= 12:
        return (five, 12, five)
    if spread < 16:
        return (five, 12 + third, five)
    return (five, 12 + third, 24 if spread >= 18 else 12 + five)


def _ostinato(chord: Chord, spread: int) -> tuple[int, ...]:
    """The ostinato cell above the bass (semitones): root, fifth, octave, ninth (or
    tenth), octave, fifth; as wide as the voicing cue lets it be: within a fifth (10 or
    less), an octave (12 or less: its top folds down), open to the twelfth (16) and the
    double octave (18 or more)."""
    third, five = _third(chord), fifth(chord)
    top = 14 if (chord.root + 2) % 12 in chord.pitch_classes else 12 + third
    if spread <= 10:
        return (0, third, five, third, five, third)
    if spread <= 12:
        return (0, five, 12, top - 12, 12, five)
    if spread >= 16:
        return (0, five, 12, top, 12 + five, 24 if spread >= 18 else 12)
    return (0, five, 12, top, 12, five)


def _fill(
    notes: list[Note], bass: int, to_pc: int, at: float, scale: tuple[int, ...], velocity: int
) -> list[Note]:
    """Cut the figure at ``at`` and walk by step in eighths to the root ``to_pc``."""
    target = bass_pitch(to_pc)
    direction = 1 if target >= bass else -1
    walk = [target]
    while len(walk) < 5:
        p = walk[-1] - direction
        while scale and p % 12 not in scale:
            p -= direction
        walk.append(p)
    kept = [
        n
        if n.end <= at + 1e-9 or n.start >= at
        else Note(n.pitch, n.start, at - n.start, n.velocity)
        for n in notes
        if n.start < at
    ]
    return kept + [Note(p, at + 0.5 * i, 0.5, velocity) for i, p in enumerate(walk[:0:-1])]


def bass_span(
    chord: Chord,
    next_root: int | None,
    motion: str,
    start: float,
    beats: float,
    velocity: int,
    scale: tuple[int, ...] = (),
) -> list[Note]:
    """A bass line for one chord, in quarter notes: a pulsing root (``pedal``), root –
    fifth – octave – fifth (``roots``), or root – fifth – octave and a step into the next
    root (``passing``, through the scale when ``scale`` pitch classes are given)."""
    root = bass_pitch(chord.root, BASS_LOW)
    n = max(1, round(beats))
    if motion == "pedal":
        line = [root] * n
    else:
        up = fifth(chord)
        line = [(root, root + up, root + 12, root + up)[i % 4] for i in range(n)]
        if motion == "passing" and next_root is not None and n >= 2:
            target = bass_pitch(next_root, BASS_LOW)
            direction = -1 if target > line[-2] else 1
            approach = target + direction
            while scale and approach % 12 not in scale:
                approach += direction
            line[-1] = approach
    step = beats / n
    return [
        Note(p, start + i * step, step, velocity if i == 0 else max(1, velocity - 8))
        for i, p in enumerate(line)
    ]


def pad_span(
    chord: Chord,
    start: float,
    beats: float,
    previous: tuple[int, ...],
    low: int,
    high: int,
    velocity: int,
) -> tuple[list[Note], tuple[int, ...]]:
    """Held chord tones (strings or pad), voice-led from the previous chord."""
    voicing = theory.voice_chord(chord.pitch_classes, low, high, previous)
    return [Note(p, start, beats, velocity) for p in voicing], voicing


def under_melody(notes: list[Note], tune: list[Note]) -> list[Note]:
    """The accompaniment kept under the melody: a tone that would sound at or above a
    melody note it meets goes down an octave (or is left out when that would leave the
    left hand's range, :data:`BASS`): the tune stays on top of the texture."""
    if not tune or not notes:
        return notes
    tune = sorted(tune, key=lambda m: m.start)
    starts = [m.start for m in tune]
    longest = max(m.duration for m in tune)
    out: list[Note] = []
    for n in notes:
        hi = bisect.bisect_left(starts, n.end - 1e-9)
        lo = bisect.bisect_left(starts, n.start - longest)
        met = [m.pitch for m in tune[lo:hi] if m.end > n.start + 1e-9]
        if not met:
            out.append(n)
            continue
        pitch = n.pitch
        while pitch >= min(met) and pitch - 12 >= BASS[0]:
            pitch -= 12
        if pitch < min(met):
            out.append(n if pitch == n.pitch else Note(pitch, n.start, n.duration, n.velocity))
    return out
