"""Size limits: input bytes, zip bombs (declared and lying), entry count, messages."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from composer.chat import DEFAULT_LIMITS, Limits, parse
from composer.errors import InputError, OptionError, TooLargeError

CHAT_LINE = "24/12/2023, 21:15 - Ann: "


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def lie_about_size(data: bytes, declared: int) -> bytes:
    """Rewrite the (single) member's uncompressed size in both headers."""
    patched = bytearray(data)
    struct.pack_into("<I", patched, patched.find(b"PK\x03\x04") + 22, declared)
    struct.pack_into("<I", patched, patched.rfind(b"PK\x01\x02") + 24, declared)
    return bytes(patched)


def test_defaults_are_documented_values() -> None:
    assert Limits(20_000_000, 50_000_000, 5_000, 200_000, 20_000) == DEFAULT_LIMITS


def test_zip_bomb_declared_in_central_directory_is_refused_before_reading() -> None:
    bomb = zipped({"_chat.txt": (CHAT_LINE + "a" * 3_000_000).encode()})
    assert len(bomb) < 10_000
    with pytest.raises(TooLargeError, match="unpack to"):
        parse(bomb, limits=Limits(max_unzipped_bytes=1_000_000))


def test_zip_bomb_that_lies_about_its_size_is_caught_while_reading() -> None:
    honest = zipped({"_chat.txt": (CHAT_LINE + "a" * 2_000_000).encode()})
    liar = lie_about_size(honest, 1_000)
    with zipfile.ZipFile(io.BytesIO(liar)) as z:
        assert z.infolist()[0].file_size == 1_000
    with pytest.raises(TooLargeError, match="more than it declares"):
        parse(liar)


def test_stored_member_that_lies_is_caught_too() -> None:
    liar = lie_about_size(zipped({"_chat.txt": b"x" * 50_000}, zipfile.ZIP_STORED), 10)
    with pytest.raises(TooLargeError):
        parse(liar)


def test_too_many_zip_entries() -> None:
    data = zipped({f"c/2024-01-{i:02d}.json": b"[]" for i in range(1, 31)})
    with pytest.raises(TooLargeError, match="30 entries"):
        parse(data, limits=Limits(max_zip_files=20))


def test_input_larger_than_max_bytes() -> None:
    with pytest.raises(TooLargeError, match="bytes"):
        parse(b"Ann: hi\n" * 200, limits=Limits(max_bytes=1_000))
    with pytest.raises(TooLargeError, match="characters"):
        parse("Ann: hi\n" * 200, limits=Limits(max_bytes=1_000))


def test_too_many_messages() -> None:
    text = "".join(f"Ann: message {i}\n" for i in range(101))
    assert len(parse(text, limits=Limits(max_messages=101)).messages) == 101
    with pytest.raises(TooLargeError, match="more than 100 messages"):
        parse(text, limits=Limits(max_messages=100))


def test_long_message_is_truncated_not_refused() -> None:
    (message,) = parse("Ann: " + "word " * 100, limits=Limits(max_message_chars=42)).messages
    assert 0 < len(message.text) <= 42
    assert message.text.startswith("word word")


def test_limits_are_validated() -> None:
    with pytest.raises(OptionError):
        Limits(max_messages=0)
    with pytest.raises(TypeError):
        Limits(max_bytes="10")  # type: ignore[arg-type]


def test_corrupted_zip_member_is_an_input_error() -> None:
    data = bytearray(zipped({"_chat.txt": (CHAT_LINE + "hello there " * 50).encode()}))
    data[60] ^= 0xFF  # inside the compressed stream
    with pytest.raises(InputError) as info:
        parse(bytes(data))
    assert "\n" not in str(info.value)
