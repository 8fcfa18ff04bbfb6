"""Fixtures for the chat importer tests: the sample exports in tests/fixtures/chats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "chats"


@pytest.fixture
def read_fixture() -> Callable[[str], bytes]:
    """Return a function reading a sample export's bytes by file name."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read
