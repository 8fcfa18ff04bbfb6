"""DiscordChatExporter JSON and CSV."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from composer.chat import parse
from composer.errors import InputError


def message(content: str, name: str, nickname: str | None = None, **extra: Any) -> dict[str, Any]:
    author = {"id": "1", "name": name, "discriminator": "0000", "nickname": nickname}
    base = {"id": "9", "type": "Default", "timestamp": "2024-05-17T08:02:41.137+02:00"}
    return {**base, "content": content, "author": author, **extra}


def export(*messages: dict[str, Any]) -> str:
    return json.dumps({"guild": {"id": "1", "name": "G"}, "channel": {"name": "general"},
                       "messages": list(messages), "messageCount": len(messages)})  # fmt: skip


def test_nickname_then_name_and_wall_time_as_written() -> None:
    result = parse(export(message("hi", "sam", "Sam"), message("yo", "priya")))
    assert [(m.speaker, m.text) for m in result.messages] == [("Sam", "hi"), ("priya", "yo")]
    assert result.messages[0].time == datetime(2024, 5, 17, 8, 2, 41, 137_000)
    assert result.title == "general"


def test_system_messages_and_empty_content_are_skipped() -> None:
    result = parse(
        export(
            message("", "sam", attachments=[{"fileName": "a.png"}]),
            message("Sam pinned a message.", "sam", type="ChannelPinnedMessage"),
            message("joined", "sam", type="GuildMemberJoin"),
            message("a reply", "sam", type="Reply", reference={"messageId": "8"}),
        )
    )
    assert [m.text for m in result.messages] == ["a reply"]


CSV = (
    "AuthorID,Author,Date,Content,Attachments,Reactions\n"
    '"1","sam#1234","2024-05-17T08:02:41.000+00:00","line one\nline two, with ""quotes""","",""\n'
    '"2","priya","17-May-24 08:03 AM","","https://cdn/x.png",""\n'
    '"2","priya","17-May-24 08:04 PM","ok","",""\n'
)


def test_csv_multiline_content_quotes_and_old_date_format() -> None:
    result = parse(CSV.encode())
    assert result.format == "discord-csv"
    assert [(m.speaker, m.text) for m in result.messages] == [
        ("sam", 'line one\nline two, with "quotes"'),
        ("priya", "ok"),
    ]
    assert result.messages[1].time == datetime(2024, 5, 17, 20, 4)


def test_forced_csv_without_the_needed_columns_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Author, Date and Content") as info:
        parse("a,b,c\n1,2,3\n", "discord-csv")
    assert "\n" not in str(info.value)


def test_forced_discord_json_on_csv_is_an_input_error() -> None:
    with pytest.raises(InputError, match="malformed JSON"):
        parse(CSV, "discord-json")
