"""Melody: motifs stated over chords, as periods of 4-bar phrases that end in cadences.

A 4-bar phrase is *call – response – call – cadence*:

1. bar 1 states the motif (the call) from a chord tone near the voice's centre;
2. bar 2 answers it with a development: the motif inverted, fragmented, or with its
   rhythm diminished or augmented (calm songs answer with the motif itself, moved to
   where it fits the new chord);
3. bar 3 brings the call back exactly;
4. bar 4 is the cadence: an approach by step, then a long tone of V (a half cadence, a
   question) or the tonic (an authentic cadence, the answer).

An 8-bar section is a parallel period: the second phrase repeats the first and answers
it with the authentic cadence. In the climax section the second phrase's third bar is a
rising line to the song's highest note instead. Motifs are always stated literally (same
steps, same rhythm; only the starting degree moves), so they stay recognisable; the start
is chosen so that the strong beats and long notes fall on chord tones. Tension delays the
cadence tone with a suspension. Everything is in scale degrees (0 = tonic) until
:func:`pitches` turns it into MIDI pitches.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from composer.music import motifs, theory
from composer.music.model import Chord, Key, Note
from composer.music.motifs import Motif

DEVELOPMENTS = ("invert", "fragment", "diminish", "augment")
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

    def at(self, t: float) -> Chord:
        """The chord sounding ``t`` beats after the section's start."""
        now = self.origin + t + 1e-9
        found = self.chords[0]
        for c in self.chords:
            if c.start <= now:
                found = c
        return found

    def is_tone(self, degree: int, t: float) -> bool:
        return theory.degree_pitch(self.key, degree) % 12 in self.at(t).pitch_classes


def develop(motif: Motif, how: str, bar_beats: float) -> Motif:
    """One development of the motif (see :data:`DEVELOPMENTS`)."""
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


def _score(tones: list[Tone], harmony: Harmony, t0: float, bar_beats: float) -> float:
    """Agreement with the chords: strong beats and long notes on chord tones (a long
    note on a strong beat matters most), with a little extra for the notes of the tonic
    triad (1̂, 3̂, 5̂), which anchor the key."""
    strong = (0.0, bar_beats / 2) if bar_beats == 4.0 else (0.0,)
    total = 0.0
    for tn in tones:
        w = (2.0 if (tn.start - t0) in strong else 0.6) * min(2.0, 0.5 + tn.beats)
        total += w if harmony.is_tone(tn.degree, tn.start) else -w
        if tn.degree % 7 in (0, 2, 4):
            total += 0.25 * w
    return total


def real_pitch(harmony: Harmony, tn: Tone) -> int:
    """The MIDI pitch of a tone: in minor, the seventh degree is raised to the leading
    tone wherever the chord underneath has it (the harmonic-minor V)."""
    key = harmony.key
    pitch = theory.degree_pitch(key, tn.degree)
    if (
        not key.is_major
        and tn.degree % 7 == 6
        and (key.tonic + 11) % 12 in harmony.at(tn.start).pitch_classes
    ):
        pitch += 1
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
) -> int:
    """Start degree for a literal statement of ``motif`` at ``t0``: near ``target``,
    with the strong beats and long notes on chord tones.

    ``prefer`` is the start degree of an earlier statement: repeating it exactly gets a
    bonus (``literal``), and so does a sequence that keeps its exact intervals (a real
    transposition), because a recognisable repetition is worth a passing clash.
    ``model`` gives those intervals directly (a statement heard in another section or
    key) and ``real`` the bonus for keeping them.
    ``bounds`` (lowest, highest degree) is the voice's range: every degree outside costs.
    """
    best, best_key = target, (-1e9, 0, 0)
    shape = model
    if shape is None and prefer is not None:
        shape = intervals(place(motif, prefer, t0), harmony)
    near = range(target - window, target + window + 1)
    for d in [*near, prefer] if prefer is not None and prefer not in near else near:
        tones = place(motif, d, t0)
        score = _score(tones, harmony, t0, bar_beats) - 0.35 * abs(d - target)
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
) -> list[Tone]:
    """The phrase's last bar: tonic (closing) or a tone of V (open), reached by step;
    with ``suspension`` the step above is held over the bar line's chord first. The goal
    is the nearest one, but never above ``top`` (a degree) when one below will do."""
    wanted = (0,) if closing else (1, 4, 6)
    goals = [d for d in range(prev - 6, prev + 5) if d % 7 in wanted]
    if top is not None and any(d <= top for d in goals):
        goals = [d for d in goals if d <= top]
    # the nearest goal, downward on a tie; a half cadence prefers 5̂ itself to 2̂ or 7̂
    goal = min(goals, key=lambda d: (abs(d - prev) + (2 if d % 7 in (1, 6) else 0), d))
    approach = goal + 1 if (prev >= goal or suspension) else goal - 1
    lead = bar_beats / 2 if suspension else min(bar_beats / 2, max(step, 0.5))
    if closing and not suspension:
        return [Tone(goal, t0, bar_beats)]
    return [Tone(approach, t0, lead), Tone(goal, t0 + lead, bar_beats - lead)]


@dataclass(frozen=True, slots=True)
class Period:
    """A section's melody: tones, and the bar indices (0-based) where the motif is
    stated literally."""

    tones: tuple[Tone, ...]
    statements: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Shape:
    """How a period is shaped (from the mood cues and the section's place in the form).

    ``variety`` below 0.35 answers the motif with itself (calm, lullaby-like), above it
    with a development; above 0.7 every other return (odd ``variation``) develops it
    another way, so a lively song does not repeat itself too literally.

    ``model`` is the chromatic intervals of the song's opening call: a section built on
    that motif elsewhere (a contrast in another key or register) states it as a *real*
    transposition, so the listener hears the same tune, moved. ``lift`` moves the
    call up by degrees (register contrast) and ``sequence`` answers the call with the
    motif itself, sequenced to another degree, instead of a development.
    """

    step: float
    contour: int = 0
    suspension: bool = False
    climax: bool = False
    variety: float = 0.5
    variation: int = 0
    model: tuple[int, ...] | None = None
    lift: int = 0
    sequence: bool = False


def period(
    motif: Motif,
    harmony: Harmony,
    bars: int,
    bar_beats: float,
    voice: Voice,
    rng: random.Random,
    shape: Shape,
) -> Period:
    """The melody of a body section of 4 or 8 bars (see the module docstring)."""
    key = harmony.key
    centre = theory.nearest_degree(key, voice.centre)
    bounds = (
        theory.nearest_degree(key, voice.centre - voice.span),
        theory.nearest_degree(key, voice.centre + voice.span),
    )
    up = shape.contour
    first = fit(
        motif,
        harmony,
        0.0,
        bar_beats,
        centre - 2 * up + shape.lift,
        window=6 if shape.model else 4,
        bounds=bounds,
        model=shape.model,
        real=REAL,
    )
    call = place(motif, first, 0.0)
    hows = list(DEVELOPMENTS)
    rng.shuffle(hows)
    if shape.variety < 0.35 or shape.sequence:
        answer = motif
    else:
        vary = shape.variety > 0.7 and shape.variation % 2 == 1
        answer = develop(motif, hows[1 if vary else 0], bar_beats)
    t = bar_beats
    target = call[-1].degree + (up or 1)
    model = intervals(call, harmony) if answer is motif else None
    response = place(
        answer,
        fit(answer, harmony, t, bar_beats, target, bounds=bounds, model=model, real=REAL),
        t,
    )
    again = fit(
        motif, harmony, 2 * bar_beats, bar_beats, first, window=3, prefer=first, bounds=bounds
    )
    recall = place(motif, again, 2 * bar_beats)
    tones = call + response
    statements = [0, 2] + ([1] if answer is motif else [])
    if bars >= 8:
        tones += recall
        tones += cadence(
            harmony,
            tones[-1].degree,
            3 * bar_beats,
            bar_beats,
            shape.step,
            False,
            shape.suspension,
            bounds[1],
        )
        offset = 4 * bar_beats
        tones += [Tone(tn.degree, tn.start + offset, tn.beats) for tn in call + response]
        statements += [i + 4 for i in statements]
    else:
        offset = 0.0
    t = offset + 2 * bar_beats
    if shape.climax:
        # The climax: a rising line that peaks above everything heard so far.
        rise = rising(motif)
        height = max(tn.degree for tn in place(rise, 0, 0.0))
        summit = max(max(tn.degree for tn in tones) + 1, bounds[1] + 1)
        start = fit(
            rise,
            harmony,
            t,
            bar_beats,
            summit - height,
            window=1,
            bounds=(bounds[0], bounds[1] + 2),
        )
        tones += place(rise, start, t)
        statements.remove(round(t / bar_beats))
    else:
        tones += [Tone(tn.degree, tn.start + offset, tn.beats) for tn in recall]
    tones += cadence(
        harmony,
        tones[-1].degree,
        t + bar_beats,
        bar_beats,
        shape.step,
        True,
        shape.suspension,
        bounds[1],
    )
    return Period(tuple(_in_range(tones, key, voice)), tuple(sorted(statements)))


def _in_range(tones: list[Tone], key: Key, voice: Voice) -> list[Tone]:
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
    return _in_range(place(motif, start, t), key, voice)


def pitches(
    tones: list[Tone] | tuple[Tone, ...], harmony: Harmony, velocity: int = 80
) -> list[Note]:
    """Turn section-relative tones into notes in the harmony's key, at its origin.

    In minor, the seventh degree is raised to the leading tone wherever the chord
    underneath has it (the harmonic-minor V), so melody and harmony agree.
    """
    return [
        Note(real_pitch(harmony, tn), harmony.origin + tn.start, tn.beats, velocity) for tn in tones
    ]
