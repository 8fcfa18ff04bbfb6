"""The album in an S3-compatible bucket: ``s3://bucket/prefix``.

A song is the objects ``<prefix>/<id>/<file>``. Its files are put first and ``score.json``
last, with ``If-None-Match: *``: the song is complete (listed, served) from the moment
that object exists, and of two writers of one id the first to finish wins; the other
finds the song there (``once``: success, nothing doubled) or gets :class:`OptionError`
(``exclusive``). A reader never sees a song without its files. Deleting removes
``score.json`` first, so a song leaves the listing at once; parts of writers that died
before their ``score.json`` are removed by :meth:`S3Album.clean` after
:data:`~composer.album.STALE_S`.

Endpoint, credentials and region come from the environment as for any AWS tool
(``AWS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or a profile). Files the web API
serves are downloaded once into a local cache (:data:`CACHE_FILES` at most), so byte
ranges and audio conversion work as for a folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from composer.album import SCORE_FILE, STALE_S, Record, check_id
from composer.audio.formats import EXTENSIONS
from composer.errors import NotFoundError, OptionError, StorageError

#: Most files kept in the local download cache (the oldest go first).
CACHE_FILES = 512
_MISSING = {"NoSuchKey", "404", "NotFound"}


def parse(location: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix/")`` (``""`` for none)."""
    rest = location.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    if not bucket or any(c in bucket for c in " \\?#") or ".." in prefix.split("/"):
        raise OptionError(f"invalid bucket address {location!r}: use s3://bucket/prefix")
    return bucket, f"{prefix}/" if prefix else ""


def client() -> Any:
    """An S3 client configured from the environment (boto3 imported here only)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise StorageError("s3:// storage needs boto3: pip install 'photograph[cluster]'") from None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 4, "mode": "standard"},
        # Path-style addressing for a local endpoint (MinIO, moto, Ceph): no DNS per bucket.
        s3={"addressing_style": "path" if endpoint else "auto"},
    )
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    return boto3.client("s3", endpoint_url=endpoint or None, region_name=region, config=config)


class S3Album:
    """Songs in a bucket (see the module's notes); the same methods as a folder album.

    Parameters
    ----------
    location : str
        ``s3://bucket`` or ``s3://bucket/prefix``; the bucket must exist.
    cache_dir : Path, optional
        Where downloaded files are kept (default: a folder in the system's temp dir).
    """

    def __init__(self, location: str, *, cache_dir: Path | None = None) -> None:
        self.location = location
        self.bucket, self.prefix = parse(location)
        self._s3 = client()
        digest = hashlib.sha256(location.encode()).hexdigest()[:12]
        default = Path(tempfile.gettempdir()) / f"photograph-s3-{os.getuid()}" / digest
        self.cache_dir = cache_dir or default
        with self._errors(f"cannot use {location} as the album"):
            self._s3.head_bucket(Bucket=self.bucket)

    # ------------------------------------------------------------------ writing
    def save(
        self,
        files: Mapping[str, bytes],
        song_id: str,
        *,
        exclusive: bool = False,
        once: bool = False,
    ) -> Record:
        """Put the files, then ``score.json`` (the mark of a complete song); see the module."""
        check_id(song_id)
        if SCORE_FILE not in files:
            raise ValueError(f"a song needs its {SCORE_FILE}")
        strict = once or exclusive
        for n in range(1, 1000):
            candidate = song_id if n == 1 else f"{song_id}-{n}"
            if strict and self._exists(candidate):
                return self._taken(candidate, once)
            if not strict and self._keys(candidate):
                continue  # complete, or someone is writing it
            with self._errors(f"cannot write the song into {self.location}"):
                for name, data in files.items():
                    if name != SCORE_FILE:
                        key = self._key(candidate, name)
                        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data)
                if not self._put_mark(candidate, files[SCORE_FILE]):
                    if strict:
                        return self._taken(candidate, once)
                    continue
            return self.get(candidate)
        raise OptionError(f"too many songs named {song_id!r}")

    def _taken(self, song_id: str, once: bool) -> Record:
        if once:
            return self.get(song_id)
        raise OptionError(f"{self.location}/{song_id} already exists; choose another name")

    def _put_mark(self, song_id: str, data: bytes) -> bool:
        """Put ``score.json`` unless it exists; ``False`` when another writer was first."""
        from botocore.exceptions import ClientError

        args = {"Bucket": self.bucket, "Key": self._key(song_id, SCORE_FILE), "Body": data}
        try:
            self._s3.put_object(**args, IfNoneMatch="*", ContentType="application/json")
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            if code not in ("NotImplemented", "501"):
                raise
            # A server without conditional writes: the last writer's mark stands.
            self._s3.put_object(**args, ContentType="application/json")
        return True

    def delete(self, song_id: str) -> None:
        """Remove ``score.json`` first (the song leaves the listing), then its files."""
        self.get(song_id)
        with self._errors(f"cannot delete song {song_id!r}"):
            self._s3.delete_object(Bucket=self.bucket, Key=self._key(song_id, SCORE_FILE))
            self._remove([self._key(song_id, name) for name in self._keys(song_id)])

    def clean(self, stale_s: float = STALE_S) -> int:
        """Remove parts of songs whose writer died before ``score.json``; returns how many."""
        now, n = time.time(), 0
        by_song: dict[str, dict[str, Any]] = {}
        for song_id, name, obj in self._objects(self.prefix):
            by_song.setdefault(song_id, {})[name] = obj
        for song_id, objs in by_song.items():
            newest = max(o["LastModified"].timestamp() for o in objs.values())
            if SCORE_FILE in objs or now - newest < stale_s:
                continue  # complete, or maybe a write in progress
            with self._errors(f"cannot clean {self.location}"):
                self._remove([self._key(song_id, name) for name in objs])
            n += 1
        return n

    # ------------------------------------------------------------------ reading
    def get(self, song_id: str) -> Record:
        """The record of a complete song; :class:`NotFoundError` if there is none."""
        objs = self._keys(check_id(song_id))
        if SCORE_FILE not in objs:
            raise NotFoundError(f"no song with id {song_id!r}")
        return self._record(song_id, objs)

    def list(self) -> list[Record]:
        """Every complete song, newest first (by the time its ``score.json`` was put)."""
        by_song: dict[str, dict[str, Any]] = {}
        for song_id, name, obj in self._objects(self.prefix):
            by_song.setdefault(song_id, {})[name] = obj
        records = [self._record(i, objs) for i, objs in by_song.items() if SCORE_FILE in objs]
        records.sort(key=lambda r: (r.stamp, r.id), reverse=True)
        return records

    def score(self, song_id: str) -> dict[str, Any]:
        """The parsed ``score.json`` of a song."""
        data: dict[str, Any] = json.loads(self.read(song_id, SCORE_FILE).decode("utf-8"))
        return data

    def read(self, song_id: str, name: str) -> bytes:
        """The bytes of one file of a complete song."""
        record = self.get(song_id)
        if name not in record.files:
            raise NotFoundError(f"song {song_id!r} has no {name}")
        return self._get_bytes(song_id, name)

    def fetch(self, record: Record, name: str) -> Path | None:
        """A local copy of ``name`` (downloaded once per completed song), or ``None``."""
        path = self.local_path(record, name)
        if path.is_file():
            return path
        if name not in record.files:
            return None
        data = self._get_bytes(record.id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self._prune()
        return path

    def local_path(self, record: Record, name: str) -> Path:
        """The cache path of ``name``: per song and completion time, so never stale."""
        if "/" in name or name.startswith("."):
            raise NotFoundError(f"song {record.id!r} has no {name}")
        return self.cache_dir / record.id / str(record.stamp) / name

    # ------------------------------------------------------------------ helpers
    def _key(self, song_id: str, name: str) -> str:
        return f"{self.prefix}{song_id}/{name}"

    def _exists(self, song_id: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._s3.head_object(Bucket=self.bucket, Key=self._key(song_id, SCORE_FILE))
        except ClientError as e:
            if e.response.get("Error", {}).get("Code", "") in _MISSING:
                return False
            with self._errors(f"cannot read {self.location}"):
                raise
        return True

    def _keys(self, song_id: str) -> dict[str, Any]:
        """The song's objects by file name."""
        return {name: obj for _, name, obj in self._objects(f"{self.prefix}{song_id}/")}

    def _objects(self, prefix: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(song id, file name, object)`` of every object ``<prefix>/<id>/<file>``."""
        with self._errors(f"cannot read {self.location}"):
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    parts = obj["Key"][len(self.prefix) :].split("/")
                    if len(parts) == 2 and parts[1]:
                        yield parts[0], parts[1], obj

    def _get_bytes(self, song_id: str, name: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            with self._errors(f"cannot read {self.location}", keep=ClientError):
                reply = self._s3.get_object(Bucket=self.bucket, Key=self._key(song_id, name))
                data: bytes = reply["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code", "") in _MISSING:
                raise NotFoundError(f"song {song_id!r} has no {name}") from None
            with self._errors(f"cannot read {self.location}"):
                raise
        return data

    def _record(self, song_id: str, objs: dict[str, Any]) -> Record:
        base = PurePosixPath(self.bucket, *self.prefix.split("/")[:-1], song_id)
        audio = [n for n in objs if n.startswith("song.") and PurePosixPath(n).suffix in EXTENSIONS]
        # The audio the song was saved with is the oldest (as in a folder album).
        first = min(audio, key=lambda n: (objs[n]["LastModified"], n)) if audio else None
        stamp = int(objs[SCORE_FILE]["LastModified"].timestamp() * 1e9)
        return Record(
            song_id,
            base,
            base / "song.mid",
            base / SCORE_FILE,
            base / first if first else None,
            base / "song.musicxml" if "song.musicxml" in objs else None,
            tuple(sorted(objs)),
            stamp,
        )

    def _remove(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            if batch:
                self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def _prune(self) -> None:
        """Keep at most :data:`CACHE_FILES` downloaded files (the newest)."""
        try:
            files = [p for p in self.cache_dir.rglob("*") if p.is_file()]
            if len(files) <= CACHE_FILES:
                return
            files.sort(key=lambda p: p.stat().st_mtime)
            for p in files[: len(files) - CACHE_FILES]:
                p.unlink(missing_ok=True)
        except OSError:
            return  # another thread pruned meanwhile

    def _errors(self, what: str, keep: type[Exception] | None = None) -> _S3Errors:
        return _S3Errors(what, keep)


class _S3Errors:
    """Turn boto errors into one-line :class:`StorageError`s (``with`` block)."""

    def __init__(self, what: str, keep: type[Exception] | None = None) -> None:
        self.what = what
        self.keep = keep  # an error type to let through (the caller handles it)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if error is None or (self.keep is not None and isinstance(error, self.keep)):
            return
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(error, ClientError):
            info = error.response.get("Error", {})
            code = str(info.get("Code", "?"))
            why = "no such bucket" if code in ("404", "NoSuchBucket") else code
            if info.get("Message"):
                why += f": {info['Message']}"
        elif isinstance(error, BotoCoreError):
            why = str(error)
        else:
            return
        raise StorageError(f"{self.what}: {why}") from None
