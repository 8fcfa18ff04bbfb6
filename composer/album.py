"""The album in a folder: every photograph is a folder under ``scores/``, written atomically.

A song is first written into a hidden temporary folder inside the album (same file
system), every file flushed to disk, and only then renamed to its final name in one
``rename`` call. A crash at any point leaves either no song or a whole song.

The folder may be a volume shared by many machines (NFS, a cluster file system): a
temporary folder is named ``.tmp-<host>-<pid>-<random>``, and :meth:`Album.clean` (run when
an album is opened) removes one only when it is this host's and its process is gone, or
when it has not changed for :data:`STALE_S` (a writer on another host that died). A write
in progress on another machine is never removed. Other backends (an S3 bucket) and
:func:`composer.storage.open_album` are in :mod:`composer.storage`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from composer.audio.formats import EXTENSIONS
from composer.errors import InputError, NotFoundError, OptionError, StorageError

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
TMP_PREFIX = ".tmp-"
SCORE_FILE = "score.json"
#: A temporary folder of another host (or of a pid that cannot be checked) is removed only
#: after this long without a change: no song takes a day to write.
STALE_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Record:
    """A saved song: its id, where it lives and its files (``None`` when not written).

    For a folder album the paths are real :class:`~pathlib.Path` objects; other backends
    give their object keys as pure paths (names and suffixes work the same). ``files`` are
    the names the song has, ``stamp`` when it was completed (ns since the epoch: the time
    its ``score.json`` was written).
    """

    id: str
    dir: PurePath
    midi: PurePath
    score: PurePath
    audio: PurePath | None
    musicxml: PurePath | None
    files: tuple[str, ...] = ()
    stamp: int = 0


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


def host_tag() -> str:
    """This machine's short tag in temporary names (``h`` and 8 hex digits of its name)."""
    return "h" + hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def check_id(song_id: str) -> str:
    """Validate an id (no path separators, no dots in front): it names a folder."""
    if not isinstance(song_id, str) or not ID_PATTERN.fullmatch(song_id) or ".." in song_id:
        raise InputError(f"invalid song id {song_id!r}")
    return song_id


class Album:
    """A folder of songs (the default :class:`composer.storage.Storage`).

    Parameters
    ----------
    root : Path
        The album folder (created if missing). Stale temporary folders are removed.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.location = str(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"cannot use {self.root} as the album folder: {_why(e)}") from None
        if not self.root.is_dir():
            raise StorageError(f"cannot use {self.root} as the album folder: not a folder")
        self.clean()

    def clean(self, stale_s: float = STALE_S) -> int:
        """Remove leftovers of interrupted writes; returns how many were removed.

        A temporary folder of this host goes when its process is gone; one of another host
        (or of unknown shape) only when nothing in it changed for ``stale_s`` seconds.
        """
        n = 0
        me, now = host_tag(), time.time()
        for p in self.root.glob(TMP_PREFIX + "*"):
            host, pid = _owner(p.name)
            if host == me and pid is not None:
                if _alive(pid):
                    continue  # a live process (maybe this one) is writing it
            elif now - _last_change(p) < stale_s:
                continue  # maybe another machine's write in progress
            shutil.rmtree(p, ignore_errors=True)
            n += 1
        return n

    def save(
        self,
        files: Mapping[str, bytes],
        song_id: str,
        *,
        exclusive: bool = False,
        once: bool = False,
    ) -> Record:
        """Write ``files`` (name → bytes) as song ``song_id``, atomically.

        If the id is taken, ``-2``, ``-3``… is appended, unless ``exclusive`` is set, in
        which case :class:`OptionError` is raised (a finished song is never overwritten), or
        ``once`` is set: then the song already saved under that id is the result (saving a
        song twice, as a redelivered job does, is a success and leaves one song).
        """
        check_id(song_id)
        if once:
            try:
                return self.get(song_id)
            except NotFoundError:
                pass
        tmp = self.root / f"{TMP_PREFIX}{host_tag()}-{os.getpid()}-{uuid.uuid4().hex}"
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
            final = self._rename_free(tmp, song_id, exclusive, once)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StorageError(f"cannot write the song into {self.root}: {_why(e)}") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if final is None:  # ``once``: another writer saved it meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
            return self.get(song_id)
        _fsync_dir(self.root)
        return self._record(final)

    def _rename_free(self, tmp: Path, song_id: str, exclusive: bool, once: bool) -> Path | None:
        for n in range(1, 1000):
            candidate = self.root / (song_id if n == 1 else f"{song_id}-{n}")
            if candidate.exists():
                if once:
                    return None
                if exclusive:
                    raise OptionError(f"{candidate} already exists; choose another name")
                continue
            try:
                os.rename(tmp, candidate)  # atomic; fails if another writer took the name
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                if once:
                    return None
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
        score = folder / SCORE_FILE
        return Record(
            folder.name,
            folder,
            folder / "song.mid",
            score,
            audio,
            xml if xml.exists() else None,
            tuple(sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))),
            score.stat().st_mtime_ns,
        )

    def get(self, song_id: str) -> Record:
        """The record of a saved song; :class:`NotFoundError` if there is none."""
        folder = self.root / check_id(song_id)
        try:
            return self._record(folder)
        except (FileNotFoundError, NotADirectoryError):  # nothing, or a stray plain file
            raise NotFoundError(f"no song with id {song_id!r}") from None

    def score(self, song_id: str) -> dict[str, Any]:
        """The parsed ``score.json`` of a song."""
        rec = self.get(song_id)
        data: dict[str, Any] = json.loads(Path(rec.score).read_text(encoding="utf-8"))
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
        trash = self.root / f"{TMP_PREFIX}{host_tag()}-{os.getpid()}-del-{uuid.uuid4().hex}"
        os.rename(rec.dir, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def read(self, song_id: str, name: str) -> bytes:
        """The bytes of one file of a saved song; :class:`NotFoundError` if it has none."""
        path = self.fetch(self.get(song_id), name)
        if path is None:
            raise NotFoundError(f"song {song_id!r} has no {name}")
        return path.read_bytes()

    def fetch(self, record: Record, name: str) -> Path | None:
        """A local file with the bytes of ``name`` (here: the file itself), or ``None``."""
        path = self.local_path(record, name)
        return path if path.is_file() else None

    def local_path(self, record: Record, name: str) -> Path:
        """Where a local copy of ``name`` is kept (a file made from the song goes there)."""
        if "/" in name or name.startswith("."):
            raise NotFoundError(f"song {record.id!r} has no {name}")
        return self.root / record.id / name


def _owner(name: str) -> tuple[str, int | None]:
    """The host tag and pid in a temporary folder's name (the host's for an old name)."""
    parts = name[len(TMP_PREFIX) :].split("-")
    if parts[0].isdigit():  # written before names had a host: ``.tmp-<pid>-…``
        return host_tag(), int(parts[0])
    if len(parts) > 1 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return parts[0], None


def _last_change(path: Path) -> float:
    """The newest modification time of a folder and what is directly in it."""
    try:
        times = [path.stat().st_mtime]
        times += [p.stat().st_mtime for p in path.iterdir()]
    except OSError:
        return 0.0  # gone meanwhile, or a file where a folder was expected
    return max(times)


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
