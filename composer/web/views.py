"""JSON views of saved songs (from their ``score.json``) and of jobs, with links.

Saved songs never change, so a song's view is cached by id and the time its ``score.json``
was written (the record's ``stamp``); reading a large ``score.json`` once per song keeps
status polls cheap.
A view is checked against its response model (:class:`~composer.web.schemas.SongStatus`,
built from ``score.json``'s types) before it is served: a ``score.json`` that does not fit
is a damaged song, never a response of another shape.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from pydantic import ValidationError

from composer.album import Record
from composer.audio.formats import FORMATS
from composer.errors import NotFoundError
from composer.storage import Storage
from composer.web.jobs import JobState
from composer.web.schemas import SongStatus

API = "/api/songs"
EXCERPT_CHARS = 140
#: The formats a song's page lists (``audio_<name>`` links), in the page's order of
#: preference: the saved one first, then those made on demand that every browser plays.
PAGE_FORMATS = ("ogg", "wav")


def job_links(song_id: str) -> dict[str, str]:
    """Links of a job that is not done yet."""
    base = f"{API}/{song_id}"
    return {"self": base, "events": f"{base}/events"}


def song_links(record: Record) -> dict[str, str]:
    """Links of a saved song: status, events, files (audio in every servable format)."""
    base = f"{API}/{record.id}"
    links = {**job_links(record.id), "score": f"{base}/score.json", "midi": f"{base}/song.mid"}
    if record.audio is not None:
        saved = next((f.name for f in FORMATS.values() if f.extension == record.audio.suffix), "")
        links["audio"] = f"{base}/audio.{saved}"
        for fmt in dict.fromkeys((saved, *PAGE_FORMATS)):
            links[f"audio_{fmt}"] = f"{base}/audio.{fmt}"
    if record.musicxml is not None:
        links["musicxml"] = f"{base}/song.musicxml"
    return links


def job_view(state: JobState) -> dict[str, Any]:
    """The status of a queued, running or failed job."""
    out: dict[str, Any] = {
        "id": state.id,
        "status": state.status,
        "stage": state.stage,
        "progress": state.progress,
        "links": job_links(state.id),
    }
    if state.status == "failed":
        out["error"] = {"code": state.error_code, "message": state.error_message}
    return out


def song_view(record: Record, score: dict[str, Any]) -> dict[str, Any]:
    """The status of a finished song: mood, arc, key, tempo, sections, speakers, links."""
    song = _dict(score.get("song"))
    mood_view = _dict(score.get("mood"))
    mood_speakers = _dict(mood_view.get("speakers"))
    speakers = []
    for sp in _list(song.get("speakers")):
        if not isinstance(sp, dict):
            continue
        felt = _dict(mood_speakers.get(str(sp.get("name"))))
        speakers.append(
            {**sp, **{k: felt[k] for k in ("messages", "share", "valence", "arousal") if k in felt}}
        )
    audio_file = record.audio.name if record.audio else None
    first = next((m for m in _list(mood_view.get("messages")) if isinstance(m, dict)), {})
    excerpt = " ".join(str(first.get("text", "")).split())
    return {
        "id": record.id,
        "status": "done",
        "stage": "done",
        "progress": 1.0,
        "title": song.get("title"),
        "excerpt": excerpt[: EXCERPT_CHARS - 1] + "…" if len(excerpt) > EXCERPT_CHARS else excerpt,
        "created": score.get("created"),
        "key": song.get("key"),
        "tempo": song.get("tempo"),
        "time_signature": song.get("time_signature"),
        "style": song.get("style"),
        "seed": score.get("seed"),
        "duration_s": song.get("duration_s"),
        "bars": song.get("bars"),
        "input": score.get("input"),
        "mood": mood_view.get("mood"),
        "arc": mood_view.get("arc"),
        "segments": [
            {k: v for k, v in seg.items() if k != "drivers"}
            for seg in _list(mood_view.get("segments"))
            if isinstance(seg, dict)
        ],
        "sections": song.get("sections"),
        "speakers": speakers,
        "files": {
            "audio": audio_file,
            "midi": record.midi.name,
            "musicxml": record.musicxml.name if record.musicxml else None,
        },
        "links": song_links(record),
    }


def list_item(view: dict[str, Any]) -> dict[str, Any]:
    """The short form of a song in the album listing."""
    keys = (
        "id",
        "title",
        "excerpt",
        "created",
        "key",
        "tempo",
        "time_signature",
        "style",
        "duration_s",
        "mood",
        "links",
    )
    return {k: view.get(k) for k in keys}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class SongViews:
    """Cached :func:`song_view` of the songs of one album."""

    def __init__(self, album: Storage, size: int = 512) -> None:
        self.album = album
        self.size = size
        self._cache: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, song_id: str) -> dict[str, Any]:
        """The view of a saved song; :class:`NotFoundError` when there is none."""
        record = self.album.get(song_id)
        return self.of(record)

    def of(self, record: Record) -> dict[str, Any]:
        """The view of a record (cached until its ``score.json`` changes)."""
        stamp = record.stamp
        with self._lock:
            hit = self._cache.get(record.id)
            if hit is not None and hit[0] == stamp:
                self._cache.move_to_end(record.id)
                return hit[1]
        try:
            score = self.album.score(record.id)
        except FileNotFoundError:
            raise NotFoundError(f"no song with id {record.id!r}") from None
        except ValueError:  # also UnicodeDecodeError
            raise NotFoundError(
                f"song {record.id!r} is damaged: its score.json cannot be read"
            ) from None
        view = song_view(record, score)
        try:
            SongStatus.model_validate(view)
        except ValidationError:
            raise NotFoundError(
                f"song {record.id!r} is damaged: its score.json does not fit score.schema.json"
            ) from None
        with self._lock:
            self._cache[record.id] = (stamp, view)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return view

    def drop(self, song_id: str) -> None:
        """Forget a song (after it was deleted)."""
        with self._lock:
            self._cache.pop(song_id, None)
