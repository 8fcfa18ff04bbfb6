"""Telegram Desktop result.json: single chat, whole-account wrapper, text runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from composer.chat import parse
from composer.errors import InputError


def message(mid: int, sender: str | None, text: Any, **extra: Any) -> dict[str, Any]:
    date = f"2024-01-0{mid}T10:00:00"
    base = {"id": mid, "type": "message", "date": date, "from": sender, "from_id": f"user{mid}"}
    return {**base, "text": text, **extra}


def chat(name: str, *messages: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": "personal_chat", "id": 1, "messages": list(messages)}


def test_whole_account_wrapper_yields_every_chat_in_order() -> None:
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {"first_name": "Me"},
        "chats": {
            "about": "This page lists all chats from this export.",
            "list": [
                chat("Ann", message(1, "Ann", "hi from Ann")),
                chat("Bob", message(2, "Bob", "hi from Bob"), message(3, "Me", "hey Bob")),
            ],
        },
    }
    result = parse(json.dumps(export).encode())
    assert result.format == "telegram"
    assert [(m.speaker, m.text) for m in result.messages] == [
        ("Ann", "hi from Ann"),
        ("Bob", "hi from Bob"),
        ("Me", "hey Bob"),
    ]
    assert result.title is None  # several chats: no single title


def test_text_runs_are_joined_and_entities_used_as_fallback() -> None:
    export = chat(
        "Ann",
        message(1, "Ann", ["see ", {"type": "link", "text": "this"}, "!", {"type": "bold"}]),
        message(2, "Ann", "", text_entities=[{"type": "plain", "text": "from entities"}]),
    )
    result = parse(json.dumps(export))
    assert [m.text for m in result.messages] == ["see this!", "from entities"]


def test_service_and_media_only_messages_are_skipped() -> None:
    export = chat(
        "Ann",
        {"id": 1, "type": "service", "actor": "Ann", "action": "phone_call", "text": ""},
        message(2, "Ann", "", media_type="sticker", sticker_emoji="🥂"),
        message(3, "Ann", "words"),
    )
    assert [m.text for m in parse(json.dumps(export)).messages] == ["words"]


def test_deleted_account_falls_back_to_from_id_and_dates_are_parsed() -> None:
    result = parse(json.dumps(chat("Ann", message(4, None, "ghost"))))
    (only,) = result.messages
    assert only.speaker == "user4"
    assert only.time == datetime(2024, 1, 4, 10)


def test_unixtime_is_used_when_date_is_missing() -> None:
    msg = message(1, "Ann", "hi")
    del msg["date"]
    msg["date_unixtime"] = "1709415605"
    (only,) = parse(json.dumps(chat("Ann", msg))).messages
    assert only.time == datetime(2024, 3, 2, 21, 40, 5)


def test_forced_telegram_on_discord_json_finds_nothing(
    read_fixture: Callable[[str], bytes],
) -> None:
    with pytest.raises(InputError, match="no messages"):
        parse(read_fixture("discord_joy.json"), "telegram")


def test_truncated_export_is_a_one_line_input_error(read_fixture: Callable[[str], bytes]) -> None:
    data = read_fixture("telegram_sad_result.json")
    with pytest.raises(InputError, match="malformed JSON") as info:
        parse(data[: len(data) // 2])
    assert "\n" not in str(info.value)
