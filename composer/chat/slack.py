"""Slack workspace export: a zip of ``users.json`` plus ``<channel>/<YYYY-MM-DD>.json`` files.

Messages of every channel are merged and ordered by ``ts``. Speakers are resolved through
``users.json`` (``real_name``, then ``profile.real_name``, ``profile.display_name``,
``name``), falling back to the message's own ``user_profile``. Mentions ``<@U…>`` become
``@Name``, links ``<url|label>`` become their label, and ``&amp; &lt; &gt;`` are decoded.
Joins, topic changes, bot messages and other subtypes are skipped. A single day file (a
JSON array of messages) is read too, with names from ``user_profile`` only.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from typing import Any

from composer.chat.archive import SafeZip
from composer.chat.collect import Collector
from composer.chat.decode import decode
from composer.chat.model import Chat
from composer.chat.times import epoch_datetime
from composer.errors import InputError

DAY_FILE_RE = re.compile(r"(?:.*/)?(?P<channel>[^/]+)/[0-9]{4}-[0-9]{2}-[0-9]{2}\.json")
_SPOKEN_SUBTYPES = frozenset({"", "thread_broadcast", "me_message", "file_share"})
_ANGLE_RE = re.compile(r"<([^<>\n]{1,500})>")


def looks_like_zip(names: tuple[str, ...]) -> bool:
    """True when zip member names look like a Slack export."""
    return any(DAY_FILE_RE.fullmatch(n) for n in names) or any(
        posixpath.basename(n) == "users.json" for n in names
    )


def looks_like_json(obj: object) -> bool:
    """True for one Slack day file (a JSON array of messages with ``ts``)."""
    if not isinstance(obj, list):
        return False
    first = next((m for m in obj if isinstance(m, dict)), None)
    return first is not None and "ts" in first and ("text" in first or "type" in first)


def parse_zip(archive: SafeZip, sink: Collector) -> Chat:
    """Read a Slack export from an opened archive."""
    names = archive.names
    users: dict[str, str] = {}
    users_files = sorted((n for n in names if posixpath.basename(n) == "users.json"), key=len)
    if users_files:
        users = _user_names(_load(archive, users_files[0]))
    found: list[tuple[float, int, dict[str, Any]]] = []
    channels: set[str] = set()
    for name in sorted(names):
        day = DAY_FILE_RE.fullmatch(name)
        if day is None:
            continue
        channels.add(day.group("channel"))
        _gather(_load(archive, name), found)
    _emit(found, users, sink)
    return sink.chat("slack", next(iter(channels)) if len(channels) == 1 else None)


def parse_json(obj: object, sink: Collector) -> Chat:
    """Read one Slack day file (parsed JSON array)."""
    if not isinstance(obj, list):
        raise InputError("this JSON is not a Slack export: expected an array of messages")
    found: list[tuple[float, int, dict[str, Any]]] = []
    _gather(obj, found)
    _emit(found, {}, sink)
    return sink.chat("slack")


def _load(archive: SafeZip, name: str) -> object:
    text = decode(archive.read(name))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON in {name!r}: {exc.msg} at line {exc.lineno}") from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(f"malformed JSON in {name!r}") from exc


def _user_names(obj: object) -> dict[str, str]:
    names: dict[str, str] = {}
    if not isinstance(obj, list):
        return names
    for user in obj:
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            continue
        profile = user.get("profile")
        if not isinstance(profile, dict):
            profile = {}
        for value in (
            user.get("real_name"),
            profile.get("real_name"),
            profile.get("display_name"),
            user.get("name"),
        ):
            if isinstance(value, str) and value.strip():
                names[user["id"]] = value
                break
    return names


def _gather(obj: object, found: list[tuple[float, int, dict[str, Any]]]) -> None:
    if not isinstance(obj, list):
        return
    for message in obj:
        if not isinstance(message, dict) or message.get("type", "message") != "message":
            continue
        subtype = message.get("subtype") or ""
        if not isinstance(subtype, str) or subtype not in _SPOKEN_SUBTYPES:
            continue
        found.append((_ts(message.get("ts")), len(found), message))


def _ts(value: object) -> float:
    try:
        ts = float(value) if isinstance(value, (str, int, float)) else math.inf
    except (ValueError, OverflowError):
        return math.inf
    return ts if math.isfinite(ts) else math.inf


def _emit(
    found: list[tuple[float, int, dict[str, Any]]], users: dict[str, str], sink: Collector
) -> None:
    found.sort(key=lambda item: (item[0], item[1]))
    for _, _, message in found:
        text = message.get("text")
        if not isinstance(text, str):
            continue
        speaker = _speaker(message, users)
        sink.add(speaker, render(text, users), epoch_datetime(message.get("ts")))


def _speaker(message: dict[str, Any], users: dict[str, str]) -> str | None:
    user = message.get("user")
    if isinstance(user, str) and user in users:
        return users[user]
    profile = message.get("user_profile")
    if isinstance(profile, dict):
        for key in ("real_name", "display_name", "name"):
            value = profile.get(key)
            if isinstance(value, str) and value.strip():
                return value
    for value in (message.get("username"), user):
        if isinstance(value, str) and value.strip():
            return value
    return None


def render(text: str, users: dict[str, str]) -> str:
    """Slack mrkdwn to plain text: mentions, channels, links, then HTML escapes."""

    def replace(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (users.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = label or target[1:].split("^")[0]
            return special if special.startswith("@") else "@" + special
        return label or target.removeprefix("mailto:")

    text = _ANGLE_RE.sub(replace, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
