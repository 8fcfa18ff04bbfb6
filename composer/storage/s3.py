"""The album in an S3-compatible bucket: ``s3://bucket/prefix``.

A song is ``<prefix>/<id>/score.json`` and its other files ``<prefix>/<id>/<part>/<file>``,
where ``<part>`` is unique to one write (host, pid, random). A writer puts its files
first and ``score.json`` last, with ``If-None-Match: *`` and its part's name in the
object's metadata: the song is complete (listed, served) from the moment that object
exists, and it names exactly one writer's files, so two writers of one id (a job
redelivered while its first run still writes) never mix. The first to finish wins; the
other removes its part and finds the song there (``once``: success, one song) or gets
:class:`OptionError` (``exclusive``). Deleting removes ``score.json`` first, so a song
leaves the listing at once. Parts whose writer died are removed by :meth:`S3Album.clean`
after :data:`~composer.album.STALE_S` (a write in progress is never touched).

Endpoint, credentials and region come from the environment as for any AWS tool
(``AWS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or a profile). Files the web API
serves are downloaded once into a local cache (:data:`CACHE_FILES` at most), so byte
ranges and audio conversion work as for a folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from composer.album import SCORE_FILE, STALE_S, Record, check_id, host_tag
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

    A record's ``dir`` is ``bucket/prefix/id/part``: the folder of its files (its
    ``score`` is one level up).

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
        self.cache_dir = cache_dir or _private_cache() / digest
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
        """Put the files into a new part, then ``score.json`` (the mark); see the module."""
        check_id(song_id)
        if SCORE_FILE not in files:
            raise ValueError(f"a song needs its {SCORE_FILE}")
        strict = once or exclusive
        part = f"{host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:16]}"
        for n in range(1, 1000):
            candidate = song_id if n == 1 else f"{song_id}-{n}"
            if strict and self._exists(candidate):
                return self._taken(candidate, once)
            if not strict and self._objs(candidate):
                continue  # complete, or someone is writing it
            with self._errors(f"cannot write the song into {self.location}"):
                for name, data in files.items():
                    if name != SCORE_FILE:
                        key = f"{self.prefix}{candidate}/{part}/{name}"
                        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data)
                won = self._put_mark(candidate, part, files[SCORE_FILE])
                if not won:  # another writer finished first: ours goes
                    self._remove(self._part_keys(candidate, part))
            if won:
                return self.get(candidate)
            if strict:
                return self._taken(candidate, once)
        raise OptionError(f"too many songs named {song_id!r}")

    def _taken(self, song_id: str, once: bool) -> Record:
        if once:
            return self.get(song_id)
        raise OptionError(f"{self.location}/{song_id} already exists; choose another name")

    def _put_mark(self, song_id: str, part: str, data: bytes) -> bool:
        """Put ``score.json`` unless it exists; ``False`` when another writer was first."""
        from botocore.exceptions import ClientError

        args = {
            "Bucket": self.bucket,
            "Key": self._mark(song_id),
            "Body": data,
            "ContentType": "application/json",
            "Metadata": {"part": part},
        }
        for attempt in range(5):
            try:
                self._s3.put_object(**args, IfNoneMatch="*")
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                if code in ("PreconditionFailed", "412"):
                    return False
                if code in ("ConditionalRequestConflict", "409") and attempt < 4:
                    time.sleep(0.1 * (attempt + 1))  # a concurrent conditional write: retry
                    continue
                if code not in ("NotImplemented", "501"):
                    raise
                # A server without conditional writes: the last writer's mark stands (and
                # names that writer's whole part).
                self._s3.put_object(**args)
            break
        return True

    def delete(self, song_id: str) -> None:
        """Remove ``score.json`` first (the song leaves the listing), then its files."""
        self.get(song_id)
        with self._errors(f"cannot delete song {song_id!r}"):
            self._s3.delete_object(Bucket=self.bucket, Key=self._mark(song_id))
            self._remove([self._song_key(song_id, rest) for rest in self._objs(song_id)])

    def clean(self, stale_s: float = STALE_S) -> int:
        """Remove parts no ``score.json`` names, unchanged for ``stale_s``; returns how many."""
        now, n = time.time(), 0
        for song_id, objs in self._by_song(self.prefix).items():
            current = self._part_of(song_id, objs) if SCORE_FILE in objs else None
            parts: dict[str, list[str]] = {}
            for rest, obj in objs.items():
                if "/" in rest and now - obj["LastModified"].timestamp() >= stale_s:
                    parts.setdefault(rest.split("/")[0], []).append(rest)
            for part, rests in parts.items():
                if part == current or len(rests) < self._part_size(objs, part):
                    continue  # the song's files, or a part still being written
                with self._errors(f"cannot clean {self.location}"):
                    self._remove([self._song_key(song_id, r) for r in rests])
                n += 1
        return n

    # ------------------------------------------------------------------ reading
    def get(self, song_id: str) -> Record:
        """The record of a complete song; :class:`NotFoundError` if there is none."""
        objs = self._objs(check_id(song_id))
        if SCORE_FILE not in objs:
            raise NotFoundError(f"no song with id {song_id!r}")
        return self._record(song_id, objs)

    def list(self) -> list[Record]:
        """Every complete song, newest first (by the time its ``score.json`` was put)."""
        by_song = self._by_song(self.prefix)
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
        return self._get_bytes(record, name)

    def fetch(self, record: Record, name: str) -> Path | None:
        """A local copy of ``name`` (downloaded once per completed song), or ``None``."""
        path = self.local_path(record, name)
        if path.is_file():
            return path
        if name not in record.files:
            return None
        data = self._get_bytes(record, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self._prune()
        return path

    def local_path(self, record: Record, name: str) -> Path:
        """The cache path of ``name``: per song and write, so never stale."""
        if "/" in name or name.startswith("."):
            raise NotFoundError(f"song {record.id!r} has no {name}")
        return self.cache_dir / record.id / f"{record.dir.name}-{record.stamp}" / name

    # ------------------------------------------------------------------ helpers
    def _mark(self, song_id: str) -> str:
        return f"{self.prefix}{song_id}/{SCORE_FILE}"

    def _song_key(self, song_id: str, rest: str) -> str:
        return f"{self.prefix}{song_id}/{rest}"

    def _key(self, record: Record, name: str) -> str:
        if name == SCORE_FILE:
            return self._mark(record.id)
        return self._song_key(record.id, f"{record.dir.name}/{name}")

    def _exists(self, song_id: str) -> bool:
        return self._head(song_id) is not None

    def _head(self, song_id: str) -> dict[str, Any] | None:
        """``score.json``'s HEAD reply, or ``None`` when the song is not complete."""
        from botocore.exceptions import ClientError

        try:
            with self._errors(f"cannot read {self.location}", keep=ClientError):
                reply: dict[str, Any] = self._s3.head_object(
                    Bucket=self.bucket, Key=self._mark(song_id)
                )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code", "") in _MISSING:
                return None
            with self._errors(f"cannot read {self.location}"):
                raise
        return reply

    def _objs(self, song_id: str) -> dict[str, Any]:
        """The song's objects by their key under ``<prefix>/<id>/``."""
        return self._by_song(f"{self.prefix}{song_id}/").get(song_id, {})

    def _part_keys(self, song_id: str, part: str) -> Sequence[str]:
        objs = self._objs(song_id)
        return [self._song_key(song_id, r) for r in objs if r.startswith(f"{part}/")]

    def _by_song(self, prefix: str) -> dict[str, dict[str, Any]]:
        """``{song id: {"score.json" or "<part>/<file>": object}}`` of keys under ``prefix``."""
        out: dict[str, dict[str, Any]] = {}
        with self._errors(f"cannot read {self.location}"):
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    song_id, _, rest = obj["Key"][len(self.prefix) :].partition("/")
                    if rest == SCORE_FILE or rest.count("/") == 1:
                        out.setdefault(song_id, {})[rest] = obj
        return out

    def _part_of(self, song_id: str, objs: dict[str, Any]) -> str | None:
        """The part ``score.json`` names (read from its metadata only when in doubt)."""
        parts = {rest.split("/")[0] for rest in objs if "/" in rest}
        if len(parts) <= 1:
            return next(iter(parts), None)
        head = self._head(song_id)
        part = (head or {}).get("Metadata", {}).get("part")
        return str(part) if part else None

    @staticmethod
    def _part_size(objs: dict[str, Any], part: str) -> int:
        return sum(1 for rest in objs if rest.startswith(f"{part}/"))

    def _get_bytes(self, record: Record, name: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            with self._errors(f"cannot read {self.location}", keep=ClientError):
                reply = self._s3.get_object(Bucket=self.bucket, Key=self._key(record, name))
                data: bytes = reply["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code", "") in _MISSING:
                raise NotFoundError(f"song {record.id!r} has no {name}") from None
            with self._errors(f"cannot read {self.location}"):
                raise
        return data

    def _record(self, song_id: str, objs: dict[str, Any]) -> Record:
        part = self._part_of(song_id, objs) or "-"
        base = PurePosixPath(self.bucket, *self.prefix.split("/")[:-1], song_id)
        names = {r.split("/")[1]: o for r, o in objs.items() if r.startswith(f"{part}/")}
        audio = [
            n for n in names if n.startswith("song.") and PurePosixPath(n).suffix in EXTENSIONS
        ]
        # The audio the song was saved with is the oldest (as in a folder album).
        first = min(audio, key=lambda n: (names[n]["LastModified"], n)) if audio else None
        folder = base / part
        return Record(
            song_id,
            folder,
            folder / "song.mid",
            base / SCORE_FILE,
            folder / first if first else None,
            folder / "song.musicxml" if "song.musicxml" in names else None,
            tuple(sorted([*names, SCORE_FILE])),
            int(objs[SCORE_FILE]["LastModified"].timestamp() * 1e9),
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


def _private_cache() -> Path:
    """This user's download cache in the temp folder (mode 0700): a folder of that name
    that someone else made, or that others may write, is not used (files could be planted
    there); a fresh private one is made instead."""
    top = Path(tempfile.gettempdir()) / f"photograph-s3-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        top.mkdir(mode=0o700)
    st = top.lstat()
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077:
        return top
    return Path(tempfile.mkdtemp(prefix="photograph-s3-"))
