"""The shape of ``score.json`` (one per song in the album), as typed dictionaries.

One schema for the writer (:mod:`composer.report`, :func:`composer.pipeline.score_document`),
the web views (:mod:`composer.web.views`, whose response models embed these types) and the
tests' fakes. It is published as JSON Schema in ``composer/data/score.schema.json`` for
other tools that read an album; regenerate it after changing a type here with::

    python -m composer.score --write

(a test fails while the file is out of date). Generating needs pydantic (the ``web``
extra); the types themselves import nothing heavy. Valence, arousal and dominance are on
-1..1; times in the song are in seconds unless a name says beats or bars.
"""

# No ``from __future__ import annotations`` here: NotRequired must be seen at run time
# (``Score.__required_keys__``), and every type is defined before it is used.
import argparse
import json
import sys
from pathlib import Path
from typing import Any, NotRequired

# typing_extensions' TypedDict: pydantic reads these types only from it before Python 3.12.
from typing_extensions import TypedDict

SCHEMA_ID = "https://photograph.invalid/score.schema.json"
SCHEMA_FILE = "score.schema.json"


class VAD(TypedDict):
    """A mood reading."""

    valence: float
    arousal: float
    dominance: float


class MoodSummary(VAD):
    """The overall mood, its tension and the reader that made it (``mood.model``)."""

    tension: float
    model: str


class MessageMood(VAD):
    """One message and its reading."""

    speaker: str
    time: str | None
    text: str


class SpeakerMood(VAD):
    """A speaker's share of the chat and mean reading."""

    messages: int
    share: float


class Driver(TypedDict):
    """A message that moved a segment's mood (text cut to 200 characters)."""

    index: int
    speaker: str
    text: str


class Segment(VAD):
    """A stretch of the chat with one mood: messages ``start`` (inclusive) to ``end``."""

    start: int
    end: int
    dominant_speaker: str | None
    drivers: list[Driver]


class MoodView(TypedDict):
    """Everything ``photograph mood --json`` prints (also ``score.json``'s ``mood``)."""

    mood: MoodSummary
    messages: list[MessageMood]
    speakers: dict[str, SpeakerMood]
    arc: list[VAD]
    segments: list[Segment]
    format: str


class Section(TypedDict):
    """A section of the form (``start_bar`` counts from 0)."""

    name: str
    start_bar: int
    bars: int
    key: str
    valence: float
    arousal: float


class Appearance(TypedDict):
    """Where a speaker's motif is played."""

    section: str
    bar: int


class SpeakerMotif(TypedDict):
    """A speaker's motif: ``[scale step, beats]`` pairs."""

    name: str
    motif: list[list[float]]
    appearances: list[Appearance]


class Chord(TypedDict):
    """A chord; ``start`` and ``beats`` in beats."""

    start: float
    beats: float
    symbol: str


class Part(TypedDict):
    """An instrument part (``notes``: how many)."""

    name: str
    program: int
    channel: int
    notes: int
    pedal: bool


class BarEvents(TypedDict):
    """One bar of the timeline: its section and the messages (indices) it plays."""

    bar: int
    section: str
    messages: list[int]


class SongView(TypedDict):
    """Every musical choice of a song."""

    title: str
    key: str
    tempo: float
    time_signature: str
    style: str
    seed: int
    bars: int
    duration_s: float
    sections: list[Section]
    speakers: list[SpeakerMotif]
    tempo_changes: list[list[float]]  # [beat, bpm]: the declared tempo, then the ritardando
    timeline: list[BarEvents]  # one entry per bar: its section and the messages it plays
    chords: list[Chord]
    parts: list[Part]


class NoteEvent(TypedDict):
    """A note for a piano roll: index into ``song.parts``, times in seconds."""

    part: int
    pitch: int
    start: float
    duration: float
    velocity: int


class InputSummary(TypedDict):
    """What was read: SHA-256 of the conversation, its format, size and speakers."""

    digest: str
    format: str
    messages: int
    speakers: list[str]


class Options(TypedDict):
    """The request's song options, the seed used, and the audio format and engine (None
    when no audio was made)."""

    seed: int
    length_s: float
    style: str
    valence: float | None
    arousal: float | None
    humanize: bool
    title: str
    audio_format: str | None
    engine: str | None


class AudioLevels(TypedDict):
    """The audio file's measured integrated loudness (LUFS) and sample peak (dBFS)."""

    loudness_lufs: float | None
    peak_dbfs: float | None


class LiveResponse(TypedDict):
    """How the music answered a message of a live session (``message`` counts from 0):
    ``kind`` (motif, ornament, swell; none after the end) at ``time_s`` (bar ``bar``,
    from 1; beat ``beat`` from the start) for a message that arrived at ``arrived_s``."""

    message: int
    speaker: str
    kind: str
    arrived_s: float
    time_s: float
    beat: float
    bar: int


class LiveBar(TypedDict):
    """A bar of a live song as it was written: when it sounds, its section, key, first
    chord and the running mood it followed (``bar`` from 1)."""

    bar: int
    time_s: float
    section: str
    key: str
    chord: str
    mood: VAD


class Modulation(TypedDict):
    """A change of mode at bar ``bar`` (from 1), through the pivot chord before it."""

    bar: int
    from_key: str
    to_key: str
    pivot: str


class LiveTimeline(TypedDict):
    """A live song's timeline: which message led to which bar and response."""

    responses: list[LiveResponse]
    bars: list[LiveBar]
    modulations: list[Modulation]


class Score(TypedDict):
    """A song's ``score.json``: input digest, mood, every choice, seed, files, versions.

    ``files`` maps roles (``midi``, ``audio``, ``musicxml``, ``score``) to file names in
    the song's folder. ``audio`` is there when the engine measured its output. The
    timeline (which messages each bar came from) is ``song.timeline``; a live song
    (``photograph live``, ``/api/live``) also has ``live``.
    """

    id: str
    created: str
    input: InputSummary
    seed: int
    options: Options
    mood: MoodView
    song: SongView
    notes: list[NoteEvent]
    files: dict[str, str]
    versions: dict[str, str]
    audio: NotRequired[AudioLevels]
    live: NotRequired[LiveTimeline]


def json_schema() -> dict[str, Any]:
    """:class:`Score` as JSON Schema (draft 2020-12), made with pydantic."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(Score).json_schema(ref_template="#/$defs/{model}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def schema_text() -> str:
    """The published file's text."""
    return json.dumps(json_schema(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def schema_path() -> Path:
    """Where the published schema lives (package data)."""
    return Path(__file__).resolve().parent / "data" / SCHEMA_FILE


def main(argv: list[str] | None = None) -> int:
    """Print the schema, or ``--write`` it to ``composer/data/score.schema.json``."""
    ap = argparse.ArgumentParser(prog="python -m composer.score", description=main.__doc__)
    ap.add_argument("--write", action="store_true", help="update the published file")
    args = ap.parse_args(argv)
    if args.write:
        schema_path().write_text(schema_text(), encoding="utf-8")
        print(f"wrote {schema_path()}", file=sys.stderr)
    else:
        sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
