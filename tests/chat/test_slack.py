"""Slack export zips: user resolution, mrkdwn, ordering across files, subtypes."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

import pytest

from composer.chat import parse
from composer.errors import InputError, UnknownFormatError

USERS = [
    {"id": "U1", "name": "maya", "real_name": "Maya", "profile": {"display_name": "maya"}},
    {"id": "U2", "name": "leo", "profile": {"real_name": "", "display_name": "Leo D"}},
]


def msg(ts: str, user: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts, **extra}


def export(files: dict[str, object]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, json.dumps(content))
    return buf.getvalue()


def pairs(data: bytes | str) -> list[tuple[str, str]]:
    return [(m.speaker, m.text) for m in parse(data).messages]


def test_messages_are_ordered_by_ts_across_day_files_and_channels() -> None:
    data = export(
        {
            "users.json": USERS,
            "random/2024-03-03.json": [msg("1709500000.000100", "U2", "third")],
            "general/2024-03-02.json": [
                msg("1709400000.000300", "U1", "second"),
                msg("1709400000.000100", "U1", "first"),
            ],
            "general/2024-03-04.json": [msg("1709600000.000000", "U1", "fourth")],
        }
    )
    result = parse(data)
    assert [m.text for m in result.messages] == ["first", "second", "third", "fourth"]
    assert result.title is None  # two channels
    assert result.messages[0].time == datetime(2024, 3, 2, 17, 20, 0, 100)


def test_names_come_from_users_json_then_user_profile() -> None:
    data = export(
        {
            "users.json": USERS,
            "c/2024-03-02.json": [
                msg("1.0", "U1", "a"),
                msg("2.0", "U2", "b"),
                msg("3.0", "U9", "c", user_profile={"real_name": "Guest Person"}),
                msg("4.0", "U8", "d"),
            ],
        }
    )
    assert pairs(data) == [("Maya", "a"), ("Leo D", "b"), ("Guest Person", "c"), ("U8", "d")]


def test_mentions_links_and_escapes_are_rendered() -> None:
    text = "<@U2> &amp; <@U7|sam> see <https://x.example|the plan> &lt;3 <#C1|general> <!here>"
    data = export({"users.json": USERS, "c/2024-03-02.json": [msg("1.0", "U1", text)]})
    assert pairs(data) == [("Maya", "@Leo D & @sam see the plan <3 #general @here")]


def test_joins_and_bot_subtypes_are_skipped_but_thread_broadcasts_kept() -> None:
    data = export(
        {
            "users.json": USERS,
            "c/2024-03-02.json": [
                msg("1.0", "U1", "<@U1> has joined the channel", subtype="channel_join"),
                msg("2.0", "B1", "deploy done", subtype="bot_message"),
                msg("3.0", "U2", "also in channel", subtype="thread_broadcast"),
                msg("4.0", "U2", "", files=[{"name": "pic.png"}], subtype="file_share"),
            ],
        }
    )
    assert pairs(data) == [("Leo D", "also in channel")]


def test_single_day_file_is_read_as_slack_json() -> None:
    day = [msg("1.0", "U1", "hi", user_profile={"real_name": "Maya"}), msg("2.0", "U2", "yo")]
    result = parse(json.dumps(day))
    assert result.format == "slack"
    assert [(m.speaker, m.text) for m in result.messages] == [("Maya", "hi"), ("U2", "yo")]


def test_export_folder_prefix_is_allowed() -> None:
    data = export({"Team export/users.json": USERS,
                   "Team export/general/2024-03-02.json": [msg("1.0", "U1", "hi")]})  # fmt: skip
    assert pairs(data) == [("Maya", "hi")]


def test_broken_day_file_is_a_one_line_input_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("users.json", json.dumps(USERS))
        z.writestr("general/2024-03-02.json", '[{"type": "message", "text": "cut')
    with pytest.raises(InputError, match="malformed JSON") as info:
        parse(buf.getvalue())
    assert "\n" not in str(info.value)


def test_forced_slack_on_a_zip_without_slack_layout() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "Ann: hi")
    with pytest.raises(UnknownFormatError, match="not a Slack export"):
        parse(buf.getvalue(), "slack")
    assert pairs(buf.getvalue()) == [("Ann", "hi")]  # auto: the single text member
