"""Each message read in its conversation: what the previous turns change about a reading.

The trained reader sees one line at a time. In a conversation a line also means what it
does to the turns before it: "Fine." or "What?!" take their colour from what they answer,
an apology after a quarrel is a step towards making up (warm), not a sad line, and "you're
an idiot 😂" among laughter is fond teasing. :func:`in_context` turns the lines' own
readings into readings in context with four documented moves, each a few numbers:

1. **Lean on the context when the line says little.** The context of message *i* is the
   length-weighted, exponentially decaying mean of the readings in context before it
   (half-life :data:`HALF_LIFE` messages). A line's confidence grows with how far its own
   valence is from neutral and with its length; the less confident it is, the more it
   moves towards its context (at most :data:`LEAN` of the way).
2. **Quarrels and repairs.** A line with a quarrel phrase ("you always", "whatever.",
   "not fair": :func:`composer.mood.cues.is_quarrel`) reads at most
   :data:`QUARREL_VALENCE`: a real quarrel is clearly negative (the cues already raise
   its arousal; a warm line with such a phrase, "you always make me smile", is no
   quarrel). An apology, "I missed you", "it's okay", "thank you"... said while the
   conversation is in friction (its context below :data:`FRICTION` and stirred above
   :data:`FRICTION_AROUSAL`, or a quarrel line or a dark and stirred line among the last
   :data:`FRICTION_WINDOW`, or while making up: a repair among them) reads at least
   :data:`REPAIR_VALENCE`, a little calmer: making up is warm. Sympathy after sad news,
   condolences ("sorry for your loss"), "sorry, what?" (a question) and sarcasm ("thanks
   for nothing") are not repairs.
3. **Shared laughter and fond teasing.** A line that laughs ("haha", "lol", 😂) reads at
   least :data:`LAUGH_VALENCE`; a mild insult ("idiot", "dork") with laughter, a warm
   emoji, a warm context or a repair among the last :data:`FRICTION_WINDOW` lines takes
   the warmth of its context (at least :data:`LAUGH_VALENCE`) instead of its words.
4. **Relief and tears of joy.** A line of relief ("thank god", "false alarm", "nothing to
   worry about", "everyone's safe"; not hedged just before, "I hope everyone's safe", and
   not a question) while the conversation is worried (its context below
   :data:`FRICTION`, or in friction) reads at least :data:`REPAIR_VALENCE`, a little
   calmer, and counts as making up; tears, screams or shaking ("😭", "i'm screaming")
   among good news (a warm context) take the context's warmth: they are joy there, unless
   the line brings bad news ("passed away", "lost", "hospital") or asks.

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
FRICTION_AROUSAL = 0.1  # ... and arousal above this (a quarrel, not sad news)
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
# Not repairs: condolences, "sorry, what?" (a question), and apologies or thanks thrown
# back in a quarrel (sarcasm).
_NOT_REPAIR_RE = re.compile(
    r"sorry (?:for|about) (?:your|the) loss|sorry to hear|i said (?:i'?m )?sorry|sorry\?\?"
    r"|^\W*sorry(?:\W*(?:what|who|huh|come again|pardon))?\W*\?"
    r"|sorry not sorry|my bad for|thanks? (?:you )?(?:for nothing|a lot)\W*$",
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
# Relief: the worry is over ("thank god", "false alarm", "everyone's safe").
_RELIEF_RE = re.compile(
    r"\b(?:thank (?:god|goodness|heavens)|thank fuck|phew|what a relief|such a relief|relieved"
    r"|false alarm|nothing to worry about|all clear|benign"
    r"|(?:we(?:'re| are)|i(?:'m| am)) (?:all )?safe"
    r"|every(?:one|body)(?:'s| is) (?:safe|fine|ok(?:ay)?|alright)|landed safe(?:ly)?"
    r"|made it (?:home|back|out)"
    r"|(?:she|he|they)'?(?:s| is|'re| are) (?:going to be |gonna be )?"
    r"(?:ok(?:ay)?|fine|alright)\b)",
    re.IGNORECASE,
)
# ... unless negated or hoped for just before ("not relieved at all", "I hope everyone's
# safe", "i don't think she's okay"), or asked ("he's ok??").
_HEDGE_RE = re.compile(
    r"(?:\b(?:not|no longer|hope|hoping|hopefully|pray|praying|if|until|unless|whether)\b"
    r"|n'?t\b)",
    re.IGNORECASE,
)
_QUESTION_RE = re.compile(r"\?[\s\W]*$")
HEDGE_CHARS = 30  # how far before a relief phrase a hedge cancels it
# Overwhelm: tears, screams and shaking that are joy among good news ("NO WAY 😭😭").
_OVERWHELM_RE = re.compile(
    r"😭|🥹|🥲|\b(?:crying|in tears|tearing up|screaming|i'?m dying|i can'?t even|shaking"
    r"|speechless)\b",
    re.IGNORECASE,
)
# ... but tears at bad news are grief ("grandma just passed away 😭").
_BAD_NEWS_RE = re.compile(
    r"\b(?:die[ds]?|dead|death|dying|passed away|rip|funeral|lost|cancer|hospital|accident"
    r"|(?:he|she|they)(?:'?s| is| are|'re) gone|left me"
    r"|hurt|injured|fired|dumped|broke up|divorce|sick|killed|miss(?:ing)? (?:him|her|you|them))\b",
    re.IGNORECASE,
)
# One pass finds the lines any rule may touch (most lines: none of them).
_ANY_RE = re.compile(
    "|".join(
        r.pattern
        for r in (_REPAIR_RE, _LAUGH_RE, _TEASE_RE, _WARM_EMOJI_RE, _RELIEF_RE, _OVERWHELM_RE)
    ),
    re.IGNORECASE,
)


def _is_overwhelm(text: str) -> bool:
    """Tears, screams or shaking that are not bad news and not a question."""
    return (
        _OVERWHELM_RE.search(text) is not None
        and _BAD_NEWS_RE.search(text) is None
        and _QUESTION_RE.search(text) is None
    )


def _is_relief(text: str) -> bool:
    """A line of relief: a relief phrase, not hedged just before it, not a question."""
    found = _RELIEF_RE.search(text)
    if found is None or _QUESTION_RE.search(text):
        return False
    return _HEDGE_RE.search(text[max(0, found.start() - HEDGE_CHARS) : found.start()]) is None


def _is_repair(text: str) -> bool:
    return _REPAIR_RE.search(text) is not None and _NOT_REPAIR_RE.search(text) is None


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
    own = np.clip(np.asarray(own, dtype=np.float64), -1.0, 1.0)
    if len(own) == 0:
        return own.copy()
    # Plain floats in the loop: per-row numpy arithmetic costs more than it computes.
    rows, w = own.tolist(), np.asarray(weights, dtype=np.float64).tolist()
    # A quarrel phrase in a warm line ("you always make me smile") is no quarrel.
    quarrel = [
        is_quarrel(t) and rows[i][0] < 0.2 and _WARM_EMOJI_RE.search(t) is None
        for i, t in enumerate(texts)
    ]
    marked = [_ANY_RE.search(t) is not None for t in texts]
    out: list[list[float]] = []
    repaired: list[bool] = []
    decay = 0.5 ** (1.0 / HALF_LIFE)
    acc, total = [0.0, 0.0, 0.0], 0.0
    for i, text in enumerate(texts):
        v, a, d = rows[i]
        ctx = [x / total for x in acc] if total > 0.0 else None
        if ctx is not None:
            k = LEAN * (1.0 - _confidence(v, len(text.split())))
            v, a, d = v + k * (ctx[0] - v), a + k * (ctx[1] - a), d + k * (ctx[2] - d)
        if quarrel[i]:
            v = min(v, QUARREL_VALENCE)
        repair = False
        if marked[i]:
            lo = max(0, i - FRICTION_WINDOW)
            # Friction is a quarrel: dark *and* stirred lines, not sad news (condolence).
            friction = any(quarrel[lo:i]) or any(
                r[0] < 2 * FRICTION and r[1] > FRICTION_AROUSAL for r in out[lo:i]
            )
            making_up = any(repaired[lo:i])
            v, a, repair = _rules(text, v, a, ctx, friction, making_up, quarrel[i])
        repaired.append(repair)
        row = [min(1.0, max(-1.0, x)) for x in (v, a, d)]
        out.append(row)
        acc = [decay * acc[j] + w[i] * row[j] for j in range(3)]
        total = decay * total + w[i]
    return np.asarray(out, dtype=np.float64)


def _rules(
    text: str,
    v: float,
    a: float,
    ctx: list[float] | None,
    friction: bool,
    making_up: bool,
    quarrel: bool,
) -> tuple[float, float, bool]:
    """Repairs, laughter and teasing on a line that has one of their phrases.

    Returns the new valence and arousal and whether the line was a repair.
    """
    repair = False
    stirred = ctx is not None and ctx[0] < FRICTION and ctx[1] > FRICTION_AROUSAL
    in_friction = ctx is not None and (stirred or friction or making_up)
    if in_friction and not quarrel and _is_repair(text):
        repair = True
        v, a = max(v, REPAIR_VALENCE), a - REPAIR_AROUSAL_DROP
    laughs = _LAUGH_RE.search(text) is not None
    if laughs:
        v = max(v, LAUGH_VALENCE)
    warm = ctx is not None and ctx[0] > 0.05
    if _TEASE_RE.search(text) and (laughs or warm or making_up or _WARM_EMOJI_RE.search(text)):
        v = max(v, ctx[0] if warm and ctx is not None else LAUGH_VALENCE)
    worried = ctx is not None and (ctx[0] < FRICTION or friction)
    if worried and not quarrel and _is_relief(text):
        repair = True  # the worry is over: warm, calmer, and what follows is making up
        v, a = max(v, REPAIR_VALENCE), a - REPAIR_AROUSAL_DROP
    if warm and ctx is not None and _is_overwhelm(text):
        v = max(v, ctx[0], LAUGH_VALENCE)  # tears of joy
    return v, a, repair
