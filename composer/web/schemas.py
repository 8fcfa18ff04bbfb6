"""The API's request and response shapes (pydantic), also what ``/docs`` shows.

A finished song's fields are the typed dictionaries of ``score.json``
(:mod:`composer.score`), so the API and the album share one schema.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from composer.audio.formats import WEB_FORMAT
from composer.score import VAD, InputSummary, MoodSummary, Section, SpeakerMotif

MAX_MOMENT_CHARS = 2000
_STRING = {"type": "string"}
_NULL = {"type": "null"}


def _choices(module: str, name: str) -> Callable[[dict[str, Any]], None]:
    """Schema-only ``enum`` of a field: the names in ``module.name`` (read when the schema
    is built; the handler checks the value and answers 422 with the choices)."""

    def add(schema: dict[str, Any]) -> None:
        schema["enum"] = list(getattr(importlib.import_module(module), name))

    return add


def _one_input(schema: dict[str, Any]) -> None:
    """Document the rule the handler enforces: a ``chat`` or a ``moment``, not both."""
    schema["anyOf"] = [
        {"required": ["chat"], "properties": {"chat": _STRING, "moment": _NULL}},
        {"required": ["moment"], "properties": {"moment": _STRING, "chat": _NULL}},
    ]


def _one_form_input(schema: dict[str, Any]) -> None:
    """The form's rule: a ``file``, a ``chat`` or a ``moment``, exactly one of them."""
    schema["properties"]["file"] = {
        "type": "string",
        "format": "binary",
        "description": "a chat export file (txt, json, csv, zip...)",
    }
    schema["anyOf"] = [
        {"required": ["file"], "properties": {"chat": _NULL, "moment": _NULL}},
        {"required": ["chat"], "properties": {"chat": _STRING, "moment": _NULL, "file": False}},
        {"required": ["moment"], "properties": {"moment": _STRING, "chat": _NULL, "file": False}},
    ]


class ComposeIn(BaseModel):
    """A compose request: a chat export (``chat``) or a one-line ``moment``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_input)

    chat: str | None = Field(
        None,
        description="the chat export's text (any supported format)",
        json_schema_extra={"pattern": r"\S"},
    )
    moment: str | None = Field(
        None,
        max_length=MAX_MOMENT_CHARS,
        description="a moment in words, instead of a chat",
        json_schema_extra={"pattern": r"\S"},
    )
    format: str = Field(
        "auto",
        max_length=40,
        description="chat format, or 'auto'",
        json_schema_extra=_choices("composer.chat.dispatch", "FORMATS"),
    )
    seed: int | None = Field(
        None, ge=0, lt=2**63, description="random seed (default: derived from the input)"
    )
    length: float = Field(90.0, ge=10, le=600, description="length in seconds")
    style: str = Field(
        "photograph",
        max_length=40,
        json_schema_extra=_choices("composer.music.orchestra", "STYLES"),
    )
    engine: str = Field(
        "synth",
        max_length=40,
        description="synth, musicgen or audiocraft",
        json_schema_extra=_choices("composer.engines", "ENGINES"),
    )
    audio: str = Field(
        WEB_FORMAT,
        max_length=10,
        description="audio file format (opus: Ogg Opus at 48 kHz)",
        json_schema_extra=_choices("composer.audio.formats", "AUDIO_FORMATS"),
    )
    valence: float | None = Field(None, ge=-1, le=1, description="override valence")
    arousal: float | None = Field(None, ge=-1, le=1, description="override arousal")
    humanize: bool = False
    musicxml: bool = Field(False, description="also write song.musicxml (needs music21)")


class ComposeForm(ComposeIn):
    """The same fields as multipart form fields, plus the chat export as ``file``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_form_input)

    file: bytes | None = Field(
        None,
        description="a chat export file (txt, json, csv, zip...)",
        json_schema_extra={"format": "binary"},
    )


class Accepted(BaseModel):
    """The answer to a compose request (202)."""

    id: str
    status: str = Field(description="queued")
    links: dict[str, str]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


class SongSegment(VAD):
    """A stretch of the chat with one mood (``score.json``'s segment without its drivers)."""

    start: int
    end: int
    dominant_speaker: str | None


class SongSpeaker(SpeakerMotif):
    """A speaker's motif, with their share of the chat and mean reading."""

    messages: NotRequired[int]
    share: NotRequired[float]
    valence: NotRequired[float]
    arousal: NotRequired[float]


class SongFiles(TypedDict):
    """The song's files (names in its folder; ``None``: not made)."""

    audio: str | None
    midi: str
    musicxml: str | None


class SongStatus(BaseModel):
    """A job's status; when ``done``, also the song's mood, form and speakers (read from
    its ``score.json``; see ``score.schema.json``)."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: str = Field(description="queued, running, done or failed")
    stage: str
    progress: float = Field(ge=0, le=1)
    error: ErrorDetail | None = None
    links: dict[str, str]
    title: str | None = None
    excerpt: str | None = Field(None, description="the start of the first message")
    created: str | None = Field(None, description="ISO 8601, UTC")
    key: str | None = None
    tempo: float | None = None
    time_signature: str | None = None
    style: str | None = None
    seed: int | None = None
    duration_s: float | None = None
    bars: int | None = None
    input: InputSummary | None = None
    mood: MoodSummary | None = None
    arc: list[VAD] | None = None
    segments: list[SongSegment] | None = None
    sections: list[Section] | None = None
    speakers: list[SongSpeaker] | None = None
    files: SongFiles | None = None


class SongItem(BaseModel):
    """A finished song in the album listing (the short form of :class:`SongStatus`)."""

    id: str
    title: str | None
    excerpt: str | None
    created: str | None
    key: str | None
    tempo: float | None
    time_signature: str | None
    style: str | None
    duration_s: float | None
    mood: MoodSummary | None
    links: dict[str, str]


class SongPage(BaseModel):
    """One page of the album, newest first."""

    items: list[SongItem]
    total: int
    limit: int
    offset: int
    next: str | None


class Info(BaseModel):
    """What this server offers (the page builds its form from it)."""

    model_config = ConfigDict(extra="allow")

    version: str
    styles: list[str]
    engines: list[str]
    audio_formats: list[str] = Field(description="what the ``audio`` field takes")
    audio_default: str = Field(description="the ``audio`` format when none is asked for")
    musicxml: bool
    limits: dict[str, int]
    workers: dict[str, Any]
