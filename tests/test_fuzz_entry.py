"""Properties of the entry points under hostile input: a result or a one-line ComposerError.

Covers what ``tests/chat/test_property.py`` does not: the sample exports cut, re-encoded,
and stuffed with control characters, RTL/zero-width marks, emoji sequences, huge lines
and deeply nested JSON; ``moment``; ``mood.analyse``; ``music.compose`` with any options;
the whole pipeline; and ``cli.main`` with any option values. ``bench/fuzz.py`` runs the
same kinds of input at ≥ 10,000 cases.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.chat import DEFAULT_LIMITS, FORMATS, Limits, moment, parse
from composer.chat.collect import strip_text
from composer.chat.model import Chat, Message
from composer.cli import main
from composer.errors import ComposerError, InputError, OptionError
from composer.midi import to_midi
from composer.mood import analyse
from composer.music.compose import SongOptions, compose
from composer.music.orchestra import STYLES
from composer.pipeline import Request
from composer.pipeline import compose as run_pipeline

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "chats"
TEXT_FIXTURES = {
    p.name: p.read_text(encoding="utf-8")
    for p in sorted(FIXTURES.iterdir())
    if p.suffix in (".txt", ".json", ".csv", ".srt", ".vtt") and p.name != "index.json"
}
ALL_FIXTURES = {
    p.name: p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.name in TEXT_FIXTURES
} | {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.zip"))}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RTL = ["\u200f", "\u200e", "\u202e", "\u202b", "\u202c", "\u2067", "\u2069", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
EMOJI = ["👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "👍🏽", "❤️", "🧑🏿‍🤝‍🧑🏻", "1️⃣", "\U0001f600\u200d"]
CONTROLS = [chr(i) for i in (*range(0, 32), *range(0x7F, 0xA0))] + ["\u2028", "\u2029"]
# What makes text look binary (tab, LF, VT, FF and CR are fine in a chat).
BINARY_MARKS = [c for c in CONTROLS if c not in "\t\n\x0b\x0c\r\u2028\u2029"] + ["\ufffd"]
MARKS = st.sampled_from(RTL + ZERO_WIDTH + EMOJI + ["שלום", "مرحبا", "a\u0301\u0301"])
TEXT = st.lists(MARKS | st.text(max_size=10), max_size=6).map(" ".join)
# Codecs that can hold any text: the messages must come out exactly as from UTF-8.
LOSSLESS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"]


def check_chat(
    data: bytes | str, fmt: str = "auto", limits: Limits = DEFAULT_LIMITS
) -> Chat | None:
    """parse() gives a clean Chat or a one-line ComposerError; nothing else."""
    try:
        chat = parse(data, fmt, limits=limits)
    except ComposerError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        return None
    assert chat.messages
    for m in chat.messages:
        assert m.speaker == strip_text(m.speaker) and m.speaker and "\n" not in m.speaker
        assert m.text == strip_text(m.text) and m.text
        assert len(m.text) <= limits.max_message_chars
    return chat


def splice(text: str, at: list[int], pieces: list[str]) -> str:
    for position, piece in zip(at, pieces, strict=False):
        cut = position % (len(text) + 1)
        text = text[:cut] + piece + text[cut:]
    return text


# --- importers: what tests/chat does not cover -----------------------------------------


@SETTINGS
@given(st.sampled_from(sorted(ALL_FIXTURES)), st.integers(0, 20_000), st.sampled_from(FORMATS))
def test_truncated_exports(name: str, cut: int, fmt: str) -> None:
    data = ALL_FIXTURES[name]
    check_chat(data[: cut % (len(data) + 1)], fmt)


@SETTINGS
@given(st.sampled_from(sorted(TEXT_FIXTURES)), st.sampled_from(LOSSLESS))
def test_reencoded_exports_read_the_same(name: str, codec: str) -> None:
    expected = parse(TEXT_FIXTURES[name].encode("utf-8"), filename=name)
    got = parse(TEXT_FIXTURES[name].encode(codec), filename=name)
    assert got.messages == expected.messages and got.format == expected.format


@SETTINGS
@given(
    st.sampled_from(sorted(TEXT_FIXTURES)),
    st.lists(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-8", "mac-roman"]), min_size=1),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
)
def test_mixed_encodings_and_wrong_boms(name: str, codecs: list[str], bom: bytes) -> None:
    lines = TEXT_FIXTURES[name].split("\n")
    data = b"\n".join(
        line.encode(codecs[i % len(codecs)], "replace") for i, line in enumerate(lines)
    )
    check_chat(bom + data)


@SETTINGS
@given(
    st.sampled_from(sorted(TEXT_FIXTURES)),
    st.lists(st.sampled_from(["utf-8", "latin-1", "cp1252"]), min_size=1),
)
def test_utf8_and_legacy_lines_mixed_still_read(name: str, codecs: list[str]) -> None:
    lines = TEXT_FIXTURES[name].replace("you", "yoü").split("\n")
    data = b"\n".join(
        line.encode(codecs[i % len(codecs)], "replace") for i, line in enumerate(lines)
    )
    assert parse(data, filename=name).messages


DAMAGE = [b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x9d"]


@SETTINGS
@given(st.sampled_from(sorted(TEXT_FIXTURES)), st.integers(0, 10_000), st.sampled_from(DAMAGE))
def test_one_damaged_byte_never_makes_a_file_binary(name: str, at: int, bad: bytes) -> None:
    data = TEXT_FIXTURES[name].encode("utf-8")
    cut = at % (len(data) + 1)
    try:
        parse(data[:cut] + bad + data[cut:], filename=name)
    except InputError as exc:
        assert "binary" not in str(exc)  # (a JSON export may be malformed by it)


@SETTINGS
@given(
    st.sampled_from(sorted(TEXT_FIXTURES)),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=30),
    st.lists(st.sampled_from(CONTROLS) | MARKS, min_size=1, max_size=30),
    st.booleans(),
)
def test_control_rtl_zero_width_and_emoji(
    name: str, at: list[int], pieces: list[str], as_text: bool
) -> None:
    text = splice(TEXT_FIXTURES[name], at, pieces)
    check_chat(text if as_text else text.encode("utf-8"))


# Plain transcripts (WhatsApp marks its own system lines with a leading LRM, so not there).
LINE_FIXTURES = sorted(n for n in TEXT_FIXTURES if n.startswith("plain"))


@SETTINGS
@given(st.sampled_from(LINE_FIXTURES), st.sampled_from(RTL + ZERO_WIDTH))
def test_invisible_marks_before_lines_are_dropped(name: str, mark: str) -> None:
    expected = parse(TEXT_FIXTURES[name].encode(), filename=name)
    marked = "\n".join(mark + line for line in TEXT_FIXTURES[name].split("\n"))
    got = check_chat(marked.encode())
    assert got is not None and got.speakers == expected.speakers


@SETTINGS
@given(
    st.sampled_from(sorted(TEXT_FIXTURES)),
    st.integers(0, 50),
    st.sampled_from(["word ", "😀", "\u200b", "a\u0301"]),
    st.integers(1, 300_000),
)
def test_huge_lines_are_cut_to_the_limit(name: str, line: int, unit: str, size: int) -> None:
    lines = TEXT_FIXTURES[name].split("\n")
    lines.insert(line % (len(lines) + 1), "Ana: " + unit * (size // len(unit) + 1))
    limits = Limits(max_message_chars=500)
    check_chat("\n".join(lines).encode(), limits=limits)


@SETTINGS
@given(st.integers(1, 200_000), st.sampled_from(["[", '{"k":', '{"text":[']), st.booleans())
def test_deeply_nested_json(depth: int, opener: str, closed: bool) -> None:
    closer = {"[": "]", '{"k":': "}", '{"text":[': "]}"}[opener]
    nested = opener * depth + '"x"' + (closer * depth if closed else "")
    check_chat(nested)
    check_chat('{"type":"personal_chat","messages":[{"from":"A","text":' + nested + "}]}")


# --- moment, mood, composer ------------------------------------------------------------


@SETTINGS
@given(st.text(max_size=300) | TEXT | st.lists(st.sampled_from(CONTROLS), max_size=20).map("".join))
def test_moment_any_text(text: str) -> None:
    try:
        chat = moment(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        assert not strip_text(text) or any(c in text for c in BINARY_MARKS)
        return
    assert [m.speaker for m in chat.messages] == ["you"] and chat.format == "moment"
    assert chat.messages[0].text == strip_text(chat.messages[0].text) != ""


CHATS = st.lists(
    st.tuples(st.sampled_from(["Ana", "Ben", "שלום", "👨‍👩‍👧"]) | TEXT, TEXT),
    min_size=1,
    max_size=40,
).map(
    lambda pairs: Chat(tuple(Message(s.strip() or "x", t.strip() or "…") for s, t in pairs), "test")
)


@SETTINGS
@given(CHATS)
def test_analyse_any_chat(chat: Chat) -> None:
    mood = analyse(chat)
    n = len(chat.messages)
    assert len(mood.messages) == len(mood.arc) == n
    vads = [mood.overall, *mood.arc, *(m.vad for m in mood.messages)]
    vads += [s.vad for s in mood.segments] + [s.vad for s in mood.speakers]
    for vad in vads:
        for x in (vad.valence, vad.arousal, vad.dominance):
            assert math.isfinite(x) and -1.0 <= x <= 1.0
    assert mood.segments[0].start == 0 and mood.segments[-1].end == n
    assert all(a.end == b.start for a, b in zip(mood.segments, mood.segments[1:], strict=False))
    assert tuple(s.name for s in mood.speakers) == chat.speakers
    assert sum(s.share for s in mood.speakers) == pytest.approx(1.0)


def check_midi(data: bytes) -> None:
    """mido reads it with clip=False; every track is closed and every note released."""
    mid = mido.MidiFile(file=io.BytesIO(data), clip=False)
    assert mid.type == 1 and mid.tracks
    for track in mid.tracks:
        assert track[-1].type == "end_of_track"
        on: dict[tuple[int, int], int] = {}
        for msg in track:
            if msg.type in ("note_on", "note_off"):
                delta = 1 if msg.type == "note_on" and msg.velocity else -1
                on[(msg.channel, msg.note)] = on.get((msg.channel, msg.note), 0) + delta
        assert all(v == 0 for v in on.values())


UNIT = st.none() | st.floats(-1, 1)
OUTSIDE_UNIT = st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not -1 <= x <= 1)
BAD_LENGTH = st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not 10 <= x <= 600)


@FEW
@given(
    CHATS,
    st.integers(0, 2**63 - 1),
    st.sampled_from([10.0, 25.0]) | st.floats(10, 60),
    st.sampled_from(STYLES),
    UNIT,
    UNIT,
    st.booleans(),
)
def test_compose_any_options(
    chat: Chat,
    seed: int,
    length: float,
    style: str,
    valence: float | None,
    arousal: float | None,
    humanize: bool,
) -> None:
    options = SongOptions(seed, length, style, valence, arousal, humanize, "T\u202e😀")
    mood = analyse(chat)
    song = compose(chat, mood, options)
    assert song.seed == seed and song.style == style and song.bars > 0
    for part in song.parts:
        assert 0 <= part.program <= 127 and 0 <= part.channel <= 15
        for note in part.notes:
            assert 0 <= note.pitch <= 127 and 1 <= note.velocity <= 127
            assert note.start >= 0 and note.duration > 0
    data = to_midi(song)
    check_midi(data)
    assert to_midi(compose(chat, mood, options)) == data  # same input and seed, same bytes


@FEW
@given(
    st.sampled_from(["length_s", "style", "valence", "arousal"]).flatmap(
        lambda name: st.tuples(
            st.just(name),
            {
                "length_s": BAD_LENGTH,
                "style": st.text(max_size=8).filter(lambda s: s not in STYLES),
            }.get(name, OUTSIDE_UNIT),
        )
    )
)
def test_compose_refuses_bad_options(bad: tuple[str, object]) -> None:
    chat = moment("a quiet evening")
    options = SongOptions(**{bad[0]: bad[1]})  # type: ignore[arg-type]
    with pytest.raises(OptionError) as info:
        compose(chat, analyse(chat), options)
    assert "\n" not in str(info.value)


@FEW
@given(
    st.sampled_from(sorted(ALL_FIXTURES)),
    st.integers(0, 20_000),
    st.lists(st.integers(0, 10_000), max_size=5),
    st.lists(MARKS | st.sampled_from(CONTROLS), max_size=5),
    st.none() | st.integers(-5, 2**64),
)
def test_pipeline_any_input(
    name: str, cut: int, at: list[int], pieces: list[str], seed: int | None
) -> None:
    data = ALL_FIXTURES[name]
    if not name.endswith(".zip"):
        data = splice(data.decode("utf-8"), at, pieces).encode("utf-8")
    song = SongOptions(length_s=10.0)
    request = Request(data=data[: max(cut, len(data) // 2)], seed=seed, song=song, no_audio=True)
    try:
        comp = run_pipeline(request, lambda stage, done, total: None)
    except ComposerError as exc:
        assert "\n" not in str(exc)
        return
    check_midi(comp.midi)
    if seed is None:  # derived from the input
        assert 0 <= comp.song.seed < 100_000
    else:
        assert comp.song.seed == seed


OPTION_VALUES = {
    "--length": st.sampled_from(["10", "30", "9.99", "600.1", "nan", "inf", "-1", "x", ""]),
    "--seed": st.sampled_from(["0", "7", "-1", str(2**63), "1.5", "x"]),
    "--style": st.sampled_from([*STYLES, "jazz", ""]),
    "--valence": st.sampled_from(["0.5", "-1", "1.01", "nan", "-inf", "x"]),
    "--arousal": st.sampled_from(["-0.5", "1", "-1.5", "nan", "x"]),
    "--format": st.sampled_from([*FORMATS, "pdf", ""]),
    "--audio": st.sampled_from(["ogg", "aiff"]),
}


@FEW
@given(
    options=st.dictionaries(
        st.sampled_from(sorted(OPTION_VALUES)), st.just(""), max_size=4
    ).flatmap(lambda keys: st.fixed_dictionaries({k: OPTION_VALUES[k] for k in keys})),
    command=st.sampled_from(["compose", "mood"]),
    text=TEXT,
)
def test_cli_any_options(
    tmp_path_factory: pytest.TempPathFactory, options: dict[str, str], command: str, text: str
) -> None:
    album = tmp_path_factory.mktemp("album")
    argv = [command, f"--moment=on the beach {text}"]
    if command == "compose":
        argv += ["--no-audio", "--scores", str(album)]
        argv += [f"{k}={v}" for k, v in options.items()]
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code: int | str | None = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
    if code == 0:
        if command == "compose":
            songs = [p for p in album.iterdir() if not p.name.startswith(".")]
            assert len(songs) == 1
            check_midi((songs[0] / "song.mid").read_bytes())
        return
    assert code == 2
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("photograph: error: ")
