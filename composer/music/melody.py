"""Melody tools: motifs placed on scale degrees over chords, cadences, pitches.

Motif statements are literal (same steps, same rhythm; only the starting degree moves),
so they stay recognisable; :func:`fit` chooses the start so that the strong beats and
long notes fall on chord tones (a strong-beat non-chord tone must move on by step).
Everything is in scale degrees (0 = tonic) until :func:`pitches` turns it into MIDI
pitches. Periods (phrases of call, answer, line and cadence) are built in
:mod:`composer.music.phrase`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from composer.music import motifs, theory
from composer.music.model import Chord, Key, Note
from composer.music.motifs import Motif

REAL = 4.0  # how much a real (exact) transposition of a statement is worth in :func:`fit`


@dataclass(frozen=True, slots=True)
class Voice:
    """Where a melody lives: its centre pitch and how far it may wander (semitones)."""

    centre: int
    span: int = 8


@dataclass(frozen=True, slots=True)
class Tone:
    """A melody note in scale degrees, timed in beats from the section's start."""

    degree: int
    start: float
    beats: float


@dataclass(frozen=True, slots=True)
class Harmony:
    """The chords under a section (absolute times) and the section's start beat."""

    key: Key
    chords: tuple[Chord, ...]
    origin: float
    #: (start, end, chromatic pitch classes) of each chord with tones outside the key's
    #: scale (borrowed chords; the minor key's leading tone does not count).
    chromatic: tuple[tuple[float, float, frozenset[int]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        scale = set(self.key.scale)
        if not self.key.is_major:
            scale.add((self.key.tonic - 1) % 12)
        found = []
        for c in self.chords:
            outside = frozenset(p for p in c.pitch_classes if p not in scale)
            if outside:
                found.append((c.start, c.start + c.duration, outside))
        object.__setattr__(self, "chromatic", tuple(found))

    def at(self, t: float) -> Chord:
        """The chord sounding ``t`` beats after the section's start."""
        now = self.origin + t + 1e-9
        found = self.chords[0]
        for c in self.chords:
            if c.start <= now:
                found = c
        return found

    def is_tone(self, degree: int, t: float) -> bool:
        """Is the degree (inflected to the chord, see :func:`real_pitch`) a chord tone?"""
        return real_pitch(self, Tone(degree, t, 0.0)) % 12 in self.at(t).pitch_classes


def develop(motif: Motif, how: str, bar_beats: float) -> Motif:
    """One development of the motif: "invert", "fragment", "augment" or "diminish"."""
    if how == "invert":
        return motifs.invert(motif)
    if how == "fragment":
        return motifs.fragment(motif, bar_beats)
    if how == "augment":
        return motifs.augment_rhythm(motif, bar_beats)
    return motifs.diminish_rhythm(motif, bar_beats)


def rising(motif: Motif, most: int = 5) -> Motif:
    """The motif's rhythm on a rising line that climbs at most ``most`` degrees."""
    out = [(0, motif[0][1])]
    height = 0
    for s, d in motif[1:]:
        step = max(1, abs(s))
        if height + step > most:
            step = -1
        height += step
        out.append((step, d))
    return tuple(out)


def place(motif: Motif, start_degree: int, t0: float) -> list[Tone]:
    """The motif's notes from ``start_degree`` at time ``t0`` (literal steps)."""
    out = []
    degree, t = start_degree, t0
    for i, (step, beats) in enumerate(motif):
        degree = start_degree + step if i == 0 else degree + step
        out.append(Tone(degree, t, beats))
        t += beats
    return out


def score_fit(tones: list[Tone], harmony: Harmony, t0: float, bar_beats: float) -> float:
    """Agreement with the chords: strong beats and long notes on chord tones (a long
    note on a strong beat matters most), with a little extra for the notes of the tonic
    triad (1̂, 3̂, 5̂), which anchor the key."""
    strong = (0.0, bar_beats / 2) if bar_beats == 4.0 else (0.0,)
    total = 0.0
    for i, tn in enumerate(tones):
        on = (tn.start - t0) in strong
        w = (2.0 if on else 0.6) * min(2.0, 0.5 + tn.beats)
        chord_tone = harmony.is_tone(tn.degree, tn.start)
        total += w if chord_tone else -w
        if (
            on
            and not chord_tone
            and (i + 1 == len(tones) or abs(tones[i + 1].degree - tn.degree) != 1)
        ):
            total -= 2.0  # a strong-beat non-chord tone that does not resolve by step
        if tn.degree % 7 in (0, 2, 4):
            total += 0.25 * w
    return total


def real_pitch(harmony: Harmony, tn: Tone) -> int:
    """The MIDI pitch of a tone, inflected to the chord underneath where that chord is
    chromatic: the leading tone over the harmonic-minor V, the raised fourth over a
    lydian II, the flat seventh over a mixolydian bVII, and so on."""
    key = harmony.key
    pitch = theory.degree_pitch(key, tn.degree)
    chord = harmony.at(tn.start)
    pcs = chord.pitch_classes
    if pitch % 12 in pcs:
        return pitch
    scale = key.scale
    for inflected in (pitch + 1, pitch - 1):
        if inflected == pitch - 1 and tn.degree % 7 in (0, 4):
            continue  # the tonic and the dominant are never bent down (F over C7 stays F)
        if inflected % 12 in pcs and inflected % 12 not in scale:
            return inflected
    return _colour_near(harmony, tn, pitch, chord) if harmony.chromatic else pitch


#: How far (beats) a borrowed chord's altered tone reaches into the melody around it.
COLOUR_REACH = 4.0
#: An altered tone (semitones above the tonic) -> the scale tone it stands for, by key
#: family: in major the lydian fourth and the minor mode's third, sixth and seventh (and
#: the Neapolitan's second); in minor the dorian sixth, the raised third and fourth, and
#: the phrygian second. The minor key's leading tone is its own (never chromatic here).
ALTERED: dict[bool, dict[int, int]] = {
    True: {1: 2, 3: 4, 6: 5, 8: 9, 10: 11},
    False: {1: 2, 4: 3, 6: 5, 9: 8},
}


def _colour_near(harmony: Harmony, tn: Tone, pitch: int, chord: Chord) -> int:
    """A scale tone near a borrowed chord takes that chord's altered form, so that the
    melody does not sound the natural form against it (no cross-relation: the dorian
    sixth, A over Cm7 before F, not A♭ then A). Over a borrowed chord, a tone an
    augmented second above its altered tone comes down a semitone (E♭, not E, over the
    minor iv B♭m in F major: it rises back to E over the C7 after, a melodic-minor turn).
    Never the tonic or the dominant, never onto a semitone above the chord sounding, and
    no colour carried onto a chord on the dominant (its own tones lead home: no ♭2̂ over
    V7♭9, whose fifth is left out, no raised fourth over V)."""
    if tn.degree % 7 in (0, 4):
        return pitch
    key = harmony.key
    pcs = chord.pitch_classes
    on_dominant = (chord.root - key.tonic) % 12 == 7
    natural = (pitch - key.tonic) % 12
    stands_for = ALTERED[key.is_major]
    t = harmony.origin + tn.start
    for start, end, outside in harmony.chromatic:
        if start <= t + 1e-9 < end:
            if (pitch - 3) % 12 in outside and (pitch - 2) % 12 not in pcs:
                return pitch - 1
        elif not on_dominant and start - COLOUR_REACH <= t < end + COLOUR_REACH:
            for c in outside:
                if stands_for.get((c - key.tonic) % 12) == natural and (c - 1) % 12 not in pcs:
                    return pitch + (c - pitch + 6) % 12 - 6
    return pitch


def intervals(tones: list[Tone] | tuple[Tone, ...], harmony: Harmony) -> tuple[int, ...]:
    """Chromatic intervals between successive tones (as they will sound): two statements
    with the same intervals and rhythm are exact translations of each other."""
    ps = [real_pitch(harmony, tn) for tn in tones]
    return tuple(b - a for a, b in itertools.pairwise(ps))


def fit(
    motif: Motif,
    harmony: Harmony,
    t0: float,
    bar_beats: float,
    target: int,
    window: int = 4,
    prefer: int | None = None,
    bounds: tuple[int, int] | None = None,
    literal: float = 5.0,
    model: tuple[int, ...] | None = None,
    real: float = 1.5,
    exclude: int | None = None,
) -> int:
    """Start degree for a literal statement of ``motif`` at ``t0``: near ``target``,
    with the strong beats and long notes on chord tones.

    ``prefer`` is the start degree of an earlier statement: repeating it exactly gets a
    bonus (``literal``), and so does a sequence that keeps its exact intervals (a real
    transposition), because a recognisable repetition is worth a passing clash.
    ``model`` gives those intervals directly (a statement heard in another section or
    key) and ``real`` the bonus for keeping them.
    ``bounds`` (lowest, highest degree) is the voice's range: every degree outside costs.
    ``exclude`` is a start that must not be chosen (a sequence must move).
    """
    best, best_key = target, (-1e9, 0, 0)
    shape = model
    if shape is None and prefer is not None:
        shape = intervals(place(motif, prefer, t0), harmony)
    near = range(target - window, target + window + 1)
    for d in [*near, prefer] if prefer is not None and prefer not in near else near:
        if d == exclude:
            continue
        tones = place(motif, d, t0)
        score = score_fit(tones, harmony, t0, bar_beats) - 0.35 * abs(d - target)
        top, low = max(t.degree for t in tones), min(t.degree for t in tones)
        score -= 0.5 * (max(0, top - target - 5) + max(0, target - 5 - low))
        if bounds is not None:
            # above the voice is reserved for the climax; below it only sounds dull
            score -= 10.0 * max(0, top - bounds[1]) + 2.5 * max(0, bounds[0] - low)
        if d == prefer:
            score += literal
        elif shape is not None and intervals(tones, harmony) == shape:
            score += real
        key = (score, -abs(d - target), -d)
        if key > best_key:
            best, best_key = d, key
    return best


def cadence(
    harmony: Harmony,
    prev: int,
    t0: float,
    bar_beats: float,
    step: float,
    closing: bool,
    suspension: bool,
    top: int | None = None,
    lead: float | None = None,
) -> list[Tone]:
    """The phrase's last bar: tonic (closing) or a tone of V (open), reached by step;
    with ``suspension`` the step above is held over the bar line's chord first. The goal
    is the nearest one, but never above ``top`` (a degree) when one below will do.
    ``lead`` sets how long the approach note lasts (beats)."""
    wanted = (0,) if closing else (1, 4, 6)
    goals = [d for d in range(prev - 6, prev + 5) if d % 7 in wanted]
    if top is not None and any(d <= top for d in goals):
        goals = [d for d in goals if d <= top]
    # the nearest goal, downward on a tie; a half cadence prefers 5̂ itself to 2̂ or 7̂
    goal = min(goals, key=lambda d: (abs(d - prev) + (2 if d % 7 in (1, 6) else 0), d))
    approach = goal + 1 if (prev >= goal or suspension) else goal - 1
    if lead is None:
        lead = bar_beats / 2 if suspension else min(bar_beats / 2, max(step, 0.5))
    if closing and not suspension:
        return [Tone(goal, t0, bar_beats)]
    return [Tone(approach, t0, lead), Tone(goal, t0 + lead, bar_beats - lead)]


def in_range(tones: list[Tone], key: Key, voice: Voice) -> list[Tone]:
    """Shift the whole melody by octaves so that it sits best inside the voice."""

    def excess(shift: int) -> int:
        total = 0
        for tn in tones:
            p = theory.degree_pitch(key, tn.degree + shift)
            total += max(0, p - voice.centre - voice.span) + max(0, voice.centre - voice.span - p)
        return total

    shift = min((0, -7, 7, -14, 14), key=lambda s: (excess(s), abs(s)))
    return [Tone(tn.degree + shift, tn.start, tn.beats) for tn in tones]


def statement(
    motif: Motif, harmony: Harmony, t: float, bar_beats: float, voice: Voice, contour: int = 0
) -> list[Tone]:
    """One literal statement of a motif at ``t`` (section-relative), inside the voice,
    placed the way :func:`period` places its first call (so a preview in the intro is the
    same call the section will sing)."""
    key = harmony.key
    target = theory.nearest_degree(key, voice.centre) - 2 * contour
    bounds = (
        theory.nearest_degree(key, voice.centre - voice.span),
        theory.nearest_degree(key, voice.centre + voice.span),
    )
    start = fit(motif, harmony, t, bar_beats, target, bounds=bounds)
    return in_range(place(motif, start, t), key, voice)


def pitches(
    tones: list[Tone] | tuple[Tone, ...], harmony: Harmony, velocity: int = 80
) -> list[Note]:
    """Turn section-relative tones into notes in the harmony's key, at its origin.

    In minor, the seventh degree is raised to the leading tone wherever the chord
    underneath has it (the harmonic-minor V), so melody and harmony agree.
    """
    ps = [real_pitch(harmony, tn) for tn in tones]
    tonic = harmony.key.tonic
    for i in range(len(ps) - 1):
        # no augmented second: the sixth below a raised seventh is raised too (melodic minor)
        lo, hi = sorted((ps[i], ps[i + 1]))
        if hi - lo == 3 and (lo - tonic) % 12 == 8 and (hi - tonic) % 12 == 11:
            j = i if ps[i] == lo else i + 1
            ps[j] += 1
    return [
        Note(p, harmony.origin + tn.start, tn.beats, velocity)
        for p, tn in zip(ps, tones, strict=True)
    ]


def smooth_joins(notes: list[Note], key_at: Callable[[float], Key]) -> list[Note]:
    """No augmented second across phrase joins either: where the sixth of a minor key
    meets its raised seventh, the sixth is raised (melodic minor), as :func:`pitches`
    does inside a phrase. ``key_at(beat)`` gives the key sounding at a beat."""
    out = sorted(notes, key=lambda n: (n.start, n.pitch))
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        key = key_at(a.start)
        lo, hi = sorted((a.pitch, b.pitch))
        if key.is_major or hi - lo != 3:
            continue
        if (lo - key.tonic) % 12 == 8 and (hi - key.tonic) % 12 == 11:
            j = i if a.pitch == lo else i + 1
            n = out[j]
            out[j] = Note(n.pitch + 1, n.start, n.duration, n.velocity)
    return out
