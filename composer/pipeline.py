"""The whole pipeline in one place: input → Chat → Mood → Song → MIDI (+ Audio) → album.

Both front ends (CLI and web) call these functions; they hold no state of their own.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from composer import __version__
from composer.album import Record, new_song_id
from composer.audio.formats import AUDIO_FORMATS, DEFAULT_FORMAT, audio_format
from composer.audio.model import Audio
from composer.chat.limits import Limits
from composer.chat.model import Chat
from composer.errors import ComposerError, OptionError
from composer.mood.model import Mood
from composer.music.compose import SongOptions
from composer.music.model import Song
from composer.progress import Progress, no_progress
from composer.report import mood_summary, mood_view, notes_view, song_view
from composer.storage import Storage

if TYPE_CHECKING:  # types only: the default path does not import the schema module
    from composer.score import Score


@dataclass(frozen=True, slots=True)
class Request:
    """One compose job.

    Attributes
    ----------
    data : bytes or str or None
        The chat export (any supported format), or ``None`` with ``moment``.
    moment : str or None
        A one-line description of a moment, instead of a chat.
    fmt : str
        Chat format name or ``"auto"``.
    filename : str or None
        The upload's file name: a hint for format detection only, never a path.
    seed : int or None
        ``None`` derives the seed from the input, so the same input gives the same song.
    song : SongOptions
        Style, length and mood overrides (its ``seed`` is filled in by the pipeline).
    audio_format : str
        One of :data:`composer.audio.formats.AUDIO_FORMATS`; ignored with ``no_audio``.
    no_audio : bool
        Write MIDI and score only.
    engine : str
        Audio engine name (see :mod:`composer.engines`).
    engine_options : dict
        Passed to the engine's ``create``.
    musicxml : bool
        Also write ``song.musicxml``.
    limits : composer.chat.Limits or None
        Size limits for reading the chat (``None``: the importers' defaults).
    """

    data: bytes | str | None = None
    moment: str | None = None
    fmt: str = "auto"
    filename: str | None = None
    seed: int | None = None
    song: SongOptions = field(default_factory=SongOptions)
    audio_format: str = DEFAULT_FORMAT
    no_audio: bool = False
    engine: str = "synth"
    engine_options: dict[str, Any] = field(default_factory=dict)
    musicxml: bool = False
    limits: Limits | None = None


@dataclass(frozen=True, slots=True)
class Composition:
    """Everything a compose job produced, before it is saved."""

    chat: Chat
    mood: Mood
    song: Song
    midi: bytes
    audio: Audio | None
    digest: str
    notes: tuple[str, ...] = ()
    #: ``audio`` already encoded in the request's format (engines that encode while they
    #: render), with its measured integrated loudness (LUFS) and peak (dBFS).
    audio_file: bytes | None = None
    audio_levels: tuple[float, float] | None = None


def read_chat(request: Request) -> Chat:
    """Parse the request's input (chat export or moment) into a :class:`Chat`."""
    from composer import chat

    if request.moment is not None:
        if request.data is not None:
            raise OptionError("give either a chat or --moment, not both")
        return chat.moment(request.moment)
    if request.data is None:
        raise OptionError("nothing to compose: give a chat file, '-' for stdin, or --moment")
    limits = request.limits if request.limits is not None else chat.DEFAULT_LIMITS
    return chat.parse(request.data, request.fmt, filename=request.filename, limits=limits)


def digest_of(chat: Chat) -> str:
    """SHA-256 of the parsed conversation (speakers and texts), independent of the format."""
    h = hashlib.sha256()
    for m in chat.messages:
        h.update(m.speaker.encode("utf-8", "replace") + b"\x1f")
        h.update(m.text.encode("utf-8", "replace") + b"\x1e")
    return h.hexdigest()


def seed_from(digest: str) -> int:
    """The default seed: a small number taken from the input's digest."""
    return int(digest[:8], 16) % 100_000


def compose(request: Request, progress: Progress = no_progress) -> Composition:
    """Run the pipeline up to audio (nothing is written to disk)."""
    from composer.midi import to_midi
    from composer.mood import analyse
    from composer.music.compose import compose as compose_song

    if request.audio_format not in AUDIO_FORMATS:
        audio_format(request.audio_format)  # OptionError, listing the formats
        raise OptionError(f"write the audio format in lower case: {request.audio_format!r}")
    if not request.no_audio and request.engine == "synth":
        from composer.engines.synth import prewarm

        # Loads the SoundFont while the song is composed, into synths at the rate the
        # format takes (Opus: 48 kHz).
        rate = audio_format(request.audio_format).rate_for(44100)
        prewarm({"sample_rate": rate, **request.engine_options})
    progress("reading", 0, 4)
    chat = read_chat(request)
    digest = digest_of(chat)
    seed = request.seed if request.seed is not None else seed_from(digest)
    if not 0 <= seed < 2**63:
        raise OptionError("seed must be a non-negative integer")
    progress("mood", 1, 4)
    mood = analyse(chat)
    progress("composing", 2, 4)
    title = request.song.title
    if title == SongOptions().title and chat.title:
        title = chat.title
    opts = replace(request.song, seed=seed, title=title)
    song = compose_song(chat, mood, opts)
    midi = to_midi(song)
    audio = None
    audio_file = None
    levels = None
    notes: tuple[str, ...] = ()
    if not request.no_audio:
        from composer.engines import EncodingEngine, load_engine

        progress("rendering", 3, 4)
        engine = load_engine(request.engine, **request.engine_options)

        def step(stage: str, done: float, total: float) -> None:
            progress(stage, 3 + done / max(total, 1), 4)

        if isinstance(engine, EncodingEngine):  # encodes while it renders
            rendered = engine.render_encoded(
                song, midi, request.audio_format, seed=seed, progress=step
            )
            audio, audio_file = rendered.audio, rendered.data
            levels = (rendered.loudness_lufs, rendered.peak_dbfs)
        else:
            audio = engine.render(song, midi, seed=seed, progress=step)
        notes = tuple(dict.fromkeys(n for n in engine.warnings if n))
    progress("done", 4, 4)
    return Composition(chat, mood, song, midi, audio, digest, notes, audio_file, levels)


def compose_batch(
    requests: Sequence[Request],
    progresses: Sequence[Progress] | None = None,
    *,
    engine: Any = None,
) -> list[Composition | ComposerError]:
    """Compose up to 8 songs whose audio one engine decodes as a batch (the ``gpu`` queue).

    Each request's score is composed as :func:`compose` does; a request whose input is
    unusable gets its :class:`ComposerError` in its slot and the others go on. Then every
    score is rendered in one ``engine.render_batch`` call, each with its own seed and
    progress (a song's audio does not depend on the rest of the batch). ``engine``: a
    :class:`~composer.engines.BatchEngine` kept loaded by the caller (a worker process), or
    one made from the first request's ``engine`` and ``engine_options``, which all requests
    must share. Save each result with ``save(comp, request, album, job_id, once=True)``.
    """
    from composer.engines import BatchEngine, load_engine
    from composer.engines.musicgen_batch import BatchSong

    first = requests[0] if requests else None
    if first is None:
        return []
    if any((r.engine, r.engine_options) != (first.engine, first.engine_options) for r in requests):
        raise OptionError("a batch takes songs of one engine with the same engine options")
    calls = list(progresses) if progresses is not None else [no_progress] * len(requests)
    out: list[Composition | ComposerError] = []
    for request, progress in zip(requests, calls, strict=True):

        def scoring(stage: str, done: float, total: float, progress: Progress = progress) -> None:
            if stage != "done":
                progress(stage, done, total)

        try:
            out.append(compose(replace(request, no_audio=True), scoring))
        except ComposerError as e:
            out.append(e)
    engine = engine if engine is not None else load_engine(first.engine, **first.engine_options)
    if not isinstance(engine, BatchEngine):
        raise OptionError(f"engine {first.engine!r} cannot render songs in batches")
    todo = [(i, c) for i, c in enumerate(out) if isinstance(c, Composition)]
    items = [BatchSong(c.song, c.song.seed, _rendering(calls[i])) for i, c in todo]
    audios = engine.render_batch(items) if items else []
    notes = tuple(dict.fromkeys(n for n in engine.warnings if n))
    for (i, comp), audio in zip(todo, audios, strict=True):
        out[i] = replace(comp, audio=audio, notes=notes)
        calls[i]("done", 4, 4)
    return out


def _rendering(progress: Progress) -> Progress:
    """An engine's progress as the last quarter of a job's (as :func:`compose` reports it)."""

    def step(stage: str, done: float, total: float) -> None:
        progress(stage, 3 + done / max(total, 1), 4)

    return step


def song_id(comp: Composition) -> str:
    """A readable, sortable id: time, a slug of the first words, and the digest's start."""
    first = comp.chat.messages[0].text if comp.chat.messages else None
    return new_song_id(first, comp.digest[:6])


def score_document(
    comp: Composition, request: Request, song_id: str, files: dict[str, str]
) -> Score:
    """The ``score.json`` of a song: input digest, mood, every choice, seed, versions
    (its shape: :class:`composer.score.Score`)."""
    opts = request.song
    doc: Score = {
        "id": song_id,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": {
            "digest": comp.digest,
            "format": comp.chat.format,
            "messages": len(comp.chat.messages),
            "speakers": list(comp.chat.speakers),
        },
        "seed": comp.song.seed,
        "options": {
            "seed": comp.song.seed,
            "length_s": opts.length_s,
            "style": opts.style,
            "valence": opts.valence,
            "arousal": opts.arousal,
            "humanize": opts.humanize,
            "title": opts.title,
            "audio_format": None if comp.audio is None else request.audio_format,
            "engine": None if comp.audio is None else request.engine,
        },
        "mood": mood_view(comp.chat, comp.mood),
        "song": song_view(comp.song),
        "notes": notes_view(comp.song),
        "files": files,
        "versions": versions(),
    }
    if comp.audio is not None and comp.audio_levels is not None:
        loudness, peak = comp.audio_levels  # measured by the engine
        doc["audio"] = {
            "loudness_lufs": round(loudness, 2) if math.isfinite(loudness) else None,
            "peak_dbfs": round(peak, 2) if math.isfinite(peak) else None,
        }
    return doc


def versions() -> dict[str, str]:
    """Versions of the packages that shape the output."""
    out = {"photograph": __version__}
    for name in ("mido", "numpy", "pyfluidsynth", "soundfile", "onnxruntime"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def save(
    comp: Composition,
    request: Request,
    album: Storage,
    name: str | None = None,
    *,
    exclusive: bool = False,
    once: bool = False,
) -> Record:
    """Encode everything and save the song in ``album`` atomically (``score.json`` last).

    ``exclusive``: a taken ``name`` is an :class:`OptionError`; ``once``: the song already
    saved under ``name`` is the result (a job run twice saves one song).
    """
    files: dict[str, bytes] = {"song.mid": comp.midi}
    audio_name = "song" + audio_format(request.audio_format).extension
    if comp.audio_file is not None:
        files[audio_name] = comp.audio_file
    elif comp.audio is not None:
        from composer.audio.files import encode_audio

        files[audio_name] = encode_audio(comp.audio, request.audio_format)
    if request.musicxml:
        from composer.notation import to_musicxml

        files["song.musicxml"] = to_musicxml(comp.song)
    sid = name or song_id(comp)
    listing = {_role(k): k for k in files}
    doc = score_document(comp, request, sid, {**listing, "score": "score.json"})
    # Indented for people to read; compact for very long chats (memory and size).
    indent = 1 if len(comp.chat.messages) <= 2_000 else None
    files["score.json"] = json.dumps(doc, ensure_ascii=False, indent=indent).encode("utf-8")
    return album.save(files, sid, exclusive=exclusive, once=once)


def _role(file_name: str) -> str:
    if file_name == "song.mid":
        return "midi"
    return "musicxml" if file_name == "song.musicxml" else "audio"


def summary(comp: Composition, record: Record) -> dict[str, Any]:
    """The one JSON object ``compose --json`` prints."""
    view = song_view(comp.song)
    return {
        "id": record.id,
        "dir": str(record.dir),
        "midi": str(record.midi),
        "audio": str(record.audio) if record.audio else None,
        "score": str(record.score),
        "musicxml": str(record.musicxml) if record.musicxml else None,
        "mood": mood_summary(comp.mood),
        "key": view["key"],
        "tempo": view["tempo"],
        "time_signature": view["time_signature"],
        "style": view["style"],
        "seed": comp.song.seed,
        "duration_s": round(comp.audio.duration_s, 3) if comp.audio else view["duration_s"],
        "sections": view["sections"],
        "speakers": view["speakers"],
        "notes": list(comp.notes),
    }
