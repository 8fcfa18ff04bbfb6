"""The album: every photograph is a folder under ``scores/``, written atomically.

A song is first written into a hidden temporary folder inside the album (same file
system), every file flushed to disk, and only then renamed to its final name in one
``rename`` call. A crash at any point leaves either no song or a whole song; leftovers of
interrupted writes (``.tmp-<pid>@<host>-*``) are removed when an album is opened: at once
when that process of this host is gone, after :data:`FOREIGN_TMP_S` when another host
wrote them (an album on a shared volume: its writer may still be at work).
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from composer.audio.formats import EXTENSIONS
from composer.errors import InputError, NotFoundError, OptionError, StorageError

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
TMP_PREFIX = ".tmp-"
SCORE_FILE = "score.json"
#: This machine in temporary names (``.tmp-<pid>@<host>-…``): letters, digits and ``_``.
HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "host"
#: Another host's temporary folder is left alone this long (its writer may be at work).
FOREIGN_TMP_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Record:
    """A saved song: its id, folder and file paths (``None`` when not written)."""

    id: str
    dir: Path
    midi: Path
    score: Path
    audio: Path | None
    musicxml: Path | None


def slug(text: str, limit: int = 24) -> str:
    """A file-name-safe lower-case slug (ASCII letters, digits, dashes)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].strip("-") or "song"


def new_song_id(hint: str | None, tail: str | None = None) -> str:
    """A readable, sortable song id: UTC time, a slug of ``hint`` and ``tail``.

    ``hint`` is the input's first words (``"song"`` when empty); ``tail`` tells songs of
    the same second apart: the input's digest start (CLI), or by default 8 random hex
    digits (web jobs, which need the id before the input is read).
    """
    now = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return check_id(f"{now}-{slug(hint or 'song', 20)}-{tail or secrets.token_hex(4)}")


def check_id(song_id: str) -> str:
    """Validate an id (no path separators, no dots in front): it names a folder."""
    if not isinstance(song_id, str) or not ID_PATTERN.fullmatch(song_id) or ".." in song_id:
        raise InputError(f"invalid song id {song_id!r}")
    return song_id


class Album:
    """A folder of songs.

    Parameters
    ----------
    root : Path
        The album folder (created if missing). Stale temporary folders are removed.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"cannot use {self.root} as the album folder: {_why(e)}") from None
        if not self.root.is_dir():
            raise StorageError(f"cannot use {self.root} as the album folder: not a folder")
        self.clean()

    def clean(self) -> int:
        """Remove leftovers of interrupted writes; returns how many were removed."""
        n = 0
        for p in self.root.glob(TMP_PREFIX + "*"):
            owner = p.name[len(TMP_PREFIX) :].split("-", 1)[0]
            pid, _, host = owner.partition("@")
            if host and host != HOST:
                try:
                    if time.time() - p.stat().st_mtime < FOREIGN_TMP_S:
                        continue  # another machine's write, maybe in progress
                except OSError:
                    continue
            elif pid.isdigit() and _alive(int(pid)):
                continue  # a live process (maybe this one) is writing it
            shutil.rmtree(p, ignore_errors=True)
            n += 1
        return n

    def save(self, files: dict[str, bytes], song_id: str, *, exclusive: bool = False) -> Record:
        """Write ``files`` (name → bytes) as song ``song_id``, atomically.

        If the id is taken, ``-2``, ``-3``… is appended, unless ``exclusive`` is set, in
        which case :class:`OptionError` is raised (a finished song is never overwritten).
        """
        check_id(song_id)
        tmp = self.root / f"{TMP_PREFIX}{os.getpid()}@{HOST}-{uuid.uuid4().hex}"
        try:
            tmp.mkdir()
        except OSError as e:
            raise StorageError(f"cannot write into {self.root}: {_why(e)}") from None
        try:
            for name, data in files.items():
                path = tmp / name
                with open(path, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            final = self._rename_free(tmp, song_id, exclusive)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StorageError(f"cannot write the song into {self.root}: {_why(e)}") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _fsync_dir(self.root)
        return self._record(final)

    def _rename_free(self, tmp: Path, song_id: str, exclusive: bool) -> Path:
        for n in range(1, 1000):
            candidate = self.root / (song_id if n == 1 else f"{song_id}-{n}")
            if candidate.exists():
                if exclusive:
                    raise OptionError(f"{candidate} already exists; choose another name")
                continue
            try:
                os.rename(tmp, candidate)  # atomic; fails if another writer took the name
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                if exclusive:
                    raise OptionError(f"{candidate} already exists; choose another name") from None
                continue
            return candidate
        raise OptionError(f"too many songs named {song_id!r}")

    def _record(self, folder: Path) -> Record:
        # The audio the song was saved with is the oldest one: copies converted on demand
        # later (song.ogg of an Opus song) must not take its place.
        found = [p for p in folder.glob("song.*") if p.suffix in EXTENSIONS]
        audio = min(found, key=lambda p: (p.stat().st_mtime_ns, p.name)) if found else None
        xml = folder / "song.musicxml"
        return Record(
            folder.name,
            folder,
            folder / "song.mid",
            folder / SCORE_FILE,
            audio,
            xml if xml.exists() else None,
        )

    def get(self, song_id: str) -> Record:
        """The record of a saved song; :class:`NotFoundError` if there is none."""
        folder = self.root / check_id(song_id)
        if not (folder / SCORE_FILE).is_file():
            raise NotFoundError(f"no song with id {song_id!r}")
        return self._record(folder)

    def score(self, song_id: str) -> dict[str, Any]:
        """The parsed ``score.json`` of a song."""
        rec = self.get(song_id)
        data: dict[str, Any] = json.loads(rec.score.read_text(encoding="utf-8"))
        return data

    def list(self) -> list[Record]:
        """All finished songs, newest first (by the time their folder was completed)."""
        done = [
            p
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / SCORE_FILE).is_file()
        ]
        done.sort(key=lambda p: ((p / SCORE_FILE).stat().st_mtime_ns, p.name), reverse=True)
        return [self._record(p) for p in done]

    def delete(self, song_id: str) -> None:
        """Remove a song: renamed away first (atomic), then deleted."""
        rec = self.get(song_id)
        trash = self.root / f"{TMP_PREFIX}{os.getpid()}@{HOST}-del-{uuid.uuid4().hex}"
        os.rename(rec.dir, trash)
        shutil.rmtree(trash, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
