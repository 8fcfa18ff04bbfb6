"""Periods: a section's melody as antecedent–consequent phrases of four bars.

A 4-bar phrase is *call – answer – line – cadence*:

1. bar 1 states the motif (the call) from a chord tone near the voice's centre;
2. bar 2 answers it: the motif sequenced to another degree (calm songs), or developed
   (inverted, fragmented, its rhythm diminished or augmented);
3. bar 3 is new material, a *line*: a bar rhythm of the mood's density (different from
   the motif's), chord tones on the strong beats, steps and repeated notes between them,
   heading for the phrase's high point (the antecedent) or down toward the cadence;
4. bar 4 is the cadence: a half cadence on a tone of V (the question) or the tonic
   reached by step (the answer); with tension, a prepared suspension resolves into it.

An 8-bar section is a parallel period: the consequent starts like the antecedent
(ornamented when the section returns), answers with another development and closes on
the tonic. In the climax the consequent's line rises to the song's highest note. A
returning section (``variation`` > 0) keeps its call but writes new lines and answers,
so that at least two bars of every return are new.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

from composer.music import motifs, theory, variation
from composer.music.lines import LINE_RHYTHMS, line, pick_rhythm, strong
from composer.music.melody import (
    REAL,
    Harmony,
    Tone,
    Voice,
    cadence,
    develop,
    fit,
    in_range,
    intervals,
    place,
    rising,
)
from composer.music.motifs import Motif

__all__ = ["LINE_RHYTHMS", "Period", "Shape", "line", "period"]

DEVELOPMENTS = ("invert", "fragment", "diminish", "augment")


@dataclass(frozen=True, slots=True)
class Period:
    """A section's melody: tones, and the bar indices (0-based) where the motif is
    stated literally (any transposition)."""

    tones: tuple[Tone, ...]
    statements: tuple[int, ...]
    rhythms: tuple[tuple[float, ...], ...] = ()  # the bar rhythms of its new lines
    raw: tuple[Tone, ...] = ()  # the tones before the octave placement (for a reprise)


@dataclass(frozen=True, slots=True)
class Shape:
    """How a period is shaped (from the mood cues and the section's place in the form).

    ``density`` (0..3) picks the line rhythms; ``variety`` below 0.35 answers the call
    with its sequence, above it with a development; ``variation`` counts the returns
    of this section (each return writes new lines and another development).
    ``model`` is the chromatic intervals of the song's opening call: a section built on
    that motif elsewhere states it as a *real* transposition; ``lift`` moves the call up
    by degrees (register contrast) and ``sequence`` answers the call with its sequence.
    ``closing`` False ends the section on a half cadence (a period over two sections).
    ``heard`` lists the line rhythms of the sections just before: new lines take others.
    ``pace`` +1 (a burst of quick replies) answers the call in quicker notes; -1 (a slow
    exchange) in longer ones, and ends every phrase's last note early: a breath.
    ``theme`` is the section's first statement (same key, length and cadence): a
    return sings it again, ornamented (:func:`variation.vary`), except where the
    climax climbs. ``consequent`` (a 4-bar section that closes the period the section
    before opened) restates the opening at another degree.
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
    density: int = 2
    closing: bool = True
    heard: tuple[tuple[float, ...], ...] = ()
    pace: int = 0
    theme: Period | None = None
    consequent: bool = False


def _answer(motif: Motif, shape: Shape, hows: list[str], bar_beats: float, which: int) -> Motif:
    if shape.sequence:
        return motif
    calm = shape.variety < 0.35
    if shape.pace and not (calm and which == 0):
        # a burst answers quicker, a slow exchange slower (a calm call keeps its sequence:
        # the literal statement that makes the motif heard twice)
        quick = motifs.diminish_rhythm if shape.pace > 0 else motifs.augment_rhythm
        return quick(motif if which == 0 else motifs.invert(motif), bar_beats)
    if calm:  # the sequence, then the motif in longer notes
        return motif if which == 0 else motifs.augment_rhythm(motif, bar_beats)
    return develop(motif, hows[which % len(hows)], bar_beats)


def _resolve(tones: list[Tone], harmony: Harmony, bar_beats: float, fixed: set[int]) -> list[Tone]:
    """A strong-beat non-chord tone must move on by step: otherwise it becomes the
    nearest chord tone (tones in ``fixed`` bars, literal statements, are left alone)."""
    out = list(tones)
    for i, tn in enumerate(out):
        if int(tn.start // bar_beats) in fixed or not strong(tn.start, bar_beats):
            continue
        if harmony.is_tone(tn.degree, tn.start):
            continue
        nxt = out[i + 1].degree if i + 1 < len(out) else None
        if nxt is not None and abs(nxt - tn.degree) == 1:
            continue
        for d in (tn.degree - 1, tn.degree + 1):
            if harmony.is_tone(d, tn.start):
                out[i] = Tone(d, tn.start, tn.beats)
                break
    return out


def _responses(
    motif: Motif,
    harmony: Harmony,
    call: list[Tone],
    first: int,
    bar_beats: float,
    shape: Shape,
    hows: list[str],
    bounds: tuple[int, int],
) -> tuple[Motif, list[Tone], Motif, list[Tone]]:
    """The antecedent's answer (bar 2) and the consequent's (bar 6): their motifs and
    tones. A sequence never repeats the call at its own pitch."""
    up = shape.contour
    answer = _answer(motif, shape, hows, bar_beats, 0)
    target = call[-1].degree + (up or 1)
    model = intervals(call, harmony) if answer is motif else None
    start = fit(
        answer, harmony, bar_beats, bar_beats, target, bounds=bounds, model=model, real=REAL
    )
    # a sequence, not a repetition (nor a development that opens as the call did)
    if start == first and [s for s, _ in answer[:3]] == [s for s, _ in motif[:3]]:
        start = fit(
            answer, harmony, bar_beats, bar_beats, first + (1 if up >= 0 else -1),
            window=2, bounds=bounds, exclude=first,
        )  # fmt: skip
    # the consequent's answer: another development (or the sequence the other way)
    other = _answer(motif, shape, hows, bar_beats, 1)
    t5 = 5 * bar_beats
    if other is motif:
        at = fit(
            other, harmony, t5, bar_beats, first - (1 if up >= 0 else -1), window=1, bounds=bounds
        )
    else:
        at = fit(other, harmony, t5, bar_beats, call[-1].degree - (up or 1), bounds=bounds)
    return answer, place(answer, start, bar_beats), other, place(other, at, t5)


def _climb(
    motif: Motif,
    harmony: Harmony,
    t: float,
    bar_beats: float,
    highest: int,
    bounds: tuple[int, int],
) -> list[Tone]:
    """The climax: the motif's rhythm on a rising line that peaks above everything
    heard so far (and above the voice)."""
    rise = rising(motif)
    height = max(tn.degree for tn in place(rise, 0, 0.0))
    summit = max(highest + 1, bounds[1] + 1)
    s = fit(
        rise, harmony, t, bar_beats, summit - height, window=1, bounds=(bounds[0], bounds[1] + 2)
    )
    return place(rise, s, t)


@dataclass(frozen=True, slots=True)
class _Opening:
    """What a period's phrases open with: the motif, its first degree, the call, the
    consequent's answer (``reply``), the antecedent's call and answer (``opening``), and
    whether the answers are literal statements."""

    motif: Motif
    first: int
    call: list[Tone]
    reply: list[Tone]
    opening: list[Tone]
    literal: bool
    other_literal: bool


def _opening(
    p: int,
    phrases: int,
    shape: Shape,
    harmony: Harmony,
    bar_beats: float,
    bounds: tuple[int, int],
    sofar: list[Tone],
    o: _Opening,
) -> tuple[list[Tone], list[int]]:
    """The first two bars of phrase ``p`` and the bars among them that state the motif.

    The antecedent opens with call and answer. The consequent of a first statement
    restates them at another degree (a sequential period, :func:`variation.restate`)
    where one fits, else it repeats the call and answers anew (a parallel period; a
    contrast always does, its call is the moved opening); a return ornaments its call.
    A 4-bar section that closes the period the one before opened moves the opening too.
    """
    b0 = 4 * p * bar_beats
    if p == 1 and shape.variation > 0:
        head = place(motifs.diminish_rhythm(o.motif, bar_beats), o.first, b0) + o.reply
        return head, [5] if o.other_literal else []
    if p == 1 and shape.model is None:
        up, prev = shape.contour, sofar[-1].degree
        again = variation.restate(o.opening, harmony, b0, bar_beats, bounds, up, prev)
        if again is not None:
            return again, [4, 5] if o.literal else [4]
    if p == 1:
        head = [Tone(tn.degree, tn.start + b0, tn.beats) for tn in o.call] + o.reply
        return head, [4, 5] if o.other_literal else [4]
    if shape.consequent and phrases == 1:
        moved = variation.restate(o.opening, harmony, 0.0, bar_beats, bounds, shape.contour)
        if moved is not None:
            return moved, []
    return list(o.opening), []


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
    hows = list(DEVELOPMENTS)
    rng.shuffle(hows)
    base = rng.getrandbits(32)
    fresh = random.Random(base * 31 + shape.variation)  # new lines on every return
    kept = random.Random(base)  # the antecedent's line is the section's own
    motif_rhythm = tuple(d for _, d in motif)
    call = place(motif, first, 0.0)
    answer, response, other, reply = _responses(
        motif, harmony, call, first, bar_beats, shape, hows, bounds
    )
    opening = call + response
    # a sequence whose strong beats clash stays free for the clean-up below
    literal = answer is motif and variation.consonant(response, harmony, bar_beats)
    statements = [0, 1] if literal else [0]
    tones: list[Tone] = []
    first_line: list[Tone] = []
    rhythms: list[tuple[float, ...]] = []
    parts = _Opening(motif, first, call, reply, opening, literal, other is motif)
    phrases = 2 if bars >= 8 else 1
    for p in range(phrases):
        b0 = 4 * p * bar_beats
        last = p == phrases - 1
        closing = last and shape.closing
        head, stated = _opening(p, phrases, shape, harmony, bar_beats, bounds, tones, parts)
        tones += head
        statements += stated
        t = b0 + 2 * bar_beats
        if last and shape.climax:
            rise = motif
            if shape.density <= 1:  # calm songs climb in a livelier rhythm than their call
                livelier = dataclasses.replace(shape, density=shape.density + 1, heard=())
                rhythm = pick_rhythm(livelier.density, (), bar_beats, fresh, motif_rhythm, tones)
                rise = tuple((0, d) for d in rhythm)
            tones += _climb(rise, harmony, t, bar_beats, max(tn.degree for tn in tones), bounds)
        elif p == 1 and shape.variation == 0 and first_line:
            # the consequent's line: the antecedent's in sequence, a step lower
            tones += [Tone(tn.degree - 1, tn.start + b0, tn.beats) for tn in first_line]
        else:
            goal = min(bounds[1] - 1, first + 3) if not last else first - 1
            pick = kept if p == 0 and (phrases == 2 or shape.variation == 0) else fresh
            rhythm = pick_rhythm(shape.density, shape.heard, bar_beats, pick, motif_rhythm, tones)
            tones += line(
                harmony, tones[-1].degree, t, rhythm, goal, bar_beats, pick, bounds[1] - 1
            )
            rhythms.append(rhythm)
            if p == 0:
                first_line = [Tone(tn.degree, tn.start, tn.beats) for tn in tones if tn.start >= t]
        leads = (None, bar_beats / 2, 1.0)
        lead = None if closing or shape.suspension else leads[shape.variation % 3]
        end = cadence(
            harmony,
            tones[-1].degree,
            t + bar_beats,
            bar_beats,
            shape.step,
            closing,
            shape.suspension,
            bounds[1],
            lead,
        )
        if shape.pace < 0 and end[-1].beats >= 2.0:  # a slow exchange: a breath
            end[-1] = Tone(end[-1].degree, end[-1].start, end[-1].beats / 2)
        tones += end
    fixed = set(statements)
    tones = _resolve(tones, harmony, bar_beats, fixed)
    if shape.theme is not None and shape.variation > 0:
        tones, statements, rhythms = _reprise(shape.theme, tones, bars, bar_beats, shape, rhythms)
    placed = tuple(in_range(tones, key, voice))
    return Period(placed, tuple(sorted(statements)), tuple(rhythms), tuple(tones))


def _reprise(
    theme: Period,
    tones: list[Tone],
    bars: int,
    bar_beats: float,
    shape: Shape,
    rhythms: list[tuple[float, ...]],
) -> tuple[list[Tone], list[int], list[tuple[float, ...]]]:
    """A return of ``theme`` (tones, statements, new line rhythms): its bars ornamented,
    except the literal statements and, in the climax, the last two bars, which climb
    as newly written (``tones``)."""
    own = {bars - 2, bars - 1} if shape.climax else set()
    fresh = [tn for tn in tones if int(tn.start // bar_beats) in own]
    out = variation.vary(theme.raw, fresh, own, set(theme.statements), bar_beats, shape.variation)
    keep = [b for b in theme.statements if b not in own]
    return out, keep, rhythms if own else []
