"""Every sample export parses to exactly the messages index.json lists."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from composer.chat import FORMATS, TIME_ONLY_DATE, UNKNOWN_SPEAKER, parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "chats"


def _expected() -> dict[str, list[tuple[str, str]]]:
    """``{file name: [(speaker, text), ...]}`` from index.json (null speaker → UNKNOWN)."""
    index = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))
    return {
        name: [(s if s is not None else UNKNOWN_SPEAKER, t) for s, t in messages]
        for entry in index
        for name, messages in entry["expected_messages"].items()
    }


EXPECTED = _expected()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


FORMAT_OF_PREFIX = {
    "whatsapp_": "whatsapp",
    "telegram_": "telegram",
    "slack_": "slack",
    "plain_": "plain",
}


def expected_format(name: str) -> str:
    if name.endswith(".srt"):
        return "srt"
    if name.endswith(".vtt"):
        return "vtt"
    if name.startswith("discord_"):
        return "discord-csv" if name.endswith(".csv") else "discord-json"
    return next(fmt for prefix, fmt in FORMAT_OF_PREFIX.items() if name.startswith(prefix))


NAMES = sorted(EXPECTED)


def test_index_covers_every_fixture_file() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir() if p.name not in ("index.json", "FORMATS.md")}
    assert on_disk == set(EXPECTED)
    assert len(NAMES) == 27


@pytest.mark.parametrize("name", NAMES)
def test_auto_detect_gives_expected_messages(name: str) -> None:
    chat = parse(fixture_bytes(name))
    assert [(m.speaker, m.text) for m in chat.messages] == EXPECTED[name]
    assert chat.format == expected_format(name)


@pytest.mark.parametrize("name", NAMES)
def test_forced_format_gives_expected_messages(name: str) -> None:
    fmt = expected_format(name)
    assert fmt in FORMATS
    chat = parse(fixture_bytes(name), fmt, filename=name)
    assert [(m.speaker, m.text) for m in chat.messages] == EXPECTED[name]
    assert chat.format == fmt


@pytest.mark.parametrize("name", NAMES)
def test_times_never_go_backwards(name: str) -> None:
    times = [m.time for m in parse(fixture_bytes(name)).messages]
    known = [t for t in times if t is not None]
    assert known == sorted(known)
    assert all(isinstance(t, datetime) and t.tzinfo is None for t in known)


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("whatsapp_android_joy.txt", (2024, 3, 2)),  # 3/2/24 with PM: US month-first
        ("whatsapp_ios_joy.txt", (2024, 3, 2)),  # 02/03/2024 24 h: day-first
        ("whatsapp_android_tense.txt", (2024, 5, 17)),
        ("whatsapp_ios_tense.txt", (2024, 5, 17)),
        ("whatsapp_android_sad.txt", (2024, 11, 3)),  # 03.11.24: German day-first
        ("whatsapp_ios_sad.txt", (2024, 11, 3)),
        ("telegram_joy_result.json", (2024, 3, 2)),
        ("discord_tense.json", (2024, 5, 17)),
        ("discord_sad.csv", (2024, 11, 3)),
        ("slack_export_joy.zip", (2024, 3, 2)),
    ],
)
def test_dated_formats_have_the_right_day(name: str, day: tuple[int, int, int]) -> None:
    times = [m.time for m in parse(fixture_bytes(name)).messages]
    assert all(t is not None and (t.year, t.month, t.day) == day for t in times)


def test_whatsapp_12h_time_is_converted_to_24h() -> None:
    first = parse(fixture_bytes("whatsapp_android_joy.txt")).messages[0]
    assert first.time == datetime(2024, 3, 2, 21, 40)
    ios = parse(fixture_bytes("whatsapp_ios_tense.txt")).messages[-1]
    assert ios.time == datetime(2024, 5, 17, 8, 6, 48)


def test_slack_ts_is_naive_utc() -> None:
    first = parse(fixture_bytes("slack_export_joy.zip")).messages[0]
    assert first.time is not None
    assert first.time.replace(microsecond=0) == datetime(2024, 3, 2, 21, 40, 5)


def test_subtitle_times_are_cue_starts_on_1900_01_01() -> None:
    for name in ("subtitles_joy.srt", "subtitles_joy.vtt"):
        messages = parse(fixture_bytes(name)).messages
        assert messages[0].time == TIME_ONLY_DATE.replace(second=1)
        assert messages[2].time == TIME_ONLY_DATE.replace(second=5, microsecond=140_000)


def test_plain_stamps_are_times_of_day() -> None:
    messages = parse(fixture_bytes("plain_tense.txt")).messages
    assert messages[0].time == TIME_ONLY_DATE.replace(hour=8, minute=2)
    assert parse(fixture_bytes("plain_joy.txt")).messages[0].time is None


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("telegram_joy_result.json", "Leo"),
        ("telegram_tense_result.json", "Priya"),
        ("discord_sad.json", "sad"),
        ("slack_export_joy.zip", "general"),
        ("plain_joy.txt", None),
    ],
)
def test_titles(name: str, title: str | None) -> None:
    assert parse(fixture_bytes(name)).title == title
