"""Repetition with variation: returns that ornament what was sung, and sequential periods.

A returning section keeps the shape of its first statement (the listener knows it) but
does not copy it: in the bars it varies, the longest note is divided and its second half
becomes a diminution, as a player ornaments a reprise:

- a *passing tone* where the next note is a third away,
- an *upper neighbour* where it repeats,
- an *anticipation* where it is a step away (an *escape tone* where that would make
  three equal notes in a row),
- a step toward it where it leaps.

Every note of the first statement keeps its pitch and onset, so the return is heard as
the same tune (and a pattern finder finds it), while each varied bar is new.

The consequent of a period may restate the antecedent's opening at another degree
(:func:`restate`): a real transposition where the scale allows one, the nearest
consonant one otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

from composer.music.lines import strong
from composer.music.melody import Harmony, Tone, intervals, score_fit

SPLITS = (1.0, 0.5)  # how long the added note may be (beats), longest first
SHIFTS = (2, -2, 1, -1, 3, -3)  # degrees a restated opening may move, preferred first
REAL_BONUS = 6.0  # what keeping the opening's exact intervals is worth in :func:`restate`
JOIN = 1.0  # what each degree of leap into the restated opening costs


def diminution(cur: int, nxt: int, after: int | None = None) -> int:
    """The degree of the note added between ``cur`` and ``nxt`` (see the module); where
    an anticipation would make three equal notes in a row (``after`` repeats ``nxt``),
    an escape tone (a step away, then a third into ``nxt``)."""
    gap = nxt - cur
    if gap == 0:
        return cur + 1  # upper neighbour
    if abs(gap) == 1:
        return cur - gap if after == nxt else nxt  # escape tone / anticipation
    return cur + (1 if gap > 0 else -1)  # passing tone (or a step into the leap)


def ornament_bar(tones: list[Tone], bar: int, bar_beats: float, nth: int = 0) -> list[Tone]:
    """``tones`` with one note of bar ``bar`` divided (the ``nth`` longest that can be,
    cyclically): its head keeps pitch and onset, its tail (one beat or half a beat, on
    the eighth-note grid, never on a strong beat) becomes a diminution toward the next
    note. A note before a rest keeps its breath. Unchanged if no note of the bar can be
    divided."""
    lo, hi = bar * bar_beats, (bar + 1) * bar_beats
    options: list[tuple[float, int, float]] = []
    for i, tn in enumerate(tones[:-1]):
        if not lo <= tn.start < hi or abs(tn.start + tn.beats - tones[i + 1].start) > 1e-6:
            continue  # a note before a rest (a breath) is left alone
        for tail in SPLITS:
            at = tn.start + tn.beats - tail
            if tn.beats - tail >= 0.5 - 1e-9 and at % 0.5 < 1e-6 and not strong(at, bar_beats):
                options.append((-tn.beats, i, tail))
                break
    if not options:
        return tones
    options.sort()
    _, i, tail = options[nth % len(options)]
    tn, nxt = tones[i], tones[i + 1]
    after = tones[i + 2].degree if i + 2 < len(tones) else None
    head = Tone(tn.degree, tn.start, tn.beats - tail)
    added = Tone(diminution(tn.degree, nxt.degree, after), tn.start + tn.beats - tail, tail)
    return [*tones[:i], head, added, *tones[i + 1 :]]


def vary(
    theme: Iterable[Tone],
    fresh: Iterable[Tone],
    own: set[int],
    keep: set[int],
    bar_beats: float,
    variation: int,
) -> list[Tone]:
    """A return: the bars in ``own`` as newly written (``fresh``), the others as the
    theme sang them, every one of those outside ``keep`` (literal statements) ornamented;
    ``variation`` (1, 2, …) picks which note each bar divides, so returns differ."""
    out = [tn for tn in theme if int(tn.start // bar_beats) not in own]
    out += [tn for tn in fresh if int(tn.start // bar_beats) in own]
    out.sort(key=lambda tn: tn.start)
    bars = sorted({int(tn.start // bar_beats) for tn in out} - own - keep)
    for b in bars:
        out = ornament_bar(out, b, bar_beats, variation - 1 + b)
    return out


def restate(
    opening: list[Tone],
    harmony: Harmony,
    t0: float,
    bar_beats: float,
    bounds: tuple[int, int],
    rise: int = 0,
    prev: int | None = None,
) -> list[Tone] | None:
    """The opening (its first bars) restated ``t0`` beats later at another degree: the
    consequent of a sequential period. Consonance comes first (every strong-beat tone a
    chord tone or moving on by step), then a real transposition (same intervals), then
    a smooth join from the tone before (``prev``) and the smaller move. It moves only
    the way the song's contour goes (``rise`` -1 falls, +1 rises, 0 either) and stays
    inside ``bounds`` (lowest, highest degree); None where no move will do."""
    model = intervals(opening, harmony)
    best = None
    best_key = (-1e9, 0)
    for k in SHIFTS:
        if rise and (k > 0) != (rise > 0):
            continue  # a rising song never restates lower, a falling one never higher
        tones = [Tone(tn.degree + k, tn.start + t0, tn.beats) for tn in opening]
        top, low = max(t.degree for t in tones), min(t.degree for t in tones)
        if top > bounds[1] or low < bounds[0] or not consonant(tones, harmony, bar_beats):
            continue
        score = score_fit(tones, harmony, t0, bar_beats)
        if intervals(tones, harmony) == model:
            score += REAL_BONUS
        if prev is not None:
            score -= JOIN * max(0, abs(tones[0].degree - prev) - 1)
        key = (score, -abs(k))
        if key > best_key:
            best, best_key = tones, key
    return best


def consonant(tones: list[Tone], harmony: Harmony, bar_beats: float) -> bool:
    """Every strong-beat tone is a chord tone or moves on by step."""
    for tn, nxt in zip(tones, [*tones[1:], None], strict=True):
        clash = strong(tn.start, bar_beats) and not harmony.is_tone(tn.degree, tn.start)
        if clash and (nxt is None or abs(nxt.degree - tn.degree) != 1):
            return False
    return True
