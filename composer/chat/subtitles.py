"""SubRip (``.srt``) and WebVTT (``.vtt``) subtitles.

Each cue becomes one message, or several when it holds dialogue lines (``- text``), voice
spans (``<v Name>``) or ``NAME:`` prefixes for different speakers. The speaker is the VTT
voice (``<v Name>``, ``<v.loud Name>``) or a ``NAME:`` prefix; unmarked cues get
:data:`~composer.chat.collect.UNKNOWN_SPEAKER` (speakers are not carried across cues).
Wrapped lines of one speaker are joined with a space. Tags, ``{\\an8}`` overrides,
``[sound]`` descriptions and ``♪`` are removed. The time is the cue start on 1900-01-01.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from composer.chat.collect import Collector
from composer.chat.model import Chat
from composer.chat.times import time_of_day

TIMING_RE = re.compile(
    r"\s*(?:(?P<h>[0-9]{1,3}):)?(?P<m>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:[,.](?P<ms>[0-9]{1,3}))?"
    r"\s*-->\s*[0-9]"
)
_VOICE_RE = re.compile(r"<v(?:\.[\w.-]*)?\s+([^>\n]{1,100})>")
_TAG_RE = re.compile(r"<[^<>\n]{0,200}>|\{\\[^{}\n]{0,200}\}")
_SOUND_RE = re.compile(r"\[[^\[\]\n]{0,200}\]|[♪♫]")
_DASH_RE = re.compile(r"[-‐–—]\s*(.*)")
_PREFIX_RE = re.compile(r"(?P<name>[^\W\d_][\w.'\-]*(?: [\w.'\-]+){0,2}):\s+(?P<text>\S.*)")


@dataclass(slots=True)
class _Turn:
    speaker: str | None
    parts: list[str] = field(default_factory=list)


def parse(text: str, sink: Collector, fmt: str) -> Chat:
    """Read SRT or WebVTT cues (``fmt`` is ``"srt"`` or ``"vtt"``, used as the Chat format)."""
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.split("\n")
        for i, line in enumerate(lines):
            if TIMING_RE.match(line) is not None:
                start = start_time(line)
                for turn in _turns(lines[i + 1 :], vtt=fmt == "vtt"):
                    sink.add(turn.speaker, " ".join(turn.parts), start)
                break
    return sink.chat(fmt)


def _turns(lines: list[str], vtt: bool) -> list[_Turn]:
    turns: list[_Turn] = []
    for raw in lines:
        voice = _VOICE_RE.search(raw) if vtt else None
        line = _TAG_RE.sub("", raw)
        line = html.unescape(line) if vtt else line
        line = " ".join(_SOUND_RE.sub(" ", line).split())
        if not line:
            continue
        speaker: str | None = voice.group(1).strip() if voice else None
        new_turn = voice is not None or not turns
        dash = _DASH_RE.fullmatch(line)
        if dash is not None:
            line, new_turn = dash.group(1), True
        prefix = _PREFIX_RE.fullmatch(line)
        if prefix is not None and speaker is None:
            speaker, line, new_turn = prefix.group("name"), prefix.group("text"), True
        if new_turn:
            turns.append(_Turn(speaker))
        turns[-1].parts.append(line)
    return turns


def start_time(line: str) -> datetime | None:
    """The start of a cue timing line (``00:00:01,000 --> ...``), or None."""
    timing = TIMING_RE.match(line)
    if timing is None:
        return None
    return time_of_day(
        int(timing.group("h") or 0),
        int(timing.group("m")),
        int(timing.group("s")),
        int((timing.group("ms") or "0").ljust(3, "0")),
    )
