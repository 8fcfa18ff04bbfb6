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
    (2.0, 4.0): ((2.0, 2.0), (3.0, 1.0), (2.0, 1.0, 1.0), (1.0, 1.0, 2.0)),
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
    (2.0, 3.0): ((2.0, 1.0), (1.0, 2.0)),
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


def theme(rng: random.Random, step: float, bar_beats: float, contour: int = 0) -> Motif:
    """A one-bar theme: a rhythm for the mood's note value and a singable contour.

    Mostly steps; at most one leap, followed by a step back the other way (gap fill).
    ``contour`` (from valence) bends the line: +1 rising, -1 falling ("sighs"), 0 an arch
    (up in the first half, down in the second).
    """
    rhythm = rng.choice(RHYTHMS[(step, bar_beats)])
    n = len(rhythm)
    steps = [0]
    leap = 0
    for i in range(1, n):
        up = contour if contour else (1 if i <= n // 2 else -1)
        if leap:
            s = -1 if leap > 0 else 1  # fill the gap after a leap
            leap = 0
        elif i < n - 1 and not any(abs(x) > 2 for x in steps) and rng.random() < 0.25:
            s = up * rng.choice((2, 2, 3))
            leap = s
        else:
            s = up * rng.choice((1, 1, 0, 1, -1))
        steps.append(s)
    if n > 1 and all(x == 0 for x in steps[1:]):
        steps[1] = 1 if contour >= 0 else -1
    return harmonise(tuple(zip(steps, rhythm, strict=True)), bar_beats)


def harmonise(motif: Motif, bar_beats: float) -> Motif:
    """Bend the steps so that every strong-beat note (the bar's first and, in 4/4, its
    third beat) lies a third, a fifth or an octave from the first: all of them can then
    be tones of the bar's chord. The step into such a note moves by one degree, toward
    the smaller step (a third rather than a repeated note)."""
    out: list[tuple[int, float]] = []
    offset, t = 0, 0.0
    for i, (step, beats) in enumerate(motif):
        if i:
            pos = round(t % bar_beats, 6)
            strong = pos == 0.0 or (bar_beats == 4.0 and pos == 2.0)
            leapt = i > 1 and abs(out[-1][0]) >= 2  # then the step back stays a step
            if strong and (offset + step) % 2 and not leapt:
                # the nearer of the two even choices; a third rather than a repeat
                options = (step - 1, step + 1)
                step = min(options, key=lambda x: (2.5 if x == 0 else abs(x), abs(offset + x)))
            offset += step
        out.append((step, beats))
        t += beats
    return tuple(out)


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


def fragment(motif: Motif, bar_beats: float) -> Motif:
    """Fragmentation: the motif's head (its first half bar) heard twice, a step higher
    the second time."""
    head: list[tuple[int, float]] = []
    for s, d in motif:
        if sum(x for _, x in head) + d > bar_beats / 2 + 1e-9:
            break
        head.append((s, d))
    if len(head) < 2 or abs(sum(d for _, d in head) - bar_beats / 2) > 1e-9:
        return invert(motif)
    net = sum(s for s, _ in head[1:])
    again = [(1 - net, head[0][1]), *head[1:]]
    return (*head, *again)


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
    # the longest plain value (16th, 8th, quarter, half...) shorter than the note comes
    # first: a quarter splits into eighths, a dotted quarter into quarter + eighth (not
    # two dotted eighths), a dotted half into half + quarter
    head = 0.25
    while head * 2 < d - 1e-9:
        head *= 2
    out = (*motif[:i], (s, head), (1, d - head), *motif[i + 1 :])
    return _fit(out, bar_beats)


def _fit(motif: Motif, bar_beats: float) -> Motif:
    """Stretch or trim the last note so the motif fills exactly one bar."""
    total = sum(d for _, d in motif)
    if not motif or abs(total - bar_beats) < 1e-9:
        return motif
    head, (s, d) = motif[:-1], motif[-1]
    return (*head, (s, max(0.25, d + bar_beats - total)))


SPEAKER_STEPS = (1, -1, 0, 2, -1, 1, 2, -2)  # steps and repeats, a third at most
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _lengthen_runs(durs: list[float]) -> list[float]:
    """Give a run of three or more equal values a long note on its third (the stress of
    the spoken phrase): eighth-eighth-quarter rather than a patter of equal notes."""
    out = list(durs)
    run = 1
    for i in range(1, len(out)):
        run = run + 1 if out[i] == out[i - 1] else 1
        if run == 3 and out[i] < 2.0:
            out[i] *= 2
            run = 1
    return out


def speaker_motif(name: str, texts: list[str], bar_beats: float, density: int = 2) -> Motif:
    """A speaker's signature motif, derived deterministically from them.

    The rhythm comes from the rhythm of their words (first words they wrote: short words
    → short notes, long words → long notes); the contour from a hash of their name
    (mostly steps, a leap is followed by a step back).
    """
    words = [w for t in texts[:6] for w in WORD.findall(t)][:5] or [name or "?"]
    while len(words) < 3:
        words.append(words[-1])
    durs = [0.5 if len(w) <= 3 else (1.0 if len(w) <= 6 else 1.5) for w in words[:5]]
    if density <= 1:  # calm: the same words, spoken slower (fewer, longer notes)
        durs = [min(2.0, d * (2.0 if density == 0 else 1.5)) for d in durs]
        durs = [round(d * 2) / 2 for d in durs]
    elif density == 3:  # aroused: quicker
        durs = [max(0.5, d - 0.5) for d in durs]
    durs = _lengthen_runs(durs)
    # Fit into one bar: drop notes that overflow, shorten long ones, stretch the last.
    fitted = list(durs)
    while len(fitted) > 3 and sum(fitted) > bar_beats - 0.5:
        fitted.pop()
    while sum(fitted) > bar_beats - 0.5 and max(fitted) > 0.5:
        longest = fitted.index(max(fitted))
        fitted[longest] -= 0.5
    # The contour from the name: mostly steps, leaps filled by a step back.
    h = stable_int("speaker", name)
    steps = [0]
    for i in range(len(fitted) - 1):
        s = SPEAKER_STEPS[(h >> (3 * i)) % len(SPEAKER_STEPS)]
        if abs(steps[-1]) >= 2:
            s = -1 if steps[-1] > 0 else 1
        elif s == 0 and i > 0 and steps[-1] == 0:
            # one repeated note speaks; two in a row drone: move on by step
            s = 1 if (h >> (40 + i)) & 1 else -1
        steps.append(s)
    out = harmonise(_fit(tuple(zip(steps, fitted, strict=True)), bar_beats), bar_beats)
    if all(st == 0 for st, _ in out[1:]):  # it must move: a third up at the end
        out = (*out[:-1], (2, out[-1][1]))
    return out
