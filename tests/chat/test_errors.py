"""Errors from parse() and moment(): types and one-line messages."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from composer.chat import FORMATS, moment, parse
from composer.errors import ComposerError, InputError, UnknownFormatError


def one_line(exc: pytest.ExceptionInfo[Exception]) -> str:
    text = str(exc.value)
    assert text and "\n" not in text
    return text


def test_unknown_format_lists_the_formats() -> None:
    with pytest.raises(UnknownFormatError) as info:
        parse("Ann: hi", "myspace")
    message = one_line(info)
    assert all(name in message for name in FORMATS)


def test_format_names_are_case_insensitive() -> None:
    assert parse("Ann: hi", " Plain ").format == "plain"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 40,
        b"PK\x03\x04 this is not really a zip",
        b"PK\x05\x06" + b"\x00" * 18,  # an empty archive
    ],
)
def test_malformed_or_empty_zip(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        parse(data)
    one_line(info)


def test_zip_without_a_chat() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "Ann: hi")
        z.writestr("b.txt", "Bob: yo")
    with pytest.raises(UnknownFormatError, match="no chat"):
        parse(buf.getvalue())


def test_nested_zip_is_refused() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("_chat.txt", "24/12/2023, 21:15 - Ann: hi")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("_chat.txt", inner.getvalue())
    with pytest.raises(InputError, match="zip inside a zip"):
        parse(outer.getvalue())


@pytest.mark.parametrize("text", ['{"messages": [{"text": "cut', "[1, 2", "{}}", '{"a": 1}'])
def test_truncated_or_foreign_json(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert "JSON" in one_line(info)


def test_deeply_nested_json_is_an_input_error() -> None:
    with pytest.raises(InputError):
        parse("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("Ann: hi\nBob: hey", "telegram"),
        ("Ann: hi\nBob: hey", "srt"),
        ("Ann: hi\nBob: hey", "discord-csv"),
        ('{"messages": []}', "discord-json"),
        ("WEBVTT\n\nNOTE nothing here\n", "vtt"),
    ],
)
def test_forced_format_that_does_not_fit(text: str, fmt: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text, fmt)
    one_line(info)


def test_wrong_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        parse(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse("Ann: hi", fmt=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        moment(b"bytes")  # type: ignore[arg-type]


def test_bytearray_and_memoryview_are_accepted() -> None:
    expected = parse(b"Ann: hi")
    assert parse(bytearray(b"Ann: hi")) == expected  # type: ignore[arg-type]
    assert parse(memoryview(b"Ann: hi")) == expected  # type: ignore[arg-type]


def test_moment() -> None:
    chat = moment("  The last evening of summer,\r\nwarm and slow.  ")
    assert chat.format == "moment"
    assert [(m.speaker, m.text, m.time) for m in chat.messages] == [
        ("you", "The last evening of summer,\nwarm and slow.", None)
    ]
    assert parse("a quiet walk", "moment") == chat.__class__(
        (chat.messages[0].__class__("you", "a quiet walk"),), "moment"
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "\u200e"])
def test_empty_moment_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        moment(text)


ODD_JSON = [
    [{"ts": 10**300, "text": "a", "user": "U1"}],
    [{"ts": "1e400", "text": "a", "user": ["U1"], "subtype": ["x"]}],
    {"type": ["personal_chat"], "messages": [{"type": "message", "text": "hi", "from": "A"}]},
    {"type": "personal_chat", "messages": [{"date_unixtime": 10**300, "text": [1, {"text": 2}]}]},
    {"guild": {}, "channel": "c", "messages": [{"type": [], "content": "x", "author": "bob"}]},
    {"guild": None, "messages": [{"content": "x", "author": {"nickname": 5}, "timestamp": 7}]},
    {"chats": {"list": [None, {"messages": "nope"}, {"messages": [None, 3]}]}},
]


@pytest.mark.parametrize("obj", ODD_JSON)
def test_odd_json_values_give_a_chat_or_a_composer_error(obj: object) -> None:
    try:
        chat = parse(json.dumps(obj))
    except ComposerError as exc:
        assert "\n" not in str(exc)
        return
    assert all(m.speaker.strip() and m.text.strip() for m in chat.messages)
