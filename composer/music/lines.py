"""Lines: the new bars of a melody between its motif statements and its cadences.

A line walks from one tone toward a goal degree in a bar rhythm of the mood's density:
chord tones on the strong beats (a step or a third away), steps and repeated notes
between. :data:`LINE_RHYTHMS` are those bar rhythms, from held notes and rests when
calm to dotted and syncopated eighths when aroused; :func:`pick_rhythm` chooses one
that contrasts with what the period has sung.
"""

from __future__ import annotations

import random
from collections import Counter

from composer.music.melody import Harmony, Tone

# Bar rhythms by density level (0 calm … 3 lively) and bar length: longer values and
# held notes when calm, more and shorter notes (dotted and syncopated ones) when aroused.
LINE_RHYTHMS: dict[tuple[int, float], tuple[tuple[float, ...], ...]] = {
    (0, 4.0): ((3.0, 1.0), (2.0, 2.0), (2.0, 1.0, 1.0), (1.0, 1.0, 2.0), (1.5, 0.5, 2.0)),
    (1, 4.0): ((2.0, 1.0, 1.0), (1.0, 1.0, 2.0), (1.5, 0.5, 2.0), (1.0, 1.0, 1.0, 1.0)),
    (2, 4.0): (
        (1.0, 1.0, 1.0, 1.0),
        (1.0, 0.5, 0.5, 2.0),
        (0.5, 0.5, 1.0, 2.0),
        (1.5, 0.5, 1.0, 1.0),
        (1.0, 0.5, 0.5, 1.0, 1.0),
    ),
    (3, 4.0): (
        (0.5, 0.5, 1.0, 0.5, 0.5, 1.0),
        (1.5, 0.5, 0.5, 0.5, 1.0),
        (1.0, 0.5, 0.5, 2.0),
        (0.75, 0.25, 1.0, 0.5, 0.5, 1.0),
        (0.5, 1.0, 0.5, 1.0, 1.0),
    ),
    (0, 3.0): ((2.0, 1.0), (1.0, 2.0), (1.5, 0.5, 1.0)),
    (1, 3.0): ((2.0, 1.0), (1.0, 1.0, 1.0), (1.5, 0.5, 1.0)),
    (2, 3.0): ((1.0, 1.0, 1.0), (1.0, 0.5, 0.5, 1.0), (0.5, 0.5, 1.0, 1.0)),
    (3, 3.0): ((0.5, 0.5, 0.5, 0.5, 1.0), (1.0, 0.5, 0.5, 0.5, 0.5), (0.75, 0.25, 1.0, 1.0)),
}


def strong(t: float, bar_beats: float) -> bool:
    """Is ``t`` (beats) on a strong beat: the bar's first, or its third in 4/4?"""
    pos = round(t % bar_beats, 6)
    return pos == 0.0 or (bar_beats == 4.0 and pos == 2.0)


def line(
    harmony: Harmony,
    prev: int,
    t0: float,
    rhythm: tuple[float, ...],
    goal: int,
    bar_beats: float,
    rng: random.Random,
    top: int | None = None,
) -> list[Tone]:
    """A bar of new melody from the tone ``prev`` toward the degree ``goal``: chord tones
    on the strong beats (a step or a third away), steps and repeated notes between;
    never above ``top`` (the climax's height is kept for the climax)."""
    out: list[Tone] = []
    t = t0
    same = 0  # repeated notes in a row so far: a third one would drone
    for i, beats in enumerate(rhythm):
        left = len(rhythm) - i
        want = goal - prev
        aim = prev + max(-2, min(2, round(want / left))) if want else prev
        if strong(t, bar_beats):
            near = [
                d
                for d in range(prev - 2, prev + 3)
                if harmony.is_tone(d, t) and (top is None or d <= top)
            ]
            again = 1.5 if same else 0.0  # a third repeated note costs
            pick = (
                min(
                    near,
                    key=lambda d: (
                        abs(d - aim) + 0.4 * abs(d - prev) + (again if d == prev else 0.0),
                        d,
                    ),
                )
                if near
                else aim
            )
        elif want == 0:
            pick = prev + rng.choice((1, -1) if same else (0, 1, -1))
        elif rng.random() < 0.12 and abs(want) < left and not same:
            pick = prev  # a repeated note: speech-like, and it lets the line breathe
        else:
            pick = prev + (1 if want > 0 else -1)
        if top is not None and pick > top:
            pick = top - 1 if pick - 1 > top else top
        out.append(Tone(pick, t, beats))
        same = same + 1 if pick == prev else 0
        prev, t = pick, t + beats
    return out


def pick_rhythm(
    density: int,
    heard: tuple[tuple[float, ...], ...],
    bar_beats: float,
    rng: random.Random,
    avoid: tuple[float, ...],
    sofar: list[Tone],
) -> tuple[float, ...]:
    """A line rhythm that contrasts with what the period has sung so far: never the
    motif's own rhythm (``avoid``) nor a cadence's held notes nor, where it can, one of
    the rhythms ``heard`` just before, and, among the others, one that keeps any single
    note value from taking over the period (the share of the commonest value after this
    bar is within 5 % of the best choice). ``density`` (0..3) picks the pool."""
    held = ((bar_beats,), (bar_beats / 2, bar_beats / 2))
    pool = [r for r in LINE_RHYTHMS[(density, bar_beats)] if r != avoid and r not in held]
    pool = pool or [r for r in LINE_RHYTHMS[(density, bar_beats)] if r != avoid]
    pool = [r for r in pool if r not in heard] or pool

    def top_share(r: tuple[float, ...]) -> float:
        values = Counter(tn.beats for tn in sofar) + Counter(r)
        return max(values.values()) / sum(values.values())

    best = min(top_share(r) for r in pool)
    return rng.choice([r for r in pool if top_share(r) <= best + 0.05])
