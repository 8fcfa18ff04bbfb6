"""WhatsApp "Export chat" text (Android ``ts - name: text`` and iOS ``[ts] name: text``).

The day/month order is inferred from the whole file: a value above 12 in either position
settles it; otherwise the order that keeps the dates non-decreasing wins; on a tie, a ``/``
file with AM/PM is read month-first (US) and anything else day-first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from composer.chat.collect import Collector
from composer.chat.model import Chat

_DATE = r"(?P<d1>[0-9]{1,4})(?P<sep>[./-])(?P<d2>[0-9]{1,2})(?P=sep)(?P<d3>[0-9]{1,4})\.?"
_TIME = (
    r"(?P<h>[0-9]{1,2})[:.](?P<mi>[0-9]{2})(?:[:.](?P<s>[0-9]{2}))?"
    # Before AM/PM newer exports put U+202F, which a legacy code page saves as "?".
    r"(?:[\s?]?(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
)
_BETWEEN = r"(?:,\s*|\s+klo\s+|\s+)"
ANDROID_RE = re.compile(rf"{_DATE}{_BETWEEN}{_TIME}\s[-–]\s(?P<rest>.*)")
IOS_RE = re.compile(rf"\[{_DATE}{_BETWEEN}{_TIME}\]\s(?P<rest>.*)")

_LEADING_MARKS = "\u200e\u200f\ufeff"
_MAX_AUTHOR = 80

# Placeholders WhatsApp writes instead of what someone said.
_PLACEHOLDER_RE = re.compile(
    r"<media omitted>|null|this message was deleted\.?|you deleted this message\.?"
    r"|waiting for this message\. this may take a while\.?"
    r"|missed (?:voice|video|group voice|group video) call"
    r"|<attached: [^>]*>"
    r"|(?:.* )?(?:image|video|audio|sticker|gif|document|contact card|video note) omitted"
    r"|messages and calls are end-to-end encrypted\..*"
    r"|messages to this group are now secured with end-to-end encryption\..*",
    re.IGNORECASE,
)
_QUOTES_RE = re.compile('["“”«»]')
_EDITED_SUFFIX = "<This message was edited>"
_FILE_ATTACHED_RE = re.compile(r".{1,200} \(file attached\)\s*")


@dataclass(slots=True)
class _Pending:
    author: str | None
    date: tuple[str, str, str, str]
    clock: tuple[int, int, int]
    twelve_hour: bool
    lines: list[str] = field(default_factory=list)
    skip: bool = False


def match_header(line: str) -> re.Match[str] | None:
    """The WhatsApp timestamp header at the start of ``line``, if there is one."""
    line = line.lstrip(_LEADING_MARKS)
    return ANDROID_RE.match(line) or IOS_RE.match(line)


def parse(text: str, sink: Collector, title: str | None = None) -> Chat:
    """Read a WhatsApp export; system lines and media placeholders are skipped."""
    pending: list[_Pending] = []
    current: _Pending | None = None
    for raw in text.split("\n"):
        line = raw.lstrip(_LEADING_MARKS)
        marked = len(line) != len(raw)
        m = ANDROID_RE.match(line) or IOS_RE.match(line)
        if m is None:
            if current is not None:
                current.lines.append(raw)
            continue
        author, body = _split_author(m.group("rest"))
        current = _Pending(
            author=author,
            date=(m.group("d1"), m.group("d2"), m.group("d3"), m.group("sep")),
            clock=_clock(m),
            twelve_hour=bool(m.group("ampm")),
            lines=[body],
            skip=marked or author is None or (body[:1] != "" and body[0] in _LEADING_MARKS),
        )
        pending.append(current)
    order = _date_order([p.date for p in pending], any(p.twelve_hour for p in pending))
    for p in pending:
        if p.skip:
            continue
        body = _clean_body("\n".join(p.lines))
        if body:
            sink.add(p.author, body, _datetime(p.date, p.clock, order))
    return sink.chat("whatsapp", title)


def _split_author(rest: str) -> tuple[str | None, str]:
    """``("name", "text")``, or ``(None, rest)`` for a system line without an author."""
    author, sep, body = rest.partition(": ")
    if not sep:
        if rest.endswith(":") and 0 < len(rest) <= _MAX_AUTHOR:
            return rest[:-1], ""
        return None, rest
    if not author.strip() or len(author) > _MAX_AUTHOR or _QUOTES_RE.search(author):
        return None, rest
    # Newer exports mark people who are not in the address book as "~ Name".
    return author.lstrip("~\u202f ") or author, body


def _clean_body(body: str) -> str:
    body = body.rstrip()
    if body.endswith(_EDITED_SUFFIX):
        body = body[: -len(_EDITED_SUFFIX)].rstrip().rstrip(_LEADING_MARKS)
    body = body.strip()
    first, _, others = body.partition("\n")
    if "(file attached)" in first and _FILE_ATTACHED_RE.fullmatch(first):
        body = others.strip()
    if _PLACEHOLDER_RE.fullmatch(body.strip().lstrip(_LEADING_MARKS)):
        return ""
    return body


def _clock(m: re.Match[str]) -> tuple[int, int, int]:
    """``(hour, minute, second)`` on a 24-hour clock."""
    hour, minute = int(m.group("h")), int(m.group("mi"))
    second = int(m.group("s") or 0)
    ampm = (m.group("ampm") or "").lower()
    if ampm:
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
    return hour, minute, second


def _date_order(dates: list[tuple[str, str, str, str]], twelve_hour: bool) -> str:
    """``"ymd"``, ``"dmy"`` or ``"mdy"`` for the whole file."""
    if not dates:
        return "dmy"
    if all(len(d[0]) == 4 for d in dates):
        return "ymd"
    firsts = [int(d[0]) for d in dates if len(d[0]) < 4]
    seconds = [int(d[1]) for d in dates if len(d[0]) < 4]
    first_big, second_big = max(firsts) > 12, max(seconds) > 12
    if first_big != second_big:
        return "dmy" if first_big else "mdy"
    dmy_drops = _drops(dates, "dmy")
    mdy_drops = _drops(dates, "mdy")
    if dmy_drops != mdy_drops:
        return "dmy" if dmy_drops < mdy_drops else "mdy"
    return "mdy" if dates[0][3] == "/" and twelve_hour else "dmy"


def _drops(dates: list[tuple[str, str, str, str]], order: str) -> int:
    """How often the date goes backwards (or is impossible) when read in ``order``."""
    drops = 0
    last: datetime | None = None
    for date in dates:
        day = _day(date, order)
        if day is None:
            drops += 1
            continue
        if last is not None and day < last:
            drops += 1
        last = day
    return drops


def _day(date: tuple[str, str, str, str], order: str) -> datetime | None:
    a, b, c = date[0], date[1], date[2]
    if len(a) == 4:
        y, mo, d = a, b, c
    elif order == "mdy":
        mo, d, y = a, b, c
    else:
        d, mo, y = a, b, c
    year = int(y) + 2000 if len(y) <= 2 else int(y)
    try:
        return datetime(year, int(mo), int(d))
    except ValueError:
        return None


def _datetime(
    date: tuple[str, str, str, str], clock: tuple[int, int, int], order: str
) -> datetime | None:
    day = _day(date, order)
    if day is None:
        return None
    hour, minute, second = clock
    try:
        return day.replace(hour=hour, minute=minute, second=second)
    except ValueError:
        return None
