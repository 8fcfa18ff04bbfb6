"""Song files as HTTP responses: content types, downloads, byte ranges, audio conversion.

``FileResponse`` answers ``Range`` requests with ``206 Partial Content`` (browsers seek
in audio that way; Safari insists on it). A song is saved with one audio file (Ogg
Vorbis from the web unless the request asked for another); asking for another format
that :mod:`composer.audio.formats` marks ``on_demand`` (``audio.wav`` for Safari, say)
converts it once and keeps the result in the song's folder as ``song.<fmt>``, written to a
temporary name and renamed, so later requests (and ranges) are served from disk.

A song in a bucket is served the same way from a local copy the storage downloads once
(:meth:`composer.storage.Storage.fetch`), not by a redirect to the bucket: the page's
Content-Security-Policy allows media from its own origin only, the bucket stays private
(no signed URLs handed out) and its endpoint may be reachable from the servers only.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

from starlette.responses import FileResponse

from composer.album import Record
from composer.audio.formats import FORMATS
from composer.errors import ComposerError, NotFoundError
from composer.storage import Storage

CONTENT_TYPES = {
    "song.mid": "audio/midi",
    "score.json": "application/json",
    "song.musicxml": "application/vnd.recordare.musicxml+xml",
}

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def file_response(
    path: Path, media_type: str, download_name: str, attachment: bool
) -> FileResponse:
    """A file with its type, a download name and no caching without revalidation."""
    disposition = "attachment" if attachment else "inline"
    return FileResponse(
        path,
        media_type=media_type,
        filename=download_name,
        content_disposition_type=disposition,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def song_file(album: Storage, record: Record, name: str, attachment: bool) -> FileResponse:
    """``song.mid``, ``score.json`` or ``song.musicxml`` of a song."""
    path = (
        None if name == "song.musicxml" and record.musicxml is None else album.fetch(record, name)
    )
    if path is None:
        raise NotFoundError(f"song {record.id!r} has no {name}")
    return file_response(path, CONTENT_TYPES[name], f"{record.id}{Path(name).suffix}", attachment)


def audio_file(album: Storage, record: Record, fmt: str, attachment: bool) -> FileResponse:
    """The song's audio in ``fmt``, converted (once) from the saved audio if needed."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise NotFoundError(f"unknown audio format {fmt!r}")
    name = f"song{spec.extension}"
    path = album.fetch(record, name)
    if path is None:
        if record.audio is None:
            raise NotFoundError(f"song {record.id!r} has no audio")
        if not spec.on_demand:
            raise NotFoundError(f"song {record.id!r} has no {fmt} audio")
        source = album.fetch(record, record.audio.name)
        if source is None:
            raise NotFoundError(f"song {record.id!r} has no audio")
        path = album.local_path(record, name)
        convert(source, path, fmt, record.id)
    return file_response(path, spec.content_type, f"{record.id}{spec.extension}", attachment)


def convert(source: Path, target: Path, fmt: str, song_id: str = "") -> None:
    """Decode ``source`` and write ``target`` in ``fmt`` (atomically; once per file)."""
    from composer.audio.files import encode_audio, read_audio

    with _lock_for(target):
        if target.is_file():
            return
        tmp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")
        try:
            tmp.write_bytes(encode_audio(read_audio(source), fmt))
            os.replace(tmp, target)
        except (OSError, RuntimeError, ComposerError) as e:  # gone meanwhile, or undecodable
            raise NotFoundError(
                f"cannot make {fmt} audio for song {song_id or source.parent.name!r}: {e}"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 256:
            _locks.clear()
        return _locks.setdefault(path, threading.Lock())
