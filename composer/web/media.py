"""Song files as HTTP responses: content types, downloads, byte ranges, audio conversion.

``FileResponse`` answers ``Range`` requests with ``206 Partial Content`` (browsers seek
in audio that way; Safari insists on it). A song is saved with one audio file (Ogg
Vorbis from the web unless the request asked for another); asking for another format
that :mod:`composer.audio.formats` marks ``on_demand`` (``audio.wav`` for Safari, say)
converts it once and keeps the result in the song's folder as ``song.<fmt>``, written to a
temporary name and renamed, so later requests (and ranges) are served from disk.
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


def song_file(record: Record, name: str, attachment: bool) -> FileResponse:
    """``song.mid``, ``score.json`` or ``song.musicxml`` of a song."""
    path = record.dir / name
    if (name == "song.musicxml" and record.musicxml is None) or not path.is_file():
        raise NotFoundError(f"song {record.id!r} has no {name}")
    return file_response(path, CONTENT_TYPES[name], f"{record.id}{Path(name).suffix}", attachment)


def audio_file(record: Record, fmt: str, attachment: bool) -> FileResponse:
    """The song's audio in ``fmt``, converted (once) from the saved audio if needed."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise NotFoundError(f"unknown audio format {fmt!r}")
    path = record.dir / f"song{spec.extension}"
    if not path.is_file():
        if record.audio is None:
            raise NotFoundError(f"song {record.id!r} has no audio")
        if not spec.on_demand:
            raise NotFoundError(f"song {record.id!r} has no {fmt} audio")
        convert(record.audio, path, fmt)
    return file_response(path, spec.content_type, f"{record.id}{spec.extension}", attachment)


def convert(source: Path, target: Path, fmt: str) -> None:
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
                f"cannot make {fmt} audio for song {source.parent.name!r}: {e}"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 256:
            _locks.clear()
        return _locks.setdefault(path, threading.Lock())
