"""The raw material of ``bench/fuzz_inputs.py``: sample exports, zips, MIDI files, hostile text.

The sample exports in ``tests/fixtures/chats``; zips to damage (real exports, bombs,
liars, thousands of entries, encrypted, unknown methods); two real songs' MIDI files; and
the pieces spliced into text (codecs, wrong BOMs, RTL and zero-width marks, emoji
sequences, other scripts, control characters, invalid UTF-8). Everything is built once.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "chats"
CODECS: tuple[str, ...] = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be", "utf-8-sig")
CODECS += ("latin-1", "cp1252", "mac-roman", "cp437", "utf-7", "utf-8")
WRONG_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
RTL = ("\u200f", "\u200e", "\u202e", "\u202b", "\u202c", "\u2067", "\u2069", "\u061c")
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e")
EMOJI: tuple[str, ...] = (
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇫🇷🇯🇵",
    "👍🏽",
    "❤️",
    "🧑🏿‍🤝‍🧑🏻",
    "1️⃣",
    "🫠",
    "😀" * 40,
)
EMOJI += (
    "\U0001f600\u200d" * 8,
    "\u200d\ufe0f",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
)
SCRIPTS: tuple[str, ...] = (
    "שלום לך",
    "مرحبا بك يا صديقي",
    "こんにちは",
    "a" + "\u0301" * 80,
    "𝕳𝖊𝖑𝖑𝖔",
    "ß İ ǅ",
)
SCRIPTS += ("\uffff", "\ufffe", "\U0010ffff", "\ufffd" * 4, "\u2028", "\u2029", "\x85")
CONTROLS = tuple(chr(i) for i in (*range(0, 32), *range(0x7F, 0xA0)))
BAD_UTF8 = (b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\xf4\x90\x80\x80", b"\xe2\x82")
TOKENS = RTL + ZERO_WIDTH + EMOJI + SCRIPTS
WORDS = ("love", "sorry", "why", "happy", "angry", "miss you", "ok", "haha", "tonight", "ugh")


@functools.cache
def fixtures() -> dict[str, bytes]:
    """The sample exports, by file name."""
    skip = {"index.json", "FORMATS.md"}
    return {p.name: p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.name not in skip}


@functools.cache
def text_fixtures() -> dict[str, str]:
    return {k: v.decode("utf-8") for k, v in fixtures().items() if not k.endswith(".zip")}


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, content in members.items():
            # A fixed date: the same --seed must give the same zip bytes on every run.
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content, method)
    return buf.getvalue()


def patch_headers(data: bytes, local: int, central: int, fmt: str, value: int) -> bytes:
    """Overwrite one field in every local and central zip header (e.g. sizes, flags)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        at = out.find(sig)
        while at != -1:
            struct.pack_into("<" + fmt, out, at + offset, value)
            at = out.find(sig, at + 4)
    return bytes(out)


@functools.cache
def zip_bases() -> dict[str, bytes]:
    """Zips to start from: real exports, bombs, liars and oddities (built once)."""
    fx = fixtures()
    wa = _zip(
        {"WhatsApp Chat with Maya.txt": fx["whatsapp_android_joy.txt"], "IMG-1.jpg": b"\xff" * 99}
    )
    bomb = _zip({"_chat.txt": b"Ana: hi\n" * 7_000_000})  # 56 MB of text, ~60 kB zipped
    out = {k: v for k, v in fx.items() if k.endswith(".zip")}
    out |= {
        "whatsapp.zip": wa,
        "stored.zip": _zip({"chat.txt": fx["plain_sad.txt"]}, zipfile.ZIP_STORED),
        "telegram.zip": _zip({"result.json": fx["telegram_sad_result.json"]}),
        "csv.zip": _zip({"chat.csv": fx["discord_tense.csv"]}),
        "srt.zip": _zip({"movie.srt": fx["subtitles_joy.srt"]}),
        "bomb.zip": bomb,
        "bomb-lying.zip": patch_headers(bomb, 22, 24, "I", 1000),
        "many.zip": _zip({f"c/{i}.json": b"[]" for i in range(5_001)}, zipfile.ZIP_STORED),
        "nested.zip": _zip({"chat.txt": wa}),
        "inner.zip": _zip({"inner.zip": wa}),
        "encrypted.zip": patch_headers(wa, 6, 8, "H", 1),
        "method99.zip": patch_headers(wa, 8, 10, "H", 99),
        "traversal.zip": _zip(
            {"../../_chat.txt": fx["whatsapp_ios_sad.txt"], "/u/users.json": b"{}"}
        ),
        "dirs.zip": _zip({"a/": b"", "b/c/": b""}),
        "empty.zip": b"PK\x05\x06" + b"\x00" * 18,
        "dupes.zip": _zip({"_chat.txt": fx["whatsapp_ios_joy.txt"], "_chat.tx_": b"A: hi"}).replace(
            b"_chat.tx_", b"_chat.txt"
        ),
    }
    return out


@functools.cache
def midi_bases() -> tuple[bytes, ...]:
    """Two real songs' MIDI files (short), to damage for ``render``."""
    from composer.chat import moment
    from composer.midi import to_midi
    from composer.mood import analyse
    from composer.music.compose import SongOptions, compose

    out = []
    for style in ("photograph", "ensemble"):
        chat = moment("the sun going down over the sea")
        out.append(to_midi(compose(chat, analyse(chat), SongOptions(1, 10.0, style))))
    return tuple(out)
