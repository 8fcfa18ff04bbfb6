"""Recognising a chat format from content (the file name is only a tie-breaking hint)."""

from __future__ import annotations

import json
import posixpath
import re

from composer.chat import discord, plain, slack, subtitles, telegram, whatsapp
from composer.errors import InputError, UnknownFormatError

_SCAN_LINES = 400
_WHATSAPP_MIN_SHARE = 0.3
_PLAIN_MIN_SHARE = 0.5
_TEXT_MEMBER_EXTENSIONS = (".txt", ".json", ".csv", ".srt", ".vtt")
_WHATSAPP_TITLE_RE = re.compile(r"WhatsApp Chat (?:with|-) (.+)\.txt", re.IGNORECASE)


def load_json(text: str) -> object:
    """``json.loads`` with a one-line :class:`InputError` for malformed input."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise InputError("malformed JSON: it is nested too deeply or holds huge numbers") from exc


def classify_json(obj: object) -> str:
    """The format of parsed JSON, or :class:`UnknownFormatError`."""
    if discord.looks_like_json(obj):
        return "discord-json"
    if telegram.looks_like(obj):
        return "telegram"
    if slack.looks_like_json(obj):
        return "slack"
    raise UnknownFormatError(
        "this JSON is not a chat export I know "
        "(Telegram result.json, DiscordChatExporter JSON or a Slack day file)"
    )


def detect_text(text: str, hint: str | None = None) -> tuple[str, object]:
    """``(format, parsed JSON or None)`` for decoded text.

    Parameters
    ----------
    text : str
        Normalised text (``\\n`` line endings).
    hint : str or None
        A file name; only its extension is used, to tell a header-less VTT from SRT.
    """
    head = text.lstrip()
    if head[:1] in ("{", "["):
        try:
            obj = load_json(text)
        except InputError:
            found = _confident_text_format(text) if head[:1] == "[" else None
            if found is None:
                raise
            return found, None
        return classify_json(obj), obj
    first_line = head.split("\n", 1)[0]
    if discord.CSV_HEADER_RE.match(first_line):
        return "discord-csv", None
    if head.startswith("WEBVTT"):
        return "vtt", None
    lines = text.split("\n")
    if any(subtitles.TIMING_RE.match(line) for line in lines[:_SCAN_LINES]):
        return ("vtt" if _extension(hint) == ".vtt" else "srt"), None
    return _confident_text_format(text) or "plain", None


def _confident_text_format(text: str) -> str | None:
    """WhatsApp or a plain transcript with speakers, else None (prose is not confident)."""
    lines = [line for line in text.split("\n")[: _SCAN_LINES * 4] if line.strip()]
    lines = lines[:_SCAN_LINES]
    if not lines:
        return None
    headers = sum(1 for line in lines if whatsapp.match_header(line) is not None)
    if headers and (
        whatsapp.match_header(lines[0]) is not None or headers >= _WHATSAPP_MIN_SHARE * len(lines)
    ):
        return "whatsapp"
    if plain.score(text) >= _PLAIN_MIN_SHARE:
        return "plain"
    return None


def chat_member(names: tuple[str, ...]) -> str | None:
    """The zip member holding the chat: a WhatsApp ``_chat.txt``, or the only text file."""
    candidates = [
        n
        for n in names
        if not n.startswith("__MACOSX/")
        and not posixpath.basename(n).startswith("._")
        and n.lower().endswith(_TEXT_MEMBER_EXTENSIONS)
    ]
    for n in candidates:
        base = posixpath.basename(n)
        if base == "_chat.txt" or _WHATSAPP_TITLE_RE.fullmatch(base):
            return n
    return candidates[0] if len(candidates) == 1 else None


def title_from_filename(filename: str | None) -> str | None:
    """The chat partner from ``WhatsApp Chat with X.txt`` (a name only, never opened)."""
    if not filename:
        return None
    m = _WHATSAPP_TITLE_RE.fullmatch(_basename(filename))
    return m.group(1).strip() if m else None


def _basename(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def _extension(filename: str | None) -> str:
    if not filename:
        return ""
    base = _basename(filename).lower()
    return base[base.rfind(".") :] if "." in base else ""
