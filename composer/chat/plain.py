"""Plain transcripts: ``Name: text``, ``[HH:MM] Name: text``, IRC ``<nick> text``, or prose.

A line is a speaker line when its name looks like a name: one token (``noor``, ``xX_kid``,
``ALL``), a token wrapped in ``#`` (``#ALL#``, read as ``ALL``), or up to four words that
each start with a capital or digit, joined by particles or ``and``/``&``/``+``/``/``
(``Dr. Jane Smith``, ``Ross and Rachel``, ``Mom & Dad``), and is not a label such as
``Note`` or ``PS``. So a speaker who has not spoken before still starts a new message. In a
transcript, a name that fails those rules (``mom and dad``) but opens two or more lines
is a speaker too. When at least half the non-blank lines are speaker lines (or one name
recurs), the text is a transcript: a following line without a speaker continues the
message (``Note: ...`` and ``then she said: ...`` stay text); after a blank line it starts
a new message by the last speaker.
Otherwise the text is prose (a described moment) and each paragraph becomes one message
by :data:`~composer.chat.collect.UNKNOWN_SPEAKER`. ``[HH:MM]`` stamps become times on
1900-01-01.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from composer.chat.collect import Collector, strip_text
from composer.chat.model import Chat
from composer.chat.times import time_of_day

_STAMP = r"(?:\[?(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?\]?\s+)?"
_IRC_RE = re.compile(_STAMP + r"<[@+%&~]?(?P<name>[^<>\s]{1,40})>\s?(?P<text>.*)")
_NAME_RE = re.compile(
    _STAMP
    + r"(?:#(?P<tag>[^\s#:][^#:\n]{0,38})#"
    + r"|(?P<name>[^\s:<>\[\]{}()\"'#*\-][^:\n]{0,39}?)):\s+(?P<text>\S.*)"
)
_SYSTEM_RE = re.compile(r"(?:\[?[0-9:]{4,8}\]?\s+)?(?:-!-|\*\*\*|--[<>]?|<--|-->)\s")
_PARTICLES = frozenset({"al", "bin", "da", "de", "del", "der", "di", "du", "el", "la", "le"})
_PARTICLES |= frozenset({"van", "von", "y", "zu"})
# Words that join two speakers' names ("Ross and Rachel", "Mom & Dad", "Ana + Ben").
_JOINERS = frozenset({"and", "&", "+", "/", "n", "or", "und", "et"})
_LABELS = frozenset(
    {
        "note",
        "nb",
        "ps",
        "p.s.",
        "pps",
        "edit",
        "update",
        "re",
        "fwd",
        "fw",
        "subject",
        "warning",
        "caution",
        "tip",
        "reminder",
        "todo",
        "tl;dr",
        "tldr",
        "example",
        "e.g.",
        "q",
        "a",
        "answer",
        "question",
        "date",
        "time",
        "from",
        "to",
        "cc",
        "title",
        "summary",
        "also",
        "important",
        "btw",
        "fyi",
        "psa",
        "disclaimer",
        "source",
        "spoiler",
        "spoilers",
        "context",
        "hint",
        "location",
        "address",
        "link",
    }
)


@dataclass(frozen=True, slots=True)
class _Line:
    speaker: str | None
    text: str
    time: datetime | None


def speaker_line(line: str) -> _Line | None:
    """The speaker, text and time of ``line`` when it is a speaker line, else None."""
    m = _IRC_RE.fullmatch(line)
    if m is not None:
        return _found(m, m.group("name"))
    m = _NAME_RE.fullmatch(line)
    if m is None:
        return None
    if m.group("tag") is not None:
        name = m.group("tag").strip()
        return _found(m, name) if name and len(name.split()) <= 4 else None
    return _found(m, m.group("name")) if _is_name(m.group("name")) else None


def loose_line(line: str) -> _Line | None:
    """``line`` as ``name: text`` for any short name that is not a label, else None."""
    m = _NAME_RE.fullmatch(line)
    if m is None or m.group("name") is None:
        return None
    name = m.group("name")
    words = name.split(" ")
    if name != name.strip() or len(words) > 4 or "" in words or _is_label(name):
        return None
    return _found(m, name)


def _found(m: re.Match[str], name: str) -> _Line:
    time = None
    if m.group("h") is not None:
        time = time_of_day(int(m.group("h")), int(m.group("m")), int(m.group("s") or 0))
        if time is not None and time.day != 1:
            time = None
    return _Line(name, m.group("text"), time)


def _is_label(name: str) -> bool:
    return name.lower().rstrip(".") in _LABELS or name.lower() in _LABELS


def _is_name(name: str) -> bool:
    if name != name.strip() or _is_label(name):
        return False
    words = name.split(" ")
    if len(words) == 1:
        return True
    if len(words) > 4 or "" in words:
        return False
    if words[0].lower() in _JOINERS or words[-1].lower() in _JOINERS:
        return False
    return all(not w[0].islower() or w in _PARTICLES or w in _JOINERS for w in words)


def score(text: str, max_lines: int = 400) -> float:
    """Share of the first non-blank lines that are speaker lines (0 when none)."""
    lines = [line for line in text.split("\n")[: max_lines * 2] if line.strip()][:max_lines]
    if not lines:
        return 0.0
    return sum(1 for line in lines if speaker_line(strip_text(line)) is not None) / len(lines)


def parse(text: str, sink: Collector) -> Chat:
    """Read a plain transcript, or prose when it has no speaker lines."""
    lines = [strip_text(line) for line in text.split("\n")]  # RTL marks may lead a line
    parsed = [speaker_line(line) if line else None for line in lines]
    names = Counter(p.speaker for p in parsed if p is not None)
    nonblank = sum(1 for line in lines if line)
    spoken = sum(names.values())
    if spoken and (2 * spoken >= nonblank or max(names.values()) >= 2):
        _transcript(lines, _recurring(lines, parsed), sink)
    else:
        _prose(lines, sink)
    return sink.chat("plain")


def _recurring(lines: list[str], parsed: list[_Line | None]) -> list[_Line | None]:
    """``parsed`` plus the lines of loose names (:func:`loose_line`) that open two or more."""
    loose = [
        loose_line(line) if line and p is None else None
        for line, p in zip(lines, parsed, strict=True)
    ]
    counts = Counter(x.speaker for x in loose if x is not None)
    return [
        p if p is not None or x is None or counts[x.speaker] < 2 else x
        for p, x in zip(parsed, loose, strict=True)
    ]


def _transcript(lines: list[str], parsed: list[_Line | None], sink: Collector) -> None:
    speaker: str | None = None
    time: datetime | None = None
    parts: list[str] = []
    open_ = False  # True while lines still continue the current message

    def flush() -> None:
        if parts:
            sink.add(speaker, "\n".join(parts), time)
            parts.clear()

    for line, found in zip(lines, parsed, strict=True):
        if not line:
            open_ = False
            continue
        if _SYSTEM_RE.match(line):
            flush()
            open_ = False
            continue
        if found is not None:
            flush()
            speaker, time, open_ = found.speaker, found.time, True
            parts.append(found.text)
        elif open_:
            parts.append(line)
        else:
            flush()
            time, open_ = None, True
            parts.append(line)
    flush()


def _prose(lines: list[str], sink: Collector) -> None:
    paragraph: list[str] = []
    for line in [*lines, ""]:
        if line:
            paragraph.append(line)
        elif paragraph:
            sink.add(None, "\n".join(paragraph))
            paragraph.clear()
