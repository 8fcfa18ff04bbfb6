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
2. **Repair after friction.** An apology, "I missed you", "it's okay", "thank you"... said
   while the conversation is in friction (its context, or one of the last
   :data:`FRICTION_WINDOW` lines, below :data:`FRICTION`) reads at least
   :data:`REPAIR_VALENCE`, a little calmer: making up is warm. Condolences ("sorry for
   your loss") are not repairs.
3. **Shared laughter and fond teasing.** A line that laughs ("haha", "lol", 😂) reads at
   least :data:`LAUGH_VALENCE`; a mild insult ("idiot", "dork") with laughter, a warm
   emoji or a warm context takes the warmth of its context instead of its words.

Everything is plain Python over an ``(n, 3)`` array; the readings' scale is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

HALF_LIFE = 2.0  # messages
LEAN = 0.6  # the most a line with no confidence moves towards its context
CONFIDENT_VALENCE = 0.35  # |own valence| at which a line is sure of itself
CONFIDENT_WORDS = 8  # words at which a line is long enough to stand alone
FRICTION = -0.08  # context valence below this is friction
FRICTION_WINDOW = 4  # ... or one of this many previous lines below 2x that
REPAIR_VALENCE = 0.25
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
_CONDOLENCE_RE = re.compile(r"sorry (?:for|about) (?:your|the) loss|sorry to hear", re.IGNORECASE)
_LAUGH_RE = re.compile(
    r"\b(?:a?ha(?:ha)+h?|he(?:he)+|lo+l+|lmf?ao+|rofl|xd+)\b|😂|🤣|😆|😹", re.IGNORECASE
)
_TEASE_RE = re.compile(
    r"\b(?:idiot|dork|dummy|dumbo|weirdo|nerd|goof(?:ball)?|loser|dumbass|silly|you'?re the worst"
    r"|shut up|stop it|you're ridiculous|ridiculous)\b",
    re.IGNORECASE,
)
_WARM_EMOJI_RE = re.compile("[😘🥰😍❤♥💕💖💗😊☺😉😜😝😛🙃🤪😏]")


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
    for i in range(n):
        text = texts[i]
        ctx = acc / total if total > 0.0 else None
        row = own[i].copy()
        words = len(text.split())
        if ctx is not None:
            conf = min(1.0, abs(row[0]) / CONFIDENT_VALENCE) * min(1.0, words / CONFIDENT_WORDS)
            conf = max(conf, min(1.0, abs(row[0]) / CONFIDENT_VALENCE) ** 2)
            row += LEAN * (1.0 - conf) * (ctx - row)
            recent = out[max(0, i - FRICTION_WINDOW) : i, 0]
            friction = ctx[0] < FRICTION or bool((recent < 2 * FRICTION).any())
            if friction and _REPAIR_RE.search(text) and not _CONDOLENCE_RE.search(text):
                row[0] = max(row[0], REPAIR_VALENCE)
                row[1] = row[1] - REPAIR_AROUSAL_DROP
        laughs = bool(_LAUGH_RE.search(text))
        if laughs:
            row[0] = max(row[0], LAUGH_VALENCE)
        if _TEASE_RE.search(text):
            warm_ctx = ctx is not None and ctx[0] > 0.05
            if laughs or warm_ctx or _WARM_EMOJI_RE.search(text):
                row[0] = max(row[0], ctx[0] if warm_ctx and ctx is not None else LAUGH_VALENCE)
        out[i] = np.clip(row, -1.0, 1.0)
        acc = decay * acc + weights[i] * out[i]
        total = decay * total + weights[i]
    return out
