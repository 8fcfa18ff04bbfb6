"""DiscordChatExporter (Tyrrrz) exports: JSON and CSV.

JSON speakers are the author's ``nickname``, falling back to ``name``; CSV only has the
``Author`` column (the user name, with an old ``#1234`` discriminator removed). System
messages (joins, pins, calls...) and messages with no text (attachment or sticker only) are
skipped. Timestamps keep the wall time as written and drop the offset.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

from composer.chat.collect import Collector
from composer.chat.model import Chat
from composer.chat.times import iso_datetime
from composer.errors import InputError

_SPOKEN_TYPES = frozenset({"Default", "Reply", "ThreadStarterMessage"})
_DISCRIMINATOR_RE = re.compile(r"#[0-9]{4}$")
# Date formats older exporter versions and locales wrote into the CSV ``Date`` column.
_CSV_DATE_FORMATS = (
    "%d-%b-%y %I:%M %p",
    "%d-%b-%y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
CSV_HEADER_RE = re.compile(r"\s*\"?authorid\"?\s*,\s*\"?author\"?\s*,", re.IGNORECASE)


def looks_like_json(obj: object) -> bool:
    """True for a DiscordChatExporter JSON export (parsed JSON)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
        return False
    if "guild" in obj or "channel" in obj:
        return True
    first = next((m for m in obj["messages"] if isinstance(m, dict)), None)
    return first is not None and "author" in first and "content" in first


def parse_json(obj: object, sink: Collector) -> Chat:
    """Read a parsed DiscordChatExporter JSON export."""
    messages = obj.get("messages") if isinstance(obj, dict) else None
    if not isinstance(messages, list):
        raise InputError("this JSON is not a Discord export: it has no 'messages' list")
    for message in messages:
        if isinstance(message, dict):
            _add_json(message, sink)
    channel = obj.get("channel") if isinstance(obj, dict) else None
    title = channel.get("name") if isinstance(channel, dict) else None
    return sink.chat("discord-json", title if isinstance(title, str) else None)


def _add_json(message: dict[str, Any], sink: Collector) -> None:
    kind = message.get("type", "Default")
    if not isinstance(kind, str) or kind not in _SPOKEN_TYPES:
        return
    content = message.get("content")
    if not isinstance(content, str):
        return
    author = message.get("author")
    speaker = None
    if isinstance(author, dict):
        for key in ("nickname", "name"):
            value = author.get(key)
            if isinstance(value, str) and value.strip():
                speaker = value
                break
    sink.add(speaker, content, iso_datetime(message.get("timestamp")))


def parse_csv(text: str, sink: Collector) -> Chat:
    """Read a DiscordChatExporter CSV export (header ``AuthorID,Author,Date,Content,...``)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        columns = _columns(header)
        for row in reader:
            if len(row) <= max(columns):
                continue
            author = _DISCRIMINATOR_RE.sub("", row[columns[0]])
            sink.add(author, row[columns[2]], _csv_date(row[columns[1]]))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {' '.join(str(exc).split())[:120]}") from exc
    return sink.chat("discord-csv")


def _columns(header: list[str] | None) -> tuple[int, int, int]:
    """Indices of the Author, Date and Content columns."""
    names = [h.strip().lstrip("\ufeff").lower() for h in header or []]
    try:
        return names.index("author"), names.index("date"), names.index("content")
    except ValueError:
        raise InputError(
            "this CSV is not a Discord export: the header needs Author, Date and Content"
        ) from None


def _csv_date(value: str) -> datetime | None:
    value = value.strip()
    parsed = iso_datetime(value)
    if parsed is not None or not value or len(value) > 40:
        return parsed
    for pattern in _CSV_DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None
