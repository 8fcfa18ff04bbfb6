"""The public entry points: :func:`parse` (any supported export) and :func:`moment`."""

from __future__ import annotations

import csv
import posixpath
import zipfile

from composer.chat import detect, discord, plain, slack, subtitles, telegram, whatsapp
from composer.chat.archive import SafeZip, is_zip
from composer.chat.collect import Collector, strip_text
from composer.chat.decode import decode, normalise
from composer.chat.limits import DEFAULT_LIMITS, Limits
from composer.chat.model import Chat, Message
from composer.errors import ComposerError, InputError, TooLargeError, UnknownFormatError

FORMATS: tuple[str, ...] = (
    "auto",
    "whatsapp",
    "telegram",
    "slack",
    "discord-json",
    "discord-csv",
    "plain",
    "srt",
    "vtt",
    "moment",
)
MOMENT_SPEAKER = "you"
_JSON_FORMATS = ("telegram", "discord-json", "slack")

# What a malformed export can make the standard library raise inside an importer; turned
# into a one-line InputError at the boundary so nothing else escapes parse().
_INPUT_ERRORS = (
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    RecursionError,
    OverflowError,
    UnicodeError,
    csv.Error,
    zipfile.BadZipFile,
)


def parse(
    data: bytes | str,
    fmt: str = "auto",
    *,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Chat:
    """Parse a chat export into a :class:`Chat`.

    Parameters
    ----------
    data : bytes or str
        The file's bytes (any supported encoding, or a zip) or already-decoded text.
    fmt : str
        One of :data:`FORMATS`; ``"auto"`` detects the format from the content.
    filename : str or None
        The upload's name, used only as a hint (extension, WhatsApp chat title); never opened.
    limits : Limits
        Size limits; see :class:`Limits`.

    Raises
    ------
    InputError
        Empty, binary, malformed or message-less input (one-line message).
    UnknownFormatError
        ``fmt`` is not a known name, or the content matches no (or not the forced) format.
    TooLargeError
        The input, the unzipped archive or the message count exceeds ``limits``.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, (bytes, str)):
        raise TypeError(f"parse() needs bytes or str, not {type(data).__name__}")
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a str, not {type(fmt).__name__}")
    if filename is not None and not isinstance(filename, str):
        raise TypeError(f"filename must be a str or None, not {type(filename).__name__}")
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a Limits, not {type(limits).__name__}")
    name = fmt.strip().lower()
    if name not in FORMATS:
        known = ", ".join(FORMATS)
        raise UnknownFormatError(f"unknown chat format {fmt!r}; choose one of: {known}")
    if len(data) > limits.max_bytes:
        raise TooLargeError(
            f"the input is {len(data)} {'bytes' if isinstance(data, bytes) else 'characters'}, "
            f"more than the limit of {limits.max_bytes}"
        )
    try:
        if isinstance(data, bytes) and is_zip(data):
            return _from_zip(data, name, limits)
        text = decode(data) if isinstance(data, bytes) else normalise(data)
        return _from_text(text, name, filename, limits)
    except ComposerError:
        raise
    except _INPUT_ERRORS as exc:
        what = "input" if name == "auto" else f"{name} input"
        raise InputError(f"could not read this {what} ({type(exc).__name__})") from exc


def moment(text: str) -> Chat:
    """A one-message :class:`Chat` (format ``"moment"``, speaker ``"you"``) from a description.

    Raises
    ------
    InputError
        When ``text`` is empty or only whitespace.
    """
    if not isinstance(text, str):
        raise TypeError(f"moment() needs a str, not {type(text).__name__}")
    return _moment(text, DEFAULT_LIMITS)


def _moment(text: str, limits: Limits) -> Chat:
    if not strip_text(text):
        raise InputError("the moment is empty: describe it in a few words")
    body = strip_text(normalise(text))[: limits.max_message_chars]
    return Chat((Message(MOMENT_SPEAKER, strip_text(body)),), "moment")


def _from_zip(data: bytes, fmt: str, limits: Limits) -> Chat:
    archive = SafeZip(data, limits)
    names = archive.names
    if fmt in ("auto", "slack") and slack.looks_like_zip(names):
        return slack.parse_zip(archive, Collector(limits))
    if fmt == "slack":
        raise UnknownFormatError(
            "this zip is not a Slack export (no users.json and no channel/YYYY-MM-DD.json files)"
        )
    member = detect.chat_member(names)
    if member is None:
        raise UnknownFormatError(
            "this zip holds no chat I can read: expected a Slack export, a WhatsApp export "
            "with its .txt, or a single chat file"
        )
    content = archive.read(member)
    if is_zip(content):
        raise InputError("a zip inside a zip is not supported; unpack the outer one first")
    return _from_text(decode(content), fmt, posixpath.basename(member), limits)


def _from_text(text: str, fmt: str, filename: str | None, limits: Limits) -> Chat:
    obj: object = None
    if fmt == "auto":
        fmt, obj = detect.detect_text(text, filename)
    elif fmt in _JSON_FORMATS:
        obj = detect.load_json(text)
    sink = Collector(limits)
    if fmt == "whatsapp":
        return whatsapp.parse(text, sink, detect.title_from_filename(filename))
    if fmt == "telegram":
        return telegram.parse(obj, sink)
    if fmt == "discord-json":
        return discord.parse_json(obj, sink)
    if fmt == "slack":
        return slack.parse_json(obj, sink)
    if fmt == "discord-csv":
        return discord.parse_csv(text, sink)
    if fmt in ("srt", "vtt"):
        return subtitles.parse(text, sink, fmt)
    if fmt == "moment":
        return _moment(text, limits)
    return plain.parse(text, sink)
