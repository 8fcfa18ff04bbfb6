"""COSIATEC (Meredith 2013): how much a line compresses into repeated, translated patterns.

A line is a set of points ``(onset, pitch)`` (onsets on an integer grid, e.g. sixteenths).

1. **SIA** - for every pair of points ``p < q`` (lexicographic order) take the vector
   ``q - p``; the *maximal translatable pattern* of a vector ``v`` is every point ``p``
   with ``p + v`` in the set.
2. **SIATEC** - for each distinct MTP ``P``, its *translational equivalence class* is the
   set ``T`` of all vectors ``t`` with ``P + t`` inside the set; it covers
   ``∪ (P + t)`` and costs ``|P| + |T| - 1`` symbols to write down (``T`` includes the
   zero vector).
3. **COSIATEC** - greedily keep the TEC with the best *compression ratio × compactness*
   (compression ratio = points covered / encoding size; compactness = pattern points /
   points of the remaining set inside the pattern's bounding box), remove the points it
   covers, and repeat on what is left until nothing is left.

The line's compression ratio is ``number of points / total encoding size``: 1.0 means no
repetition at all, a line that is one bar played 16 times scores close to 16.

Points are packed into integers ``onset * 256 + pitch`` so a translation is an integer
addition and a membership test is a set lookup (pitches are 0..127, so the packing of a
difference vector ``(dt, dp)`` with ``|dp| < 128`` is unique).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

PACK = 256


@dataclass(frozen=True, slots=True)
class TEC:
    """A pattern, its translators (zero vector excluded) and the points it covers."""

    pattern: tuple[int, ...]
    translators: tuple[int, ...]
    covered: frozenset[int]

    @property
    def size(self) -> int:
        """Encoding size: pattern points plus non-zero translators."""
        return len(self.pattern) + len(self.translators)

    @property
    def ratio(self) -> float:
        return len(self.covered) / self.size


def pack(points: Iterable[tuple[int, int]]) -> list[int]:
    """Sorted, de-duplicated packed points from ``(onset, pitch)`` pairs."""
    out = set()
    for onset, pitch in points:
        if not 0 <= pitch < 128 or onset < 0:
            raise ValueError(f"point out of range: {(onset, pitch)}")
        out.add(int(onset) * PACK + int(pitch))
    return sorted(out)


def _unpack(p: int) -> tuple[int, int]:
    return divmod(p, PACK)


def sia(points: list[int]) -> dict[int, list[int]]:
    """Vector → maximal translatable pattern (points sorted), for every positive vector."""
    mtps: dict[int, list[int]] = defaultdict(list)
    n = len(points)
    for i in range(n):
        p = points[i]
        for j in range(i + 1, n):
            mtps[points[j] - p].append(p)
    return mtps


def translators(
    pattern: tuple[int, ...], shifts: dict[int, set[int]], members: set[int]
) -> tuple[int, ...]:
    """All non-zero vectors ``t`` with ``pattern + t`` inside the set.

    ``shifts[p]`` is ``{d - p for d in the set}``: the translators of a two-point pattern
    are the intersection of its points' shift sets (done in C), and each further point
    only filters what is left.
    """
    ts = shifts[pattern[0]] & shifts[pattern[1]]
    for p in pattern[2:]:
        if len(ts) == 1:
            break
        ts = {t for t in ts if p + t in members}
    ts.discard(0)
    return tuple(sorted(ts))


def siatec(points: list[int]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(pattern, translators) of every distinct MTP with at least two points (size-1
    patterns never compress, so they only matter for the residue COSIATEC handles)."""
    members = set(points)
    shifts = {p: {d - p for d in points} for p in points}
    seen: set[tuple[int, ...]] = set()
    out = []
    for pattern_list in sia(points).values():
        if len(pattern_list) < 2:
            continue
        pattern = tuple(pattern_list)
        if pattern in seen:
            continue
        seen.add(pattern)
        out.append((pattern, translators(pattern, shifts, members)))
    return out


def compactness(pattern: tuple[int, ...], points: list[int]) -> float:
    """Pattern points / points of the set inside the pattern's bounding box."""
    coords = [_unpack(p) for p in pattern]
    t0, t1 = min(c[0] for c in coords), max(c[0] for c in coords)
    p0, p1 = min(c[1] for c in coords), max(c[1] for c in coords)
    inside = 0
    for q in points:
        if q > t1 * PACK + PACK:
            break  # points are sorted by onset
        t, p = _unpack(q)
        if t0 <= t <= t1 and p0 <= p <= p1:
            inside += 1
    return len(pattern) / max(1, inside)


def best_tec(points: list[int]) -> TEC | None:
    """The TEC with the highest compression ratio × compactness (ties: more coverage,
    then the larger pattern, then the earliest pattern), or None if none compresses.

    The covered set is only built for candidates whose upper bound
    ``|P| (|T| + 1) / (|P| + |T|)`` (no overlaps) can still beat the best score found.
    """
    candidates = []
    for pattern, ts in siatec(points):
        bound = len(pattern) * (len(ts) + 1) / (len(pattern) + len(ts))
        if bound > 1.0:
            candidates.append((bound, pattern, ts))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    best: TEC | None = None
    best_key: tuple[float, int, int] = (0.0, 0, 0)
    for bound, pattern, ts in candidates:
        if bound < best_key[0]:
            break  # ratio ≤ bound and compactness ≤ 1: no later TEC can win
        covered = frozenset(p + t for t in (0, *ts) for p in pattern)
        tec = TEC(pattern, ts, covered)
        if tec.ratio <= 1.0:
            continue
        key = (tec.ratio * compactness(pattern, points), len(covered), len(pattern))
        if key > best_key:
            best, best_key = tec, key
    return best


def cosiatec(points: Iterable[tuple[int, int]]) -> list[TEC]:
    """The COSIATEC encoding of a point set: a list of TECs covering every point."""
    remaining = pack(points)
    encoding: list[TEC] = []
    while remaining:
        tec = best_tec(remaining)
        if tec is None:
            # Nothing repeats any more: the residue is written out point by point.
            encoding.append(TEC(tuple(remaining), (), frozenset(remaining)))
            break
        encoding.append(tec)
        remaining = [p for p in remaining if p not in tec.covered]
    return encoding


def compression_ratio(points: Iterable[tuple[int, int]]) -> float:
    """Points / total encoding size of the COSIATEC encoding (1.0 for an empty set)."""
    packed = pack(points)
    if not packed:
        return 1.0
    encoding = cosiatec(_unpack(p) for p in packed)
    return len(packed) / sum(t.size for t in encoding)
