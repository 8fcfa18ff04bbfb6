"""Motifs: short (step, duration) cells that return and develop.

A motif is a tuple of ``(degree_step, beats)`` pairs: the first step is relative to the
phrase's starting degree, each later step relative to the previous note. Developing a
motif (transposition, inversion, rhythmic change) keeps it recognisable.
"""

from __future__ import annotations

import hashlib
import random
import re

Motif = tuple[tuple[int, float], ...]

# One-bar rhythms by typical note value (beats) and bar length (beats).
RHYTHMS: dict[tuple[float, float], tuple[tuple[float, ...], ...]] = {
    (2.0, 4.0): ((2.0, 2.0), (3.0, 1.0), (2.0, 1.0, 1.0)),
    (1.0, 4.0): ((1.0, 1.0, 2.0), (2.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0), (1.5, 0.5, 2.0)),
    (0.5, 4.0): (
        (0.5, 0.5, 1.0, 0.5, 0.5, 1.0),
        (1.0, 0.5, 0.5, 2.0),
        (0.5, 0.5, 0.5, 0.5, 1.0, 1.0),
        (1.5, 0.5, 1.0, 1.0),
    ),
    (0.25, 4.0): (
        (0.25, 0.25, 0.5, 0.5, 0.5, 1.0, 1.0),
        (0.5, 0.25, 0.25, 0.5, 0.5, 2.0),
        (0.25, 0.25, 0.25, 0.25, 1.0, 0.5, 0.5, 1.0),
    ),
    (2.0, 3.0): ((3.0,), (2.0, 1.0)),
    (1.0, 3.0): ((1.0, 1.0, 1.0), (2.0, 1.0), (1.5, 0.5, 1.0)),
    (0.5, 3.0): ((0.5, 0.5, 1.0, 1.0), (1.0, 0.5, 0.5, 1.0), (0.5, 0.5, 0.5, 0.5, 1.0)),
    (0.25, 3.0): ((0.25, 0.25, 0.5, 1.0, 1.0), (0.5, 0.25, 0.25, 0.5, 0.5, 1.0)),
}


def stable_int(*parts: object) -> int:
    """A process-independent integer from any parts (unlike ``hash``, which is salted)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def sub_rng(seed: int, *names: object) -> random.Random:
    """An independent, reproducible random stream for one named decision."""
    return random.Random(stable_int(seed, *names))


def theme(rng: random.Random, step: float, bar_beats: float) -> Motif:
    """A one-bar theme: a rhythm for the mood's note value and a singable contour
    (mostly steps, one leap at most, ending near where it started)."""
    rhythm = rng.choice(RHYTHMS[(step, bar_beats)])
    steps = [0]
    leaped = False
    for _ in rhythm[1:]:
        if not leaped and rng.random() < 0.25:
            s = rng.choice((-3, 2, 3, 4))
            leaped = True
        else:
            s = rng.choice((-1, -1, 1, 1, 2, 0))
        steps.append(s)
    return tuple(zip(steps, rhythm, strict=True))


def transpose(motif: Motif, degrees: int) -> Motif:
    """Shift the whole motif by scale degrees (a sequence)."""
    if not motif:
        return motif
    first = (motif[0][0] + degrees, motif[0][1])
    return (first, *motif[1:])


def invert(motif: Motif) -> Motif:
    """Mirror the contour: every step up becomes a step down."""
    if not motif:
        return motif
    return (motif[0], *((-s, d) for s, d in motif[1:]))


def augment_rhythm(motif: Motif, bar_beats: float) -> Motif:
    """Rhythmic change: merge the last two notes (fewer, longer notes), same bar length."""
    if len(motif) < 3:
        return motif
    *head, (s1, d1), (_s2, d2) = motif
    out = (*head, (s1, d1 + d2))
    return _fit(out, bar_beats)


def diminish_rhythm(motif: Motif, bar_beats: float) -> Motif:
    """Rhythmic change: split the longest note into two (a passing step), same bar length."""
    if not motif:
        return motif
    i = max(range(len(motif)), key=lambda j: (motif[j][1], -j))
    s, d = motif[i]
    if d < 0.5:
        return motif
    out = (*motif[:i], (s, d / 2), (1, d / 2), *motif[i + 1 :])
    return _fit(out, bar_beats)


def _fit(motif: Motif, bar_beats: float) -> Motif:
    """Stretch or trim the last note so the motif fills exactly one bar."""
    total = sum(d for _, d in motif)
    if not motif or abs(total - bar_beats) < 1e-9:
        return motif
    head, (s, d) = motif[:-1], motif[-1]
    return (*head, (s, max(0.25, d + bar_beats - total)))


WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def speaker_motif(name: str, texts: list[str], bar_beats: float) -> Motif:
    """A speaker's signature motif, derived deterministically from them.

    The rhythm comes from the rhythm of their words (first words they wrote: short words
    → short notes, long words → long notes); the contour from their name's letters.
    """
    words = [w for t in texts[:6] for w in WORD.findall(t)][:5] or [name or "?"]
    while len(words) < 3:
        words.append(words[-1])
    durs = [0.5 if len(w) <= 3 else (1.0 if len(w) <= 6 else 1.5) for w in words[:5]]
    # Fit into one bar: drop notes that overflow, then stretch the last one.
    fitted: list[float] = []
    for d in durs:
        if sum(fitted) + d > bar_beats - 0.5 and len(fitted) >= 3:
            break
        fitted.append(d)
    h = stable_int("speaker", name)
    steps = [0] + [((h >> (3 * i)) % 5) - 2 for i in range(len(fitted) - 1)]
    # Make sure the motif moves (a repeated single pitch is not recognisable).
    if all(s == 0 for s in steps[1:]):
        steps[1] = 1
    return _fit(tuple(zip(steps, fitted, strict=True)), bar_beats)
