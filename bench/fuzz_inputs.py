"""Hostile inputs for ``bench/fuzz.py``: one Hypothesis strategy, :func:`cases`.

Every generator starts from something a user could really upload (the sample exports in
``tests/fixtures/chats``, or a chat written in one of the supported formats) and breaks
it in one way: cut, re-encoded, stuffed with huge lines, control characters, RTL and
zero-width marks or emoji sequences, nested too deep, zipped badly. Sizes are drawn as
parameters and the bytes built in Python, so Hypothesis's buffer stays small. The raw
material is in ``bench/fuzz_corpus.py``; the ``api`` target's HTTP requests are built by
``bench/fuzz_requests.py``.
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import random
import struct
from dataclasses import dataclass

from hypothesis import strategies as st

from bench.fuzz_corpus import (
    BAD_UTF8,
    CODECS,
    CONTROLS,
    TOKENS,
    WORDS,
    WRONG_BOMS,
    fixtures,
    midi_bases,
    text_fixtures,
    zip_bases,
)
from composer.chat import FORMATS as CHAT_FORMATS
from composer.music.orchestra import STYLES as ORCHESTRA_STYLES

HAS_NOTATION = importlib.util.find_spec("composer.notation") is not None
STYLES = ORCHESTRA_STYLES
FORMATS: tuple[str, ...] = CHAT_FORMATS


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
