"""Each message read in its conversation: what the previous turns change about a reading.

The trained reader sees one line at a time. In a conversation a line also means what it
does to the turns before it: "Fine." or "What?!" take their colour from what they answer,
an apology after a quarrel is a step towards making up (warm), not a sad line, and "you're
an idiot 😂" among laughter is fond teasing. :func:`in_context` turns the lines' own
readings into readings in context with three documented moves, each a few numbers:

1. **Lean on the context when the line says little.** The context of message *i* is the
   length-weighted, exponentially decaying mean of the readings in context before it
   (half-life :data:`HALF_LIFE` messages). A line's confidence grows with how far its own
   valence is from neutral and with its length; the less confident it is, the more it
   moves towards its context (at most :data:`LEAN` of the way).
2. **Quarrels and repairs.** A line with a quarrel phrase ("you always", "whatever.",
   "not fair": :func:`composer.mood.cues.is_quarrel`) reads at most
   :data:`QUARREL_VALENCE`: a real quarrel is clearly negative (the cues already raise
   its arousal). An apology, "I missed you", "it's okay", "thank you"... said while the
   conversation is in friction (its context below :data:`FRICTION`, or a quarrel line or
   a line below twice that among the last :data:`FRICTION_WINDOW`, or while making up:
   a repair among them) reads at least
   :data:`REPAIR_VALENCE`, a little calmer: making up is warm. Condolences ("sorry for
   your loss") are not repairs.
3. **Shared laughter and fond teasing.** A line that laughs ("haha", "lol", 😂) reads at
   least :data:`LAUGH_VALENCE`; a mild insult ("idiot", "dork") with laughter, a warm
   emoji, a warm context or a repair among the last :data:`FRICTION_WINDOW` lines takes
   the warmth of its context (at least :data:`LAUGH_VALENCE`) instead of its words.

Everything is plain Python over an ``(n, 3)`` array; the readings' scale is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from composer.mood.cues import is_quarrel

HALF_LIFE = 2.0  # messages
LEAN = 0.3  # the most a line with no confidence moves towards its context
CONFIDENT_VALENCE = 0.35  # |own valence| at which a line is sure of itself
CONFIDENT_WORDS = 8  # words at which a line is long enough to stand alone
FRICTION = -0.1  # context valence below this is friction
FRICTION_WINDOW = 6  # ... or a quarrel line, or one below 2x that, among this many before
QUARREL_VALENCE = -0.25
REPAIR_VALENCE = 0.35
REPAIR_AROUSAL_DROP = 0.1
LAUGH_VALENCE = 0.15

_REPAIR_RE = re.compile(
    r"\b(?:i'?m (?:so |really |truly )?sorry|sorry\b(?! (?:for|about) (?:your|the) loss| to hear)"
    r"|i apologi[sz]e|my bad|forgive me|i forgive you|i was wrong|you were right|my fault"
    r"|i shouldn'?t have|i missed you|miss(?:ed)? you|love you|love u\b|luv u|hugs?\b"
    r"|thank(?:s| you)|it'?s (?:ok(?:ay)?|fine|alright|all right) ?(?:now|love|babe|hun)?\s*[.!]*$"
    r"|no worries|we'?re (?:ok(?:ay)?|good|fine)|all good|make up|friends again|come here)",
    re.IGNORECASE,
)
# Not repairs: condolences, and the apology thrown back in a quarrel ("i said i'm sorry??").
_CONDOLENCE_RE = re.compile(
    r"sorry (?:for|about) (?:your|the) loss|sorry to hear|i said (?:i'?m )?sorry|sorry\?\?",
    re.IGNORECASE,
)
_LAUGH_RE = re.compile(
    r"\b(?:a?ha(?:ha)+h?|he(?:he)+|lo+l+|lmf?ao+|rofl|xd+)\b|😂|🤣|😆|😹", re.IGNORECASE
)
_TEASE_RE = re.compile(
    r"\b(?:idiot|dork|dummy|dumbo|weirdo|nerd|goof(?:ball)?|loser|dumbass|silly|you'?re the worst"
    r"|shut up|stop it|you're ridiculous|ridiculous)\b",
    re.IGNORECASE,
)
_WARM_EMOJI_RE = re.compile("[😘🥰😍❤♥💕💖💗😊☺😉😜😝😛🙃🤪😏]")


def _is_repair(text: str) -> bool:
    return _REPAIR_RE.search(text) is not None and _CONDOLENCE_RE.search(text) is None


def _confidence(valence: float, words: int) -> float:
    """How sure a line is of its own reading: far from neutral, or long enough (0..1)."""
    strength = min(1.0, abs(valence) / CONFIDENT_VALENCE)
    return max(strength * min(1.0, words / CONFIDENT_WORDS), strength**2)


def in_context(texts: Sequence[str], own: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Readings in context, one row per message (see the module docstring).

    Parameters
    ----------
    texts : sequence of str
        The messages, in order.
    own : ndarray, shape (n, 3)
        Each line's own reading (valence, arousal, dominance on -1..1).
    weights : ndarray, shape (n,)
        How much each message counts (longer lines count more).

    Returns
    -------
    ndarray, shape (n, 3)
        Clipped to -1..1.
    """
    own = np.asarray(own, dtype=np.float64)
    n = len(own)
    out = own.copy()
    if n == 0:
        return out
    decay = 0.5 ** (1.0 / HALF_LIFE)
    acc = np.zeros(3)
    total = 0.0
    quarrel = [is_quarrel(t) for t in texts]
    repaired: list[bool] = []
    for i in range(n):
        text = texts[i]
        ctx = acc / total if total > 0.0 else None
        row = own[i].copy()
        if ctx is not None:
            row += LEAN * (1.0 - _confidence(row[0], len(text.split()))) * (ctx - row)
        if quarrel[i]:
            row[0] = min(row[0], QUARREL_VALENCE)
        lo = max(0, i - FRICTION_WINDOW)
        repair = False
        if ctx is not None and not quarrel[i] and _is_repair(text):
            dark = bool((out[lo:i, 0] < 2 * FRICTION).any())
            if ctx[0] < FRICTION or any(quarrel[lo:i]) or dark or any(repaired[lo:i]):
                repair = True
                row[0] = max(row[0], REPAIR_VALENCE)
                row[1] = row[1] - REPAIR_AROUSAL_DROP
        repaired.append(repair)
        laughs = bool(_LAUGH_RE.search(text))
        if laughs:
            row[0] = max(row[0], LAUGH_VALENCE)
        if _TEASE_RE.search(text):
            warm = ctx is not None and ctx[0] > 0.05
            if laughs or warm or any(repaired[lo:i]) or _WARM_EMOJI_RE.search(text):
                row[0] = max(row[0], ctx[0] if warm and ctx is not None else LAUGH_VALENCE)
        out[i] = np.clip(row, -1.0, 1.0)
        acc = decay * acc + weights[i] * out[i]
        total = decay * total + weights[i]
    return out
