"""Encodings, BOMs, line endings and binary rejection (composer.chat.decode)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from composer.chat import parse
from composer.chat.decode import decode, normalise
from composer.errors import InputError

ENCODINGS = ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be", "utf-8-sig"]


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


def pairs(name: str, read: Callable[[str], bytes]) -> list[tuple[str, str]]:
    return [(m.speaker, m.text) for m in parse(read(name)).messages]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    "name", ["whatsapp_android_joy.txt", "whatsapp_ios_tense.txt", "telegram_joy_result.json"]
)
def test_reencoded_fixture_gives_same_messages(
    name: str, encoding: str, read_fixture: Callable[[str], bytes]
) -> None:
    original = read_fixture(name)
    reencoded = encode(original.decode("utf-8"), encoding)
    assert reencoded != original
    assert pairs(name, lambda _: reencoded) == pairs(name, read_fixture)


@pytest.mark.parametrize("name", ["plain_tense.txt", "subtitles_sad.srt", "discord_tense.csv"])
def test_latin1_fixture_gives_same_messages(
    name: str, read_fixture: Callable[[str], bytes]
) -> None:
    text = read_fixture(name).decode("utf-8").replace("you", "yoü")
    latin1 = text.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        latin1.decode("utf-8")
    got = [(m.speaker, m.text) for m in parse(latin1).messages]
    want = [(m.speaker, m.text) for m in parse(text).messages]
    assert got == want
    assert any("yoü" in t for _, t in got)


def test_cp1252_punctuation_is_decoded() -> None:
    data = "Zoë: that’s “fine” – really…".encode("cp1252")
    (message,) = parse(data).messages
    assert (message.speaker, message.text) == ("Zoë", "that’s “fine” – really…")


def test_str_input_equals_bytes_input(read_fixture: Callable[[str], bytes]) -> None:
    for name in ("whatsapp_ios_joy.txt", "subtitles_tense.vtt", "discord_joy.json"):
        data = read_fixture(name)
        assert parse(data.decode("utf-8")) == parse(data)


def test_crlf_and_lone_cr_become_lf() -> None:
    assert normalise("a\r\nb\rc\n") == "a\nb\nc\n"
    chat = parse(b"Ann: one\r\nBob: two\r\nBob: three\r\n")
    assert [m.text for m in chat.messages] == ["one", "two", "three"]


def test_a_utf8_file_cut_inside_an_emoji_still_decodes() -> None:
    data = "Ann: party time 🎉".encode()[:-2]
    text = decode(data)
    assert text.startswith("Ann: party time")
    assert "Ã" not in text  # not misread as cp1252


def test_bom_is_removed() -> None:
    assert decode("\ufeffhello".encode()) == "hello"
    assert decode(b"\xff\xfe" + "hello".encode("utf-16-le")) == "hello"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(2000),
        random.Random(2).randbytes(4000),
        b"\x00\x01\x02\x03" * 100,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"text with a NUL\x00 in the middle",
        bytes(range(1, 32)) * 20,
    ],
)
def test_binary_data_is_rejected(data: bytes) -> None:
    with pytest.raises(InputError, match="binary data") as info:
        parse(data)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", "", " \n ", "\ufeff", b"\xef\xbb\xbf\n"])
def test_empty_input_is_rejected(data: bytes | str) -> None:
    with pytest.raises(InputError, match="empty"):
        parse(data)


def test_a_few_control_characters_are_tolerated() -> None:
    text = "Ann: " + "ordinary words " * 40 + "\x07bell"
    (message,) = parse(text).messages
    assert message.speaker == "Ann"


def test_a_broken_emoji_is_damage_not_binary() -> None:
    # A 4-byte sequence beyond U+10FFFF spliced into an emoji: UTF-8 with one damaged spot.
    line = "Drinks tomorrow, my treat 🥂".encode()
    damaged = line[:-3] + b"\xf4\x90\x80\x80" + line[-3:]
    text = decode(b"Maya: hi\n" + b"Leo: " + damaged + "\nMaya: Deal ❤️\n".encode())
    assert "Deal ❤️" in text and "Drinks tomorrow" in text
    assert not any("\x80" <= ch <= "\x9f" for ch in text)  # no cp1252/Latin-1 mojibake


def test_a_latin1_line_beside_utf8_lines_stays_latin1() -> None:
    data = "Ana: olá 😀\n".encode() + "Ben: ça a été\n".encode("latin-1")
    assert decode(data).splitlines() == ["Ana: olá 😀", "Ben: ça a été"]
