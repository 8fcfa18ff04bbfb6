"""Hostile inputs for ``bench/fuzz.py``: one Hypothesis strategy, :func:`cases`.

Every generator starts from something a user could really upload (the sample exports in
``tests/fixtures/chats``, or a chat written in one of the supported formats) and breaks
it in one way: cut, re-encoded, stuffed with huge lines, control characters, RTL and
zero-width marks or emoji sequences, nested too deep, zipped badly. Sizes are drawn as
parameters and the bytes built in Python, so Hypothesis's buffer stays small.
"""

from __future__ import annotations

import copy
import csv
import functools
import importlib.util
import io
import json
import random
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from composer.chat import FORMATS as CHAT_FORMATS
from composer.music.orchestra import STYLES as ORCHESTRA_STYLES

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "chats"
HAS_NOTATION = importlib.util.find_spec("composer.notation") is not None
STYLES = ORCHESTRA_STYLES
FORMATS: tuple[str, ...] = CHAT_FORMATS
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


@dataclass(frozen=True, slots=True)
class Case:
    """One fuzz case: an input and the options it is run with."""

    kind: str
    command: str = "compose"
    data: bytes | None = None
    filename: str | None = None
    moment: str | None = None
    stdin: bool = False
    as_text: bool = False  # library target: pass str (lone surrogates kept) instead of bytes
    fmt: str = "auto"
    json: bool = False
    length: float = 20.0
    length_arg: str = "20"
    style: str | None = None
    seed: int | None = None
    valence: float | None = None
    arousal: float | None = None
    humanize: bool = False
    audio: bool = False
    audio_format: str = "ogg"
    extra: tuple[str, ...] = ()


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
            z.writestr(name, content)
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


def _pos(draw: st.DrawFn, n: int) -> int:
    return draw(st.integers(0, max(0, n)))


def _splice(draw: st.DrawFn, text: str, pieces: st.SearchStrategy[str], most: int) -> str:
    for _ in range(draw(st.integers(1, most))):
        at = _pos(draw, len(text))
        text = text[:at] + draw(pieces) + text[at:]
    return text


def gen_bytes(draw: st.DrawFn) -> tuple[bytes, str]:
    if draw(st.integers(0, 9)) == 0:
        n = draw(st.sampled_from([10_000, 100_000, 1_000_000]))
        return random.Random(draw(st.integers(0, 2**32))).randbytes(n), "noise.bin"
    return draw(st.binary(max_size=3000)), draw(st.sampled_from(["x.txt", "x.json", "x.zip"]))


def gen_truncated(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(sorted(fixtures())))
    data = fixtures()[name]
    return data[: _pos(draw, len(data))], name


def gen_encoded(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(sorted(text_fixtures())))
    text = text_fixtures()[name]
    how = draw(st.sampled_from(["codec", "mixed", "wrong-bom", "bad-utf8"]))
    if how == "codec":
        data = text.encode(draw(st.sampled_from(CODECS)), "replace")
    elif how == "mixed":
        lines = text.split("\n")
        data = b"\n".join(
            line.encode(draw(st.sampled_from(CODECS)), "replace") for line in lines[:60]
        )
    elif how == "wrong-bom":
        data = draw(st.sampled_from(WRONG_BOMS)) + text.encode(
            draw(st.sampled_from(CODECS)), "replace"
        )
    else:
        raw = text.encode("utf-8")
        for _ in range(draw(st.integers(1, 20))):
            at = _pos(draw, len(raw))
            raw = raw[:at] + draw(st.sampled_from(BAD_UTF8)) + raw[at:]
        data = raw
    if draw(st.booleans()):
        data = data[: _pos(draw, len(data))]
    return data, name


def gen_huge_line(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(sorted(text_fixtures())))
    lines = text_fixtures()[name].split("\n")
    unit = draw(st.sampled_from(["a", "word ", "😀", "\u200b", "ab\u0301", "\t", "\\u0041"]))
    size = draw(st.sampled_from([1_000, 30_000, 300_000, 2_000_000, 6_000_000]))
    line = draw(st.sampled_from(["", "Ana: ", lines[min(1, len(lines) - 1)]])) + unit * (
        size // len(unit)
    )
    lines.insert(_pos(draw, len(lines)), line)
    return "\n".join(lines).encode("utf-8"), name


def gen_deep_json(draw: st.DrawFn) -> tuple[bytes, str]:
    d = draw(st.sampled_from([10, 100, 990, 1_000, 10_000, 200_000]))
    msg = '{"type":"message","from":"A","date":"2024-01-01T10:00:00","text":%s}'
    shapes = [
        "[" * d + "]" * d,
        '{"a":' * d + "1" + "}" * d,
        "[" * d,
        '{"type":"personal_chat","messages":[' + msg % ("[" * d + '"x"' + "]" * d) + "]}",
        '{"guild":{},"messages":[{"author":'
        + '{"name":' * d
        + '"x"'
        + "}" * d
        + ',"content":"hi"}]}',
        '[{"type":"message","user":"U1","ts":"1.5","text":' + '{"t":' * d + '"x"' + "}" * d + "}]",
        '{"messages":[{"from":"a","text":"x","date_unixtime":"' + "9" * d + '"}]}',
        '{"messages":[{"from":"a","text":"hi","date":"' + "9" * d + '"}]}',
        '[{"type":"message","user":"U1","text":"hi","ts":"' + "9" * d + '.1e308"}]',
        '{"messages":[{"author":{"name":"a"},"content":"hi","timestamp":"' + "9" * d + '"}]}',
        '{"type":"personal_chat","messages":[' + ",".join([msg % '"hi"'] * min(d, 20_000)) + "]}",
    ]
    return draw(st.sampled_from(shapes)).encode(), "result.json"


def gen_zip(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(sorted(zip_bases())))
    data = bytearray(zip_bases()[name])
    for _ in range(draw(st.integers(0, 3))):
        how = draw(st.sampled_from(["flip", "cut", "ones", "zeros", "junk"]))
        at = _pos(draw, len(data) - 1)
        if how == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at:]
        elif how in ("ones", "zeros"):
            data[at : at + 4] = (b"\xff" if how == "ones" else b"\x00") * 4
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data), name


def gen_inserted(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(sorted(text_fixtures())))
    pieces = st.sampled_from(CONTROLS) if draw(st.booleans()) else st.sampled_from(TOKENS)
    text = _splice(draw, text_fixtures()[name], pieces, 200)
    return text.encode("utf-8", "surrogatepass"), name


# Any printable text (control characters have their own generator, "inserted").
_PRINTABLE = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)
_TEXT = st.lists(st.sampled_from(TOKENS + WORDS) | _PRINTABLE, max_size=8).map(" ".join)
_NAMES = ["Ana", "Ben", "", " ", "\u202eAna", "👨‍👩‍👧", "A" * 300, "Dr. Jane Smith", "a:b"]
_SPEAKER = st.sampled_from(_NAMES) | _PRINTABLE


def gen_written(draw: st.DrawFn) -> tuple[bytes, str]:
    """A chat in one of the formats, with generated speakers and texts."""
    pairs = draw(st.lists(st.tuples(_SPEAKER, _TEXT), min_size=1, max_size=25))
    fmt = draw(
        st.sampled_from(
            [
                *("wa-android", "wa-ios", "plain", "irc", "srt", "vtt", "telegram"),
                *("discord-json", "discord-csv", "slack-day"),
            ]
        )
    )
    fx = fixtures()
    if fmt in ("telegram", "discord-json"):
        obj = json.loads(
            fx["telegram_joy_result.json" if fmt == "telegram" else "discord_joy.json"]
        )
        first = obj["messages"][1]
        obj["messages"] = []
        for s, t in pairs:
            m = copy.deepcopy(first)
            if fmt == "telegram":
                m["from"], m["text"] = s, t
            else:
                m["author"]["name"], m["author"]["nickname"], m["content"] = s, s, t
            obj["messages"].append(m)
        text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    elif fmt == "slack-day":
        text = json.dumps(
            [
                {"type": "message", "user": s, "text": t, "ts": f"17094{i}.5"}
                for i, (s, t) in enumerate(pairs)
            ]
        )
    elif fmt == "discord-csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"])
        for s, t in pairs:
            w.writerow(["1", s, "2024-03-02T21:40:05.000+00:00", t, "", ""])
        text = buf.getvalue()
    else:
        line = {
            "wa-android": "3/2/24, 9:{m:02d} PM - {s}: {t}",
            "wa-ios": "[02/03/2024, 21:{m:02d}:05] {s}: {t}",
            "plain": "{s}: {t}",
            "irc": "[21:{m:02d}] <{s}> {t}",
            "srt": "{i}\n00:00:{m:02d},000 --> 00:00:{m:02d},900\n{s}: {t}\n",
            "vtt": "00:{m:02d}.000 --> 00:{m:02d}.900\n<v {s}>{t}</v>\n",
        }[fmt]
        text = "WEBVTT\n\n" if fmt == "vtt" else ""
        text += "\n".join(
            line.format(i=i + 1, m=i % 60, s=s, t=t) for i, (s, t) in enumerate(pairs)
        )
    codec = draw(st.sampled_from(["utf-8"] * 6 + ["utf-16", "utf-8-sig"]))
    return text.encode(codec, "surrogatepass"), f"chat-{fmt}.txt"


def gen_many(draw: st.DrawFn) -> tuple[bytes, str]:
    n = draw(st.sampled_from([300, 300, 1_500, 5_000]))
    speakers = draw(st.sampled_from([2, 50, 3_000]))
    rng = random.Random(draw(st.integers(0, 2**16)))
    lines = [f"P{rng.randrange(speakers)}: {' '.join(rng.choices(WORDS, k=5))}" for _ in range(n)]
    return "\n".join(lines).encode(), "many.txt"


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


def gen_midi(draw: st.DrawFn) -> tuple[bytes, str]:
    """A damaged MIDI file: flipped bytes, cut, huge delta times, odd tempos and headers."""
    data = bytearray(draw(st.sampled_from(midi_bases())))
    for _ in range(draw(st.integers(0, 4))):
        how = draw(st.sampled_from(["flip", "cut", "delta", "tempo", "header", "junk"]))
        at = _pos(draw, len(data) - 1)
        if how == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at:]
        elif how == "delta":  # the longest variable-length delta time there is
            data[at:at] = b"\xff\xff\xff\x7f"
        elif how == "tempo":
            tempo = draw(st.sampled_from([1, 2, 0xFFFFFF, 0]))
            at = data.find(b"\xff\x51\x03")
            if at != -1:
                data[at + 3 : at + 6] = tempo.to_bytes(3, "big")
        elif how == "header" and len(data) >= 14:
            struct.pack_into(
                ">HHh",
                data,
                8,
                *draw(
                    st.tuples(
                        st.integers(0, 3),
                        st.integers(0, 70_000 % 65_536),
                        st.integers(-32_768, 32_767),
                    )
                ),
            )
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
    return bytes(data), "song.mid"


GENERATORS = {
    "bytes": gen_bytes,
    "truncated": gen_truncated,
    "encoded": gen_encoded,
    "huge_line": gen_huge_line,
    "deep_json": gen_deep_json,
    "zip": gen_zip,
    "inserted": gen_inserted,
    "written": gen_written,
    "many": gen_many,
    "midi": gen_midi,
}
# Weights: the slow kinds (many messages, rendering damaged MIDI) are the rarest.
_KINDS = ["bytes", "truncated", "encoded", "zip", "inserted", "written"] * 6
_KINDS += ["huge_line", "deep_json", "moment"] * 3 + ["moment", "many", "midi"]  # midi: last
COMMANDS = ["compose"] * 4 + ["mood"]
_FILE_NAME = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"), min_size=1, max_size=20
)
_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


def _broken(draw: st.DrawFn) -> dict[str, object]:
    """One option set to a value a careless or hostile user might give."""
    which = draw(st.integers(0, 9))
    if which == 0:
        length = draw(_FLOAT)
        return {"length": length, "length_arg": str(length)}
    if which == 1:
        garbage = draw(st.sampled_from(["abc", "", "1e999", "0x10", "-", "nan", "ten"]))
        return {"length": float("nan"), "length_arg": garbage}
    if which == 2:
        return {"fmt": draw(st.sampled_from(FORMATS) | st.text(max_size=6))}
    if which == 3:
        return {"style": draw(st.text(max_size=6))}
    if which == 4:
        return {"seed": draw(st.integers(-(2**70), 2**70))}
    if which == 5:
        return {draw(st.sampled_from(["valence", "arousal"])): draw(_FLOAT)}
    if which == 6:
        return {"extra": ("--out", "{work}/out-" + draw(_FILE_NAME))}
    if which == 7:
        return {"extra": ("--scores", "{work}/afile")}  # an existing file, not a folder
    if which == 8 and HAS_NOTATION:
        return {"extra": ("--musicxml",)}
    flag = draw(st.sampled_from(["--engine", "--audio", "--style", "--format", "--seed"]))
    return {"extra": (flag, draw(st.text(max_size=8)))}


@st.composite
def cases(draw: st.DrawFn, audio_share: float = 0.0) -> Case:
    """A :class:`Case`: an input from one generator and random options.

    With ``audio_share`` > 0 (a synth engine exists), that share of compose cases renders
    audio, and damaged MIDI files are fed to ``render``.
    """
    kind = draw(st.sampled_from(_KINDS if audio_share > 0 else _KINDS[:-1]))
    render = kind == "midi"
    data = filename = moment = None
    if kind == "moment":
        moment = draw(
            _TEXT
            | st.text(max_size=200)
            | st.sampled_from(["", "   ", "\u200b\u200f", "x" * 100_000, "😀" * 30_000])
            | st.lists(st.sampled_from(CONTROLS + TOKENS), max_size=50).map("".join)
        )
    else:
        data, filename = GENERATORS[kind](draw)
        if draw(st.integers(0, 4)) == 0:
            filename = draw(_FILE_NAME).strip(".") or "x"
    audio = random.Random(draw(st.integers(0, 2**32))).random() < audio_share
    length = 10.0 if audio else draw(st.sampled_from([10.0, 12.5, 20.0, 30.0]))
    unit = st.none() | st.none() | st.floats(-1, 1)
    fields: dict[str, object] = {
        "kind": kind,
        "command": "render"
        if kind == "midi"
        else draw(st.sampled_from(["compose"] * 4 + ["mood"])),
        "data": data,
        "filename": filename,
        "moment": moment,
        "stdin": data is not None and draw(st.integers(0, 6)) == 0,
        "as_text": data is not None and draw(st.integers(0, 4)) == 0,
        "json": draw(st.booleans()),
        "length": length,
        "length_arg": str(length),
        "style": draw(st.none() | st.sampled_from(STYLES)),
        "seed": draw(st.none() | st.none() | st.integers(0, 10**6)),
        "valence": draw(unit),
        "arousal": draw(unit),
        "humanize": draw(st.booleans()),
        "audio": audio,
        "audio_format": draw(
            st.sampled_from(["ogg", "wav", "flac", "mp3"] + ["xyz"] * (kind == "midi"))
        ),
    }
    if not render and draw(st.integers(0, 3)) == 0:
        fields |= _broken(draw)
    return Case(**fields)  # type: ignore[arg-type]


# --- hostile HTTP requests for the ``api`` target ----------------------------------------
# Plain functions of a ``random.Random`` seeded from the case, so that Hypothesis's stream
# of cases (and the other targets' runs) stays the same with or without the api target.

API_FIELDS: tuple[str, ...] = ("chat", "moment", "format", "seed", "length", "style")
API_FIELDS += ("engine", "valence", "arousal", "humanize", "musicxml")
HOSTILE_VALUES: tuple[object, ...] = (None, True, False, 0, -1, 1.5, 2**64, -(2**63), 1e308)
HOSTILE_VALUES += (float("nan"), float("inf"), "", " ", "\x00", "10", "1e3", "true", "null")
HOSTILE_VALUES += ("😀" * 50, "\u202e\u200b", "../../etc/passwd", [], {}, [1, "a"], {"a": {}})
HOSTILE_VALUES += ("x" * 5000, "synth\x00", "musicgen-xl", "%s%n", "<script>", "\ud800")
HOSTILE_IDS: tuple[str, ...] = ("../../etc/passwd", "..", ".", "...", "a/../../b", "~root")
HOSTILE_IDS += ("..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%00", "a\x00b", "\\..\\..\\boot.ini", "CON")
HOSTILE_IDS += ("song.mid", " ", ".hidden", "-rf", "a" * 96, "a" * 97, "x" * 5000, "😀", "\u202e")
HOSTILE_IDS += ("20250101-000000-chat-deadbeef", "20250101-000000-chat-deadbeef/../..")
HOSTILE_FILENAMES: tuple[str, ...] = ("../../etc/passwd", "..\\..\\boot.ini", "/etc/passwd")
HOSTILE_FILENAMES += ("a\x00b.txt", "x" * 5000, "", ".", "..", "CON", 'q"uote.txt', "😀.zip")
HOSTILE_FILENAMES += ("chat.txt\r\nX-Evil: 1", "\u202etxt.zip", "%2e%2e%2fpasswd", "chat.txt")
ID_ROUTES: tuple[str, ...] = ("", "/events", "/song.mid", "/score.json", "/song.musicxml")
ID_ROUTES += ("/audio.ogg", "/audio.wav", "/audio.flac", "/audio.mp3", "/audio.xyz", "/nothing")


def _nested(rng: random.Random) -> str:
    """JSON text nested ``depth`` deep (lists or objects), as a raw fragment."""
    depth = rng.choice([10, 100, 900, 5000, 100_000])
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def api_fields(case: Case, rng: random.Random) -> dict[str, object]:
    """The compose fields a client would send for ``case`` (chat given separately)."""
    fields: dict[str, object] = {"format": case.fmt, "length": case.length}
    if case.moment is not None:
        fields["moment"] = case.moment
    optional = {"style": case.style, "seed": case.seed, "valence": case.valence}
    optional |= {"arousal": case.arousal}
    fields |= {k: v for k, v in optional.items() if v is not None or rng.random() < 0.1}
    if case.humanize:
        fields["humanize"] = True
    return fields


def _mutate(fields: dict[str, object], rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.6:
            fields[rng.choice(API_FIELDS)] = rng.choice(HOSTILE_VALUES)
        elif roll < 0.8:
            fields[rng.choice(["file", "id", "__proto__", "chat ", "Chat", "x" * 300])] = 1
        else:
            fields.pop(rng.choice(API_FIELDS), None)


def api_json(case: Case, rng: random.Random) -> tuple[bytes, str]:
    """A JSON compose request body (often hostile) and its content type."""
    fields = api_fields(case, rng)
    if case.data is not None:
        fields["chat"] = case.data.decode("utf-8", "surrogateescape" if case.as_text else "replace")
    if rng.random() < 0.4:
        _mutate(fields, rng)
    ctype = "application/json"
    roll = rng.random()
    if roll < 0.03:
        return _nested(rng).encode(), ctype
    if roll < 0.05:
        key = rng.choice(API_FIELDS)
        return f'{{"{key}": {_nested(rng)}}}'.encode(), ctype
    if roll < 0.07:
        return case.data or b"", ctype  # the export itself, as if it were JSON
    if roll < 0.08:
        return json.dumps(rng.choice([[fields], "chat", 42, None])).encode(), ctype
    if roll < 0.09:
        fields["chat"] = "Ann: la " * 800_000  # over the 5 MB upload limit
    if roll < 0.11:
        ctype = rng.choice(["text/plain", "", "application/json; charset=utf-16", "app/json"])
    body = json.dumps(fields, ensure_ascii=rng.random() < 0.5, default=repr)
    if rng.random() < 0.03:
        body = body[: rng.randrange(len(body) + 1)]
    return body.encode("utf-8", "surrogatepass"), ctype


def _quote_filename(name: str, rng: random.Random) -> bytes:
    raw = name.encode("utf-8", "surrogatepass")
    if rng.random() < 0.8:  # as browsers send it; else raw quotes and line breaks
        raw = raw.replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")
    return raw


def api_multipart(case: Case, rng: random.Random) -> tuple[bytes, str]:
    """A multipart compose request (the case's bytes as ``file``) and its content type."""
    boundary = f"fuzz{rng.getrandbits(64):016x}"
    fields = api_fields(case, rng)
    if rng.random() < 0.4:
        _mutate(fields, rng)
    parts: list[tuple[str, bytes, bytes | None]] = []  # (name, value, filename)
    for key, value in fields.items():
        text = json.dumps(value) if isinstance(value, list | dict) else str(value)
        text = "" if value is None else text
        parts.append((key, text.encode("utf-8", "surrogatepass"), None))
    if case.data is not None:
        name = rng.choice([case.filename or "chat.txt", *HOSTILE_FILENAMES])
        parts.append(("file", case.data, _quote_filename(name, rng)))
    roll = rng.random()
    if roll < 0.05 and parts:
        parts.append(rng.choice(parts))  # a field or the file twice
    elif roll < 0.08:
        parts.append(("style", b"photograph", b"style.txt"))  # a field sent as a file
    elif roll < 0.10:
        parts += [(f"f{i}", b"1", None) for i in range(40)]  # more fields than allowed
    elif roll < 0.12 and case.data is not None:
        parts.append(("chat", b"Ann: hi", None))  # a file and a chat
    out = bytearray()
    for key, value, filename in parts:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"'.encode()
        if filename is not None:
            out += b'; filename="' + filename + b'"\r\nContent-Type: application/octet-stream'
        out += b"\r\n\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    ctype = f"multipart/form-data; boundary={boundary}"
    roll = rng.random()
    if roll < 0.03:
        return bytes(out[: rng.randrange(len(out) + 1)]), ctype  # cut short
    if roll < 0.05:
        return bytes(out), rng.choice(["multipart/form-data", "multipart/form-data; boundary=x"])
    return bytes(out), ctype


def hostile_id(rng: random.Random) -> str:
    """A song id a careless or hostile client could put in a URL."""
    if rng.random() < 0.6:
        return rng.choice(HOSTILE_IDS)
    pool = "abcXYZ019._-/%\\ \x00\t\n?#&=;:" + "".join(RTL + ZERO_WIDTH) + "é😀中"
    return "".join(rng.choice(pool) for _ in range(rng.choice([1, 8, 40, 120, 3000])))
