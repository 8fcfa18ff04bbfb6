"""Telegram Desktop ``result.json``: one chat, or the whole-account export wrapper.

Service messages (calls, joins, pins) and messages without text (stickers, media without a
caption) are skipped. A whole-account export yields every chat's messages, chat after chat.
"""

from __future__ import annotations

from typing import Any

from composer.chat.collect import Collector
from composer.chat.model import Chat
from composer.chat.times import epoch_datetime, iso_datetime

CHAT_TYPES = frozenset(
    {
        "personal_chat",
        "private_group",
        "private_supergroup",
        "public_supergroup",
        "private_channel",
        "public_channel",
        "saved_messages",
        "bot_chat",
    }
)
_MESSAGE_KEYS = ("from", "from_id", "date_unixtime", "text_entities")


def looks_like(obj: object) -> bool:
    """True for a Telegram single-chat or whole-account export (parsed JSON)."""
    if not isinstance(obj, dict):
        return False
    chats = obj.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return True
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return False
    kind = obj.get("type")
    if isinstance(kind, str) and kind in CHAT_TYPES:
        return True
    first = next((m for m in messages if isinstance(m, dict)), None)
    return first is not None and any(k in first for k in _MESSAGE_KEYS) and "author" not in first


def parse(obj: object, sink: Collector) -> Chat:
    """Read a parsed ``result.json``."""
    chats = _chats(obj)
    for chat in chats:
        messages = chat.get("messages")
        if not isinstance(messages, list):
            continue
        for message in messages:
            if isinstance(message, dict):
                _add(message, sink)
    title = None
    if len(chats) == 1 and isinstance(chats[0].get("name"), str):
        title = chats[0]["name"]
    return sink.chat("telegram", title)


def _chats(obj: object) -> list[dict[str, Any]]:
    if not isinstance(obj, dict):
        return []
    wrapper = obj.get("chats")
    if isinstance(wrapper, dict) and isinstance(wrapper.get("list"), list):
        return [c for c in wrapper["list"] if isinstance(c, dict)]
    return [obj]


def _add(message: dict[str, Any], sink: Collector) -> None:
    if message.get("type", "message") != "message":
        return
    text = _text(message.get("text"))
    if not text.strip():
        text = _text(message.get("text_entities"))
    speaker = message.get("from")
    if not isinstance(speaker, str) or not speaker.strip():
        speaker = message.get("from_id") if isinstance(message.get("from_id"), str) else None
    time = iso_datetime(message.get("date")) or epoch_datetime(message.get("date_unixtime"))
    sink.add(speaker, text, time)


def _text(value: object) -> str:
    """Join a ``text`` that is a string or a list of strings and ``{"text": ...}`` runs."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    parts: list[str] = []
    for run in value:
        if isinstance(run, str):
            parts.append(run)
        elif isinstance(run, dict) and isinstance(run.get("text"), str):
            parts.append(run["text"])
    return "".join(parts)
