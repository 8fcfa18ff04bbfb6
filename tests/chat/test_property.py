"""Property: parse() returns a clean Chat or raises ComposerError, for any input."""

from __future__ import annotations

import io
import json
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.chat import FORMATS, parse
from composer.chat.model import Chat
from composer.errors import ComposerError

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PREFIXES = [
    "",
    "[1/2/22, 10:00:00] ",
    "1/2/22, 10:00 - ",
    "WEBVTT\n\n00:00.000 --> 00:01.000\n",
    "1\n00:00:01,000 --> 00:00:02,000\n",
    "AuthorID,Author,Date,Content\n",
    '{"messages": [',
    "[08:00] ",
    "<nick> ",
]
KEYS = [
    "messages",
    "chats",
    "list",
    "text",
    "from",
    "type",
    "ts",
    "user",
    "author",
    "content",
    "guild",
    "date",
    "date_unixtime",
    "nickname",
    "timestamp",
    "subtype",
]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


def check(data: bytes | str, fmt: str) -> None:
    try:
        chat = parse(data, fmt)
    except ComposerError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(chat, Chat) and chat.messages
    for message in chat.messages:
        assert message.speaker.strip() and message.text.strip()
        assert "\n" not in message.speaker


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from(FORMATS))
def test_any_bytes(data: bytes, fmt: str) -> None:
    check(data, fmt)


@SETTINGS
@given(st.sampled_from(PREFIXES), st.text(max_size=300), st.sampled_from(FORMATS))
def test_any_text(prefix: str, text: str, fmt: str) -> None:
    check(prefix + text, fmt)


@SETTINGS
@given(JSONISH, st.sampled_from(FORMATS))
def test_any_json(obj: object, fmt: str) -> None:
    check(json.dumps(obj), fmt)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(["users.json", "c/2024-01-01.json", "_chat.txt", "x.bin"]),
        st.binary(max_size=80) | JSONISH.map(lambda o: json.dumps(o).encode()),
        max_size=3,
    ),
    st.integers(min_value=0, max_value=300),
)
def test_any_zip(members: dict[str, bytes], damage_at: int) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    data = bytearray(buf.getvalue())
    if 0 < damage_at < len(data):
        data[damage_at] ^= 0x5A
    check(bytes(data), "auto")
