"""From per-message readings to a :class:`Mood`: arc, segments, speakers, overall.

Everything here is plain numpy over an ``(n, 3)`` array of per-message VAD readings;
which model produced them does not matter.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import numpy as np

from composer.mood.context import in_context
from composer.mood.model import VAD, MessageMood, Mood, Segment, SpeakerMood
from composer.mood.reactions import read_reactions

# Replies too short to carry their own mood: they lean on the message they answer.
SHORT_REPLIES = frozenset(
    {
        "ok", "okay", "k", "kk", "okey", "sure", "lol", "fine", "yeah", "yea", "yep", "yup",
        "ya", "mhm", "hm", "hmm", "right", "alright", "cool", "lmao", "same", "true", "wow",
        "oh", "ah", "welp", "np", "noted", "ikr", "really", "seriously", "no", "yes",
    }
)  # fmt: skip
_SHORT_LEAN = 0.5
_STRIP_RE = re.compile(r"[^\w\s]+")
_MAX_SEGMENTS = 8
_MAX_DP_POINTS = 400

# Change-point and contrast knobs, tuned on the dev story chats (tests/mood/data/stories,
# split "dev": 38 chats, 49 turns) with the reader of the day (version 7); bench/mood_eval.py
# prints how the segments meet the stories' marked turns on dev and test. Re-tune these
# when the reader changes.
#
# How much valence, arousal and dominance count when cutting the chat: a story's turns
# are turns of valence first; arousal and dominance help a little (boredom -> excitement).
CHANNEL_WEIGHTS = (1.0, 0.5, 0.25)
# The shortest segment, in messages (fewer in chats under 16 messages): a mood lasts a while;
# one odd line is not a turn.
MIN_SEGMENT = 4
# A split must remove at least this share of the chat's weighted variation ...
PENALTY_SHARE = 0.05
# ... and at least this much per unit of message weight (two halves must differ by ~0.13).
PENALTY_FLOOR = 0.004
# A turn is announced before it is felt ("wait. look out the window", then the joy): a cut
# moves up to this many messages earlier, over lines that have left the old mood, while
# the fit there loses less than this share of what the cut gains.
EARLIEST_BACK = 3  # messages (none in chats over 400 messages, where points are pooled)
EARLIEST_SHARE = 0.3
# ... and each line moved over must have gone at least this share of the step's way (noise
# about the old mood crosses its mean half the time).
EARLIEST_MARGIN = 0.15
# Segment valences are stretched about the overall mood so that, together, they span the
# chat's own range of message valences (these percentiles), by at most this gain: a
# segment's mean is an average and hides how far the chat actually swings.
STRETCH_RANGE = (5.0, 95.0)
MAX_CONTRAST = 2.5


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """Number of whitespace-separated words per text (at least 1)."""
    return np.fromiter((max(1, len(t.split())) for t in texts), dtype=np.float64, count=len(texts))


def length_weights(words: np.ndarray) -> np.ndarray:
    """How much a message counts: grows with its length, slowly (1 word → 1, 15 words → 4)."""
    return np.clip(np.log2(1.0 + words), 1.0, 6.0)


def lean_short_replies(texts: Sequence[str], vad: np.ndarray) -> np.ndarray:
    """Blend very short acknowledgements ("ok", "lol", "sure") with the message before them.

    Every other message keeps exactly its own reading.
    """
    out = vad.copy()
    for i in range(1, len(texts)):
        t = texts[i]
        if len(t) <= 12 and _STRIP_RE.sub("", t).strip().lower() in SHORT_REPLIES:
            out[i] = (1.0 - _SHORT_LEAN) * vad[i] + _SHORT_LEAN * vad[i - 1]
    return out


def smooth(vad: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Length-weighted exponential smoothing: the running mood after each message."""
    n = len(vad)
    half_life = min(40.0, max(1.5, n / 12.0))
    decay = 0.5 ** (1.0 / half_life)
    rows = vad.tolist()
    ws = weights.tolist()
    out = []
    nv = na = nd = den = 0.0
    for (v, a, d), w in zip(rows, ws, strict=True):
        nv = decay * nv + w * v
        na = decay * na + w * a
        nd = decay * nd + w * d
        den = decay * den + w
        out.append((nv / den, na / den, nd / den))
    return np.asarray(out, dtype=np.float64).reshape(n, 3)


def _binned(vad: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pool long chats into at most ``_MAX_DP_POINTS`` consecutive bins for segmentation."""
    n = len(vad)
    if n <= _MAX_DP_POINTS:
        return vad, weights, np.arange(n + 1)
    edges = np.linspace(0, n, _MAX_DP_POINTS + 1).round().astype(np.int64)
    wsum = np.add.reduceat(weights, edges[:-1])
    mean = np.add.reduceat(vad * weights[:, None], edges[:-1], axis=0) / wsum[:, None]
    return mean, wsum, edges


def _best_partitions(x: np.ndarray, w: np.ndarray, k_max: int, min_len: int) -> list[list[int]]:
    """Optimal weighted least-squares partitions of ``x`` into 1..k_max pieces.

    Returns, for each k, the cut positions (interior boundaries) of the best partition.
    """
    m = len(x)
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cx = np.vstack([np.zeros(3), np.cumsum(x * w[:, None], axis=0)])
    cxx = np.concatenate([[0.0], np.cumsum((x * x).sum(axis=1) * w)])

    def cost_row(j: int) -> np.ndarray:
        # SSE of pieces [i, j) for every i < j (inf when shorter than min_len).
        i = np.arange(j)
        ww = cw[j] - cw[i]
        sx = cx[j] - cx[i]
        c = (cxx[j] - cxx[i]) - (sx * sx).sum(axis=1) / np.maximum(ww, 1e-12)
        c[j - i < min_len] = np.inf
        return np.maximum(c, 0.0)

    rows = [cost_row(j) if j > 0 else np.zeros(0) for j in range(m + 1)]
    best = np.full((k_max + 1, m + 1), np.inf)
    arg = np.zeros((k_max + 1, m + 1), dtype=np.int64)
    best[0, 0] = 0.0
    for k in range(1, k_max + 1):
        for j in range(1, m + 1):
            cand = best[k - 1, :j] + rows[j]
            i = int(np.argmin(cand))
            best[k, j] = cand[i]
            arg[k, j] = i
    parts: list[list[int]] = []
    for k in range(1, k_max + 1):
        if not np.isfinite(best[k, m]):
            break
        cuts: list[int] = []
        j = m
        for kk in range(k, 0, -1):
            j = int(arg[kk, j])
            if kk > 1:
                cuts.append(j)
        parts.append(sorted(cuts))
    return parts


def _sse(x: np.ndarray, w: np.ndarray, cuts: list[int]) -> float:
    total = 0.0
    bounds = [0, *cuts, len(x)]
    for a, b in itertools.pairwise(bounds):
        mu = (x[a:b] * w[a:b, None]).sum(axis=0) / w[a:b].sum()
        total += float((((x[a:b] - mu) ** 2).sum(axis=1) * w[a:b]).sum())
    return total


def change_points(vad: np.ndarray, weights: np.ndarray) -> list[int]:
    """Message indices where a new segment starts (excluding 0), few and meaningful."""
    n = len(vad)
    k_cap = min(_MAX_SEGMENTS, max(1, math.ceil(n / 3)))
    if n < 4 or k_cap == 1:
        return []
    x, w, edges = _binned(vad * np.asarray(CHANNEL_WEIGHTS), weights)
    min_len = max(2, min(MIN_SEGMENT, len(x) // 4), len(x) // 25)
    parts = _best_partitions(x, w, k_cap, min_len)
    sses = [_sse(x, w, cuts) for cuts in parts]
    penalty = max(PENALTY_SHARE * sses[0], PENALTY_FLOOR * float(w.sum()))
    costs = [s + k * penalty for k, s in enumerate(sses)]
    chosen = parts[int(np.argmin(costs))]
    if len(x) == n:  # a point per message (pooled points would move many messages)
        chosen = earliest_cuts(x, w, chosen, min_len)
    return [int(edges[c]) for c in chosen]


def earliest_cuts(x: np.ndarray, w: np.ndarray, cuts: list[int], min_len: int) -> list[int]:
    """Move each cut back over lines that have left the old mood, while the fit holds.

    Parameters
    ----------
    x : ndarray, shape (m, 3)
        The (weighted) readings being segmented.
    w : ndarray, shape (m,)
        Their weights.
    cuts : list of int
        Interior boundaries of the best partition, in order.
    min_len : int
        The shortest segment allowed.

    Returns
    -------
    list of int
        The cuts, each moved back by at most :data:`EARLIEST_BACK` lines (the other cuts
        fixed) to the earliest position where every line moved over has gone at least
        :data:`EARLIEST_MARGIN` of the way from the mean of the segment before towards the
        segment after, and the weighted squared error
        exceeds the best by less than :data:`EARLIEST_SHARE` of what the cut removes. The
        lines between a piece of news and the feeling it brings read flat, and the best
        fit cuts where the feeling is plain; the turn is the news.
    """
    cuts = list(cuts)
    for k, c in enumerate(cuts):
        start = cuts[k - 1] if k else 0
        end = cuts[k + 1] if k + 1 < len(cuts) else len(x)
        old = np.average(x[start:c], axis=0, weights=w[start:c])
        step = np.average(x[c:end], axis=0, weights=w[c:end]) - old
        best = _sse(x, w, cuts)
        worst = best + EARLIEST_SHARE * (_sse(x, w, cuts[:k] + cuts[k + 1 :]) - best)
        for p in range(max(start + min_len, c - EARLIEST_BACK), c):
            # Every line moved over has left the old mood (towards the new), and the fit holds.
            moved = (x[p:c] - old) @ step > EARLIEST_MARGIN * float(step @ step)
            if moved.all() and _sse(x, w, [*cuts[:k], p, *cuts[k + 1 :]]) < worst:
                cuts[k] = p
                break
    return cuts


def stretch_valence(seg: np.ndarray, own: np.ndarray, overall: float) -> np.ndarray:
    """Segment valences ``seg`` stretched about ``overall`` towards the chat's own range.

    The gain makes the segments span the :data:`STRETCH_RANGE` percentiles of the messages' own
    valences ``own``; it is at least 1 and at most :data:`MAX_CONTRAST`. A segment keeps its
    sign (it stops at neutral): the stretch adds contrast, it does not turn a warm stretch of
    a happy chat dark.
    """
    if len(seg) < 2:
        return seg
    lo, hi = np.percentile(own, STRETCH_RANGE)
    span = float(seg.max() - seg.min())
    gain = 1.0 if span < 1e-9 else min(MAX_CONTRAST, max(1.0, float(hi - lo) / span))
    out = overall + gain * (seg - overall)
    # Contrast, not a new sign: a warm stretch stays at or above neutral, a dark one below.
    return np.where(seg >= 0.0, np.maximum(out, 0.0), np.minimum(out, 0.0))


def _vad(row: np.ndarray) -> VAD:
    v, a, d = (float(min(1.0, max(-1.0, x))) for x in row)
    return VAD(valence=v, arousal=a, dominance=d)


def _vads(rows: np.ndarray) -> list[VAD]:
    """:func:`_vad` of each row, clipped in one array operation (chats can be long)."""
    return [VAD(v, a, d) for v, a, d in np.clip(rows, -1.0, 1.0).tolist()]


def _drivers(vad: np.ndarray, weights: np.ndarray, start: int, end: int) -> tuple[int, ...]:
    seg = vad[start:end]
    w = weights[start:end]
    mean = (seg * w[:, None]).sum(axis=0) / w.sum()
    norms = np.linalg.norm(seg, axis=1)
    mnorm = float(np.linalg.norm(mean))
    strength = norms * w
    if mnorm > 0.05:
        cos = (seg @ mean) / np.maximum(norms * mnorm, 1e-12)
        strength = strength * (0.5 + 0.5 * cos)
    order = np.argsort(-strength, kind="stable")[:3]
    return tuple(int(start + i) for i in order if strength[i] > 0.0)


def _dominant(speakers: Sequence[str], words: np.ndarray, start: int, end: int) -> str | None:
    share: dict[str, float] = {}
    for i in range(start, end):
        share[speakers[i]] = share.get(speakers[i], 0.0) + float(words[i])
    if not share:
        return None
    return max(share, key=lambda s: share[s])  # first-appearing wins ties


def build_mood(
    speakers: Sequence[str],
    texts: Sequence[str],
    own: np.ndarray,
    model: str,
    *,
    context: bool = True,
) -> Mood:
    """Assemble a :class:`Mood` from per-message readings.

    Parameters
    ----------
    speakers, texts : sequence of str
        One per message, in order.
    own : ndarray, shape (n, 3)
        Each message's own VAD reading on -1..1.
    model : str
        Name and version of the reader.
    context : bool
        Read each message in its conversation (:func:`composer.mood.context.in_context`);
        ``False`` keeps the lines' own readings (only very short replies lean on the
        message before them), for ablations.

    Segments are cut by :func:`change_points`; each segment's VAD is its messages'
    length-weighted mean, its valence then stretched by :func:`stretch_valence`.
    """
    own = np.clip(np.asarray(own, dtype=np.float64), -1.0, 1.0)
    words = word_counts(texts)
    weights = length_weights(words)
    if context:
        own = read_reactions(texts, in_context(texts, own, weights), weights)
    else:
        own = lean_short_replies(texts, own)
    arc = smooth(own, weights)
    n = len(texts)
    bounds = [0, *change_points(own, weights), n]
    pairs = list(itertools.pairwise(bounds))
    overall = (own * weights[:, None]).sum(axis=0) / weights.sum()
    means = np.array(
        [(own[a:b] * weights[a:b, None]).sum(axis=0) / weights[a:b].sum() for a, b in pairs]
    )
    means[:, 0] = stretch_valence(means[:, 0], own[:, 0], float(overall[0]))
    segments = tuple(
        Segment(
            start=a,
            end=b,
            vad=_vad(mean),
            drivers=_drivers(own, weights, a, b),
            dominant_speaker=_dominant(speakers, words, a, b),
        )
        for (a, b), mean in zip(pairs, means, strict=True)
    )
    total_words = float(words.sum())
    per: dict[str, list[int]] = {}
    for i, s in enumerate(speakers):
        per.setdefault(s, []).append(i)
    speaker_moods = tuple(
        SpeakerMood(
            name=name,
            messages=len(idx),
            share=float(words[idx].sum()) / total_words,
            vad=_vad((own[idx] * weights[idx, None]).sum(axis=0) / weights[idx].sum()),
        )
        for name, idx in per.items()
    )
    return Mood(
        overall=_vad(overall),
        messages=tuple(
            MessageMood(index=i, speaker=speakers[i], vad=vad) for i, vad in enumerate(_vads(own))
        ),
        arc=tuple(_vads(arc)),
        segments=segments,
        speakers=speaker_moods,
        model=model,
    )
