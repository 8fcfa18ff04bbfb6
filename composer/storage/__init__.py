"""Where the album lives: the :class:`Storage` protocol and :func:`open_album`.

Two backends keep songs the same way: a folder (:class:`composer.album.Album`; the default
``scores/``, possibly a volume shared by many machines) and an S3-compatible bucket
(:class:`composer.storage.s3.S3Album`, ``s3://bucket/prefix``; boto3 is imported only
there). In both a song is complete when its ``score.json`` exists, and that file is
written last; listings show complete songs only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from composer.album import Album, Record
from composer.errors import OptionError

__all__ = ["Record", "Storage", "is_remote", "open_album"]


class Storage(Protocol):
    """An album: save, find, read, list and delete songs.

    Attributes
    ----------
    location : str
        Where it is, as the user gave it (``scores`` or ``s3://bucket/prefix``).
    """

    location: str

    def save(
        self,
        files: Mapping[str, bytes],
        song_id: str,
        *,
        exclusive: bool = False,
        once: bool = False,
    ) -> Record:
        """Save ``files`` (name → bytes; ``score.json`` among them) as song ``song_id``.

        A taken id gets ``-2``, ``-3``… appended; ``exclusive``: :class:`OptionError`
        instead; ``once``: the song already there is the result (idempotent saving).
        """
        ...

    def get(self, song_id: str) -> Record:
        """A complete song's record; :class:`~composer.errors.NotFoundError` if none."""
        ...

    def score(self, song_id: str) -> dict[str, Any]:
        """The parsed ``score.json`` of a song."""
        ...

    def list(self) -> list[Record]:
        """Every complete song, newest first."""
        ...

    def delete(self, song_id: str) -> None:
        """Remove a song (it leaves the listing at once)."""
        ...

    def read(self, song_id: str, name: str) -> bytes:
        """The bytes of one file of a song."""
        ...

    def fetch(self, record: Record, name: str) -> Path | None:
        """A local file with the bytes of ``name`` (downloaded once if needed), or ``None``."""
        ...

    def local_path(self, record: Record, name: str) -> Path:
        """Where a local copy of ``name`` is (or would be) kept."""
        ...

    def clean(self) -> int:
        """Remove leftovers of interrupted writes; returns how many."""
        ...


def is_remote(location: str | Path) -> bool:
    """Whether ``location`` names a bucket (``scheme://…``) rather than a folder."""
    return isinstance(location, str) and "://" in location


def open_album(location: str | Path) -> Storage:
    """The album at ``location``: ``s3://bucket/prefix`` or a folder (created if missing).

    Raises
    ------
    OptionError
        An unknown scheme (``gs://…``) or a malformed bucket address.
    StorageError
        The folder or bucket cannot be used (the message says why).
    """
    if not is_remote(location):
        return Album(Path(location))
    text = str(location)
    if text.startswith("s3://"):
        from composer.storage.s3 import S3Album

        return S3Album(text)
    raise OptionError(f"unknown storage {text!r}: give a folder or s3://bucket/prefix")
