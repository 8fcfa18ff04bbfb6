"""Surprise reactions, read by what follows them: how the news landed, not which way.

"NO WAY", "omg", "WHAT", "are you serious", "i'm screaming", "😭😭", an all-caps shout: a
short exclamation of surprise or overwhelm says how strongly a piece of news landed, not
whether it was good or bad. Read alone, such lines lean dark (on Reddit "no way" and "shut
up" mostly disagree), so a burst of them after good news pulls the arc down exactly where
it should rise. In a whole chat the lines after a reaction show how the news was taken
("ok this is actually huge", "what do we wear"), so :func:`read_reactions` gives each
reaction the valence of the lines that follow it (not the lines before: at a turn they
are the old mood), made at least :data:`REACTION_VALENCE` that way when they lean one way
by :data:`LEAN_MIN` or more: surprise amplifies. Arousal and dominance stay the line's own.

This needs the messages after a line, so it applies to whole chats
(:func:`composer.mood.arc.build_mood`); a live session reads each message as it comes
(:func:`composer.mood.context.in_context` only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from composer.mood import lexicon
from composer.mood.context import _BAD_NEWS_RE, _LAUGH_RE, _WARM_EMOJI_RE, _is_repair
from composer.mood.cues import EMOJI, is_quarrel

REACTION_WORDS = 7  # a reaction is short: longer lines say what they mean
AFTER = 5  # how many messages after a reaction tell how the news was taken
HALF_LIFE = 2.0  # messages: nearer lines count more
LEAN_MIN = 0.05  # the lines after lean one way from this valence on ...
REACTION_VALENCE = 0.3  # ... and the reaction then reads at least this, that way

_SURPRISE_RE = re.compile(
    r"\b(?:omg+|oh my (?:god|gosh|goodness)"
    r"|are you (?:serious|kidding|joking)|you'?re (?:kidding|joking)"
    r"|i can'?t believe (?:it|this|that)\b(?!')|(?:is this|this is(?:n'?t| not)|can'?t be) real"
    r"|holy (?:shit|crap|cow|moly)|wtf|i'?m (?:screaming|crying|shaking|speechless)"
    r"|in tears|i can'?t even)\b"
    r"|😭|🥹|😱|🤯|😳|😲|😮|\?!|!\?",
    re.IGNORECASE,
)
# A bare exclamation, the whole line ("NO WAY!!", "shut up", "what?"): its sign is only
# what follows, so quarrel and apology phrases in it do not decide.
_BARE_RE = re.compile(
    r"^\W*(?:(?:oh my god|omg+|bro|dude|girl|man|babe)\W*)?"
    r"(?:shut up|stop lying|no (?:freaking |fucking )?way|are you (?:serious|kidding)"
    r"|(?:wait\W*)?what)\W*$",
    re.IGNORECASE,
)
# Emoji of a set sign ("🎉", "😡") say which way a line goes; these say only how much.
_OPEN_EMOJI = frozenset("😭🥹😱🤯😳😲😮")
_WORD_RE = re.compile(r"[^\W\d_][\w']*")
# One-word answers in capitals carry their own sign: not a shout of surprise.
_ANSWERS = frozenset({"OK", "OKAY", "YES", "YEP", "YEAH", "NO", "NOPE", "LOL", "TY", "THX"})
SIGNED_WORD = 0.3  # a shout with a word this warm or dark ("I HATE YOU") says which way


def _shouted(text: str) -> bool:
    """Every word of two letters or more in capitals ("WHAT", "ARE YOU HERE?????").

    A one-word answer ("OK", "YES") is not a shout.
    """
    words = [w for w in _WORD_RE.findall(text) if len(w) >= 2]
    if not words or not all(w.isupper() for w in words):
        return False
    if any(abs((lexicon.lookup(w.lower()) or (0.0,))[0]) >= SIGNED_WORD for w in words):
        return False  # "I HATE YOU", "THANK YOU", "HAPPY BIRTHDAY": a shout with a sign
    return len(words) > 1 or (len(words[0]) >= 3 and words[0] not in _ANSWERS)


def is_reaction(text: str) -> bool:
    """Whether ``text`` is a short exclamation of surprise or overwhelm of no set sign.

    Lines that carry their own sign are not: bad news ("omg he's in hospital"), laughter,
    warm or other emoji of a set sign ("🎉").
    """
    if len(text) > 80 or len(text.split()) > REACTION_WORDS:
        return False
    bare = _BARE_RE.search(text) is not None
    if not bare and (
        (_SURPRISE_RE.search(text) is None and not _shouted(text))
        or is_quarrel(text)
        or _is_repair(text)
    ):
        return False
    return (
        _BAD_NEWS_RE.search(text) is None
        and _LAUGH_RE.search(text) is None
        and _WARM_EMOJI_RE.search(text) is None
        and (text.isascii() or not _signed_emoji(text))
    )


def _signed_emoji(text: str) -> bool:
    """Whether ``text`` holds an emoji whose valence is set (|v| >= 0.5), not 😭 or 😱."""
    return any(ch in EMOJI and ch not in _OPEN_EMOJI and abs(EMOJI[ch][0]) >= 0.5 for ch in text)


def read_reactions(texts: Sequence[str], vad: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Readings with each surprise reaction's valence taken from the lines after it.

    Parameters
    ----------
    texts : sequence of str
        The messages, in order.
    vad : ndarray, shape (n, 3)
        Their readings (in context), on -1..1.
    weights : ndarray, shape (n,)
        How much each message counts.

    Returns
    -------
    ndarray, shape (n, 3)
        A copy; a reaction's valence is the weighted mean valence of the next
        :data:`AFTER` messages that are not reactions themselves (halving every
        :data:`HALF_LIFE` messages), at least :data:`REACTION_VALENCE` in its direction when
        that mean is :data:`LEAN_MIN` or more from neutral. A reaction with no such line
        after it keeps its reading.
    """
    out = np.array(vad, dtype=np.float64, copy=True)
    flags = [is_reaction(t) for t in texts]
    if not any(flags):
        return out
    n = len(texts)
    valence = out[:, 0].tolist()
    w = np.asarray(weights, dtype=np.float64).tolist()
    for i in (i for i, f in enumerate(flags) if f):
        num = den = 0.0
        for j in range(i + 1, min(n, i + 1 + AFTER)):
            if not flags[j]:
                k = w[j] * 0.5 ** ((j - i - 1) / HALF_LIFE)
                num, den = num + k * valence[j], den + k
        if den == 0.0:
            continue
        lean = num / den
        if abs(lean) >= LEAN_MIN:
            lean = max(lean, REACTION_VALENCE) if lean > 0 else min(lean, -REACTION_VALENCE)
        out[i, 0] = lean
    return out
