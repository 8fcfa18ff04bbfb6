"""The fallback mood reader: a hand-written word list plus chat cues, no model files needed.

Used when the trained model (``composer/data/mood/``) or onnxruntime is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from composer.mood.cues import Cues, cue_features
from composer.mood.words import INTENSIFIERS, NEGATORS, WORDS

NAME = "lexicon-v1"

_TOKEN_RE = re.compile(r"[a-z][a-z']*")
_RUN3_RE = re.compile(r"(.)\1{2,}")
_RUN2_RE = re.compile(r"(.)\1+")
_CLAUSE_RE = re.compile(r"[.!?;:,()\n]+")
_CLAUSE_BREAK = frozenset({"but", "though", "although", "however"})
_NEGATION_SPAN = 3


def lookup(word: str) -> tuple[float, float, float] | None:
    """Find a word (or its elongated / inflected form) in the word list."""
    hit = WORDS.get(word)
    if hit is not None:
        return hit
    if _RUN3_RE.search(word):
        for form in (
            _RUN3_RE.sub(r"\1\1", word),
            _RUN3_RE.sub(r"\1", word),
            _RUN2_RE.sub(r"\1", word),
        ):
            hit = WORDS.get(form)
            if hit is not None:
                return hit
    for suffix in ("s", "es", "ed", "d", "ing", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            hit = WORDS.get(word[: -len(suffix)])
            if hit is not None:
                return hit
    return None


def _word_hits(text: str) -> list[tuple[float, float, float]]:
    hits: list[tuple[float, float, float]] = []
    for clause in _CLAUSE_RE.split(text.lower()):
        hits.extend(_clause_hits(clause))
    return hits


def _clause_hits(clause: str) -> list[tuple[float, float, float]]:
    hits: list[tuple[float, float, float]] = []
    negate_left = 0
    boost = 1.0
    tokens = _TOKEN_RE.findall(clause)
    if tokens[:2] == ["no", "way"]:  # "no way!" is surprise, not negation
        tokens = tokens[2:]
    for raw in tokens:
        tok = raw.replace("'", "")
        if tok in NEGATORS or (tok.endswith("nt") and raw.endswith("n't")):
            negate_left = _NEGATION_SPAN
            continue
        if tok in _CLAUSE_BREAK:
            negate_left = 0
            boost = 1.0
            continue
        squeezed = _RUN3_RE.sub(r"\1", tok)
        factor = INTENSIFIERS.get(tok) or INTENSIFIERS.get(squeezed)
        if factor is not None:
            boost *= factor
            continue
        vad = lookup(tok)
        if vad is not None:
            v, a, d = (boost * x for x in vad)
            if negate_left > 0:
                # "not happy" is mildly unhappy, "not sad" mildly positive; calmer, less sure.
                v, a, d = -0.6 * v, 0.6 * a, -0.4 * d
            hits.append((v, a, d))
            boost = 1.0
        if negate_left > 0:
            negate_left -= 1
    return hits


def combine(
    base: tuple[float, float, float] | None,
    cues: Cues,
    base_weight: float = 1.0,
    squash: bool = True,
) -> tuple[float, float, float]:
    """Blend a words-only reading with a text's cues into one VAD on -1..1.

    Parameters
    ----------
    base : (v, a, d) or None
        The words' reading (None when no word carried any mood).
    cues : Cues
        The text's surface cues.
    base_weight : float
        How many "votes" the words' reading counts against each emoji.
    squash : bool
        Soft-limit the result with tanh (the word list's raw sums can exceed 1);
        a calibrated model's reading is only clipped.
    """
    parts: list[tuple[float, float, float]] = []
    weights: list[float] = []
    if base is not None:
        parts.append(base)
        weights.append(base_weight)
    parts.extend(cues.icons)
    weights.extend([0.8] * len(cues.icons))
    if parts:
        arr = np.asarray(parts, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        mean = (arr * w[:, None]).sum(axis=0) / w.sum()
    else:
        mean = np.zeros(3)
    out = mean * cues.gain + np.asarray(cues.offset)
    if squash:
        out = np.tanh(out * 1.1) / np.tanh(1.1)
    v, a, d = (float(x) for x in np.clip(out, -1.0, 1.0))
    return (v, a, d)


def score_one(text: str) -> tuple[float, float, float]:
    """Read one text with the word list and chat cues."""
    hits = _word_hits(text)
    base: tuple[float, float, float] | None = None
    if hits:
        arr = np.asarray(hits, dtype=np.float64)
        # Shrink single-word evidence towards neutral; more mood words, more confidence.
        mean = arr.sum(axis=0) / (len(hits) + 0.5)
        base = (float(mean[0]), float(mean[1]), float(mean[2]))
    return combine(base, cue_features(text))


def score_texts(texts: Sequence[str]) -> np.ndarray:
    """Read many texts; returns an ``(n, 3)`` float array of valence, arousal, dominance."""
    out = np.zeros((len(texts), 3), dtype=np.float64)
    cache: dict[str, tuple[float, float, float]] = {}
    for i, text in enumerate(texts):
        vad = cache.get(text)
        if vad is None:
            vad = score_one(text)
            cache[text] = vad
        out[i] = vad
    return out
