"""Chat cues that word models miss: emoji, emoticons, "!!!", ALL CAPS, "soooo", laughter.

:func:`cue_features` reads one text into a small VAD offset plus the emoji/emoticon
readings found in it; both the fallback lexicon and the trained model add them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Emoji (first code point) -> (valence, arousal, dominance).
EMOJI: dict[str, tuple[float, float, float]] = {
    "😀": (0.8, 0.5, 0.3), "😃": (0.8, 0.55, 0.3), "😄": (0.85, 0.55, 0.3),
    "😁": (0.8, 0.6, 0.3), "😆": (0.8, 0.7, 0.3), "😂": (0.7, 0.75, 0.25),
    "🤣": (0.75, 0.8, 0.25), "😊": (0.8, 0.2, 0.3), "🙂": (0.45, -0.1, 0.2),
    "😍": (0.9, 0.6, 0.25), "🥰": (0.9, 0.4, 0.25), "😘": (0.8, 0.4, 0.25),
    "😉": (0.55, 0.3, 0.35), "😎": (0.6, 0.2, 0.6), "🤩": (0.9, 0.8, 0.35),
    "🥳": (0.9, 0.85, 0.4), "🎉": (0.85, 0.8, 0.4), "🎊": (0.8, 0.75, 0.35),
    "🥂": (0.75, 0.55, 0.35), "🍾": (0.75, 0.7, 0.35), "❤": (0.85, 0.35, 0.25),
    "💕": (0.85, 0.4, 0.2), "💖": (0.85, 0.45, 0.2), "💗": (0.85, 0.45, 0.2),
    "💙": (0.75, 0.25, 0.2), "💜": (0.75, 0.25, 0.2), "🧡": (0.75, 0.25, 0.2),
    "💛": (0.75, 0.25, 0.2), "💚": (0.75, 0.25, 0.2), "😻": (0.85, 0.55, 0.2),
    "👍": (0.55, 0.05, 0.35), "👏": (0.7, 0.5, 0.35), "🙌": (0.8, 0.65, 0.4),
    "💪": (0.65, 0.55, 0.75), "🔥": (0.55, 0.8, 0.45), "✨": (0.65, 0.35, 0.25),
    "🌞": (0.7, 0.3, 0.3), "☀": (0.65, 0.25, 0.3), "🤗": (0.8, 0.35, 0.25),
    "🙏": (0.45, -0.1, -0.1), "😌": (0.55, -0.55, 0.25), "😴": (-0.05, -0.85, -0.2),
    "🥱": (-0.25, -0.8, -0.2), "😐": (-0.15, -0.45, 0.0), "😑": (-0.3, -0.3, 0.05),
    "🙄": (-0.45, 0.2, 0.2), "😏": (0.2, 0.25, 0.45), "😒": (-0.5, 0.05, 0.1),
    "😔": (-0.6, -0.4, -0.4), "😞": (-0.65, -0.35, -0.45), "😟": (-0.55, 0.35, -0.45),
    "😢": (-0.75, 0.2, -0.5), "😭": (-0.8, 0.6, -0.55), "🥺": (-0.35, 0.2, -0.5),
    "😥": (-0.55, 0.2, -0.4), "😓": (-0.5, 0.25, -0.35), "😩": (-0.65, 0.45, -0.5),
    "😫": (-0.65, 0.5, -0.5), "😖": (-0.65, 0.5, -0.45), "😣": (-0.6, 0.45, -0.4),
    "💔": (-0.85, 0.3, -0.5), "😠": (-0.75, 0.8, 0.35), "😡": (-0.85, 0.9, 0.4),
    "🤬": (-0.9, 0.95, 0.4), "👿": (-0.7, 0.75, 0.4), "😤": (-0.55, 0.75, 0.45),
    "😨": (-0.7, 0.75, -0.6), "😰": (-0.7, 0.75, -0.6), "😱": (-0.6, 0.9, -0.55),
    "😬": (-0.35, 0.45, -0.3), "😳": (-0.1, 0.6, -0.35), "🤯": (-0.1, 0.9, -0.3),
    "😮": (0.05, 0.6, -0.15), "😲": (0.05, 0.7, -0.2), "🤔": (0.0, 0.1, 0.05),
    "🤢": (-0.75, 0.4, -0.2), "🤮": (-0.8, 0.55, -0.2), "😷": (-0.45, -0.2, -0.35),
    "🤒": (-0.55, -0.2, -0.4), "👎": (-0.6, 0.2, 0.15), "💀": (0.35, 0.6, 0.0),
    "🖤": (0.3, 0.1, 0.15), "🌧": (-0.35, -0.3, -0.2), "⚡": (0.1, 0.75, 0.3),
}  # fmt: skip

# ASCII emoticons -> (valence, arousal, dominance). Matched as whole tokens.
EMOTICONS: dict[str, tuple[float, float, float]] = {
    ":)": (0.6, 0.15, 0.25), ":-)": (0.6, 0.15, 0.25), "(:": (0.6, 0.15, 0.25),
    ":]": (0.55, 0.1, 0.25), "=)": (0.55, 0.15, 0.25), ":d": (0.8, 0.6, 0.3),
    ":-d": (0.8, 0.6, 0.3), "xd": (0.75, 0.7, 0.25), ";)": (0.55, 0.3, 0.35),
    ";-)": (0.55, 0.3, 0.35), ":p": (0.5, 0.4, 0.25), ":-p": (0.5, 0.4, 0.25),
    "<3": (0.85, 0.35, 0.25), ":(": (-0.6, 0.0, -0.35), ":-(": (-0.6, 0.0, -0.35),
    "):": (-0.6, 0.0, -0.35), ":'(": (-0.75, 0.3, -0.5), ":/": (-0.35, 0.05, -0.1),
    ":-/": (-0.35, 0.05, -0.1), ":|": (-0.2, -0.3, 0.0), "</3": (-0.85, 0.3, -0.5),
    ">:(": (-0.8, 0.8, 0.35), "d:": (-0.6, 0.6, -0.4), ":o": (0.0, 0.65, -0.2),
}  # fmt: skip

_EMOTICON_RE = re.compile(
    r"(?:(?<=\s)|^)("
    + "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True))
    + r")(?=\s|$|[.,!?])",
    re.IGNORECASE,
)
_LAUGH_RE = re.compile(
    r"\b(?:a?(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}|lo+l+|lmf?ao+|rofl|kek|(?:ja){2,}j?)\b",
    re.IGNORECASE,
)
_ELONG_RE = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")
_EXCLAIM_RE = re.compile(r"!+")
_CAPS_RE = re.compile(r"[A-Z][A-Z']")
# Phrases of a quarrel: chat arguments are terse, and a model trained on edited prose
# reads "You always have a deadline." as calm. Each hit pushes arousal up.
_CONFLICT_RE = re.compile(
    r"\byou (?:always|never|don'?t even|didn'?t even|said)\b|^\s*whatever\b|\bnot fair\b"
    r"|\b(?:how|why) (?:could|would|didn'?t|don'?t|can'?t) you\b|\bwhere were you\b"
    r"|\bi told you\b|\bstop (?:it|that|ignoring|yelling|lying|shouting)\b|\bleave me alone\b"
    r"|\bshut up\b|\bare you (?:kidding|serious)\b|\bi can'?t believe you\b"
    r"|\bi'?m (?:not doing this|done with)\b|\bforget it\b|\b(?:my|your) fault\b"
    r"|\bseriously\?",
    re.IGNORECASE,
)
# Every phrase above contains one of these: lines without any skip the regex.
_CONFLICT_KEYS = (
    "you", "whatever", "fair", "stop", "leave me", "shut up", "doing this", "done with",
    "forget it", "fault", "seriously?",
)  # fmt: skip
_LAUGH_KEYS = ("haha", "hehe", "hihi", "lol", "loo", "lmao", "lmfao", "rofl", "kek", "jaja")
_EMOJI_RE = re.compile("[" + "".join(re.escape(ch) for ch in EMOJI) + "]")
_NOT_SHOUTING = frozenset({"AM", "PM", "US", "UK", "EU", "UN", "TV", "AP", "ID", "OK", "DJ", "PC"})


@dataclass(frozen=True, slots=True)
class Cues:
    """What the surface of a chat line says, beyond its words.

    Attributes
    ----------
    icons : tuple of (v, a, d)
        Readings of the emoji and emoticons found (each counted, up to 3 of a kind).
    offset : (v, a, d)
        Additive shift from punctuation, capitals, elongation and laughter.
    gain : float
        Factor (≥ 1) to strengthen the words' reading: "!!!" and "soooo" intensify.
    """

    icons: tuple[tuple[float, float, float], ...]
    offset: tuple[float, float, float]
    gain: float


def _icons(text: str, low: str) -> list[tuple[float, float, float]]:
    found: list[tuple[float, float, float]] = []
    counts: dict[str, int] = {}
    if not text.isascii():  # every emoji is outside ASCII: most lines skip the scan
        for m in _EMOJI_RE.finditer(text):
            ch = m.group()
            counts[ch] = counts.get(ch, 0) + 1
            if counts[ch] <= 3:
                found.append(EMOJI[ch])
    # Every emoticon holds one of ":;=<" or is "xd" (any case): a cheap test first.
    if _maybe_emoticon(text, low):
        for m in _EMOTICON_RE.finditer(text):
            found.append(EMOTICONS[m.group(1).lower()])
    return found


def _maybe_emoticon(text: str, low: str) -> bool:
    return ":" in text or ";" in text or "=" in text or "<" in text or "xd" in low


def _laughs(text: str, low: str) -> int:
    """How many laughter tokens ("haha", "lol", "lmao") the text holds (``low``: lower-cased)."""
    if not any(k in low for k in _LAUGH_KEYS):  # cheap test before the regex
        return 0
    return len(_LAUGH_RE.findall(text))


def is_quarrel(text: str) -> bool:
    """Whether ``text`` has a quarrel phrase ("you always", "whatever.", "not fair")."""
    low = text.lower()
    return any(k in low for k in _CONFLICT_KEYS) and _CONFLICT_RE.search(text) is not None


def _conflict(text: str, low: str) -> float:
    """Arousal offset for quarrel phrases ("you always", "whatever.", "not fair")."""
    if not any(k in low for k in _CONFLICT_KEYS):  # cheap test before the slow regex
        return 0.0
    hits = len(_CONFLICT_RE.findall(text))
    return min(0.18 * hits, 0.3)


def _shouting(text: str) -> tuple[float, float, float]:
    """Arousal and dominance offsets and a gain for words in capitals ("GUESS WHAT")."""
    if not _CAPS_RE.search(text):  # a shouted word has two capitals (or "I'M") in a row
        return 0.0, 0.0, 1.0
    words = _WORD_RE.findall(text)
    shouted = sum(1 for w in words if len(w) >= 2 and w.isupper() and w not in _NOT_SHOUTING)
    # One capitalised word, or a few acronyms in a sentence ("the JCC and the AP"), is not shouting.
    if shouted < 2 or shouted < 0.5 * len(words):
        return 0.0, 0.0, 1.0
    frac = shouted / len(words)
    return 0.35 * min(1.0, frac + 0.2), 0.15 * frac, 1.0 + 0.2 * frac


def cue_features(text: str, unseen_only: bool = False) -> Cues:
    """Read the chat cues of one text.

    Parameters
    ----------
    text : str
        One message.
    unseen_only : bool
        Only the cues a lower-cased word-piece model cannot see: emoji, emoticons and
        capitals (it reads "!!!", "soooo" and "haha" itself).

    Returns
    -------
    Cues
        Emoji/emoticon readings, an additive VAD offset and an intensity gain.
    """
    v = a = d = 0.0
    gain = 1.0
    low = text.lower()
    if unseen_only:
        a, d, gain = _shouting(text)
        # The model already reads the words' own arousal: a smaller push than for the word list.
        a = 0.6 * a + _conflict(text, low)
        # Laughter: models trained on edited prose barely know "haha" or "lol".
        laughs = _laughs(text, low)
        v = min(0.2 * laughs, 0.3)
        a += min(0.1 * laughs, 0.2)
        return Cues(icons=tuple(_icons(text, low)), offset=(v, a, 0.6 * d), gain=gain)
    bangs = sum(len(m) for m in _EXCLAIM_RE.findall(text))
    if bangs:
        a += min(0.12 * bangs, 0.4)
        gain += min(0.1 * bangs, 0.3)
    if "?" in text:
        d -= 0.05
        if "?!" in text or "!?" in text:
            a += 0.1
    a += _conflict(text, low)
    da, dd, dg = _shouting(text)
    a, d, gain = a + da, d + dd, gain + dg - 1.0
    if _ELONG_RE.search(text):
        a += 0.12
        gain += 0.15
    laughs = _laughs(text, low)
    if laughs:
        v += min(0.35 * laughs, 0.5)
        a += min(0.25 * laughs, 0.4)
    if "..." in text or "…" in text:
        a -= 0.1
        v -= 0.05
    return Cues(icons=tuple(_icons(text, low)), offset=(v, a, d), gain=gain)
