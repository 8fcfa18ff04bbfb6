"""Shared fixtures: small chats built in code, so most tests need no importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.chat.model import Chat, Message

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "chat.txt"

ARGUMENT_THEN_PEACE = [
    ("Ana", "why didn't you call me back?? I waited ALL evening"),
    ("Ben", "I told you I was busy, stop overreacting"),
    ("Ana", "I'm not overreacting. this is the third time. I'm so angry"),
    ("Ben", "fine. whatever. I can't deal with this right now"),
    ("Ana", "you never can"),
    ("Ben", "ok... I'm sorry. you're right, I should have called"),
    ("Ana", "thank you for saying that"),
    ("Ben", "can I make it up to you? dinner tomorrow, your favourite place"),
    ("Ana", "I'd love that ❤️"),
    ("Ben", "I love you. really. I'm so glad we talked"),
    ("Ana", "me too, so happy now 😊"),
]


def make_chat(pairs: list[tuple[str, str]], fmt: str = "plain") -> Chat:
    return Chat(tuple(Message(s, t) for s, t in pairs), fmt)


@pytest.fixture
def argument_chat() -> Chat:
    return make_chat(ARGUMENT_THEN_PEACE)


@pytest.fixture
def joy_chat() -> Chat:
    return make_chat(
        [
            ("Maya", "GUESS WHAT"),
            ("Maya", "I got the job!!! 🎉🎉"),
            ("Leo", "NO WAY. Congratulations!!"),
            ("Leo", "I knew you'd nail that interview"),
            ("Maya", "Deal ❤️"),
        ]
    )
