"""Reading a compose request (JSON or multipart) with size limits enforced while streaming.

The body is never buffered past the limit: ``Content-Length`` is checked first, then every
chunk is counted as it arrives and the request is refused the moment the count passes the
limit. A slow sender is cut off (``408``). A zip's central directory is checked against
the unzipped limit before the job is queued; the chat reader counts again while unzipping.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HttpRequest
from starlette.types import Message, Receive

from composer.audio.formats import AUDIO_FORMATS
from composer.chat.limits import Limits as ChatLimits
from composer.errors import InputError, TooLargeError
from composer.music.compose import SongOptions
from composer.pipeline import Request
from composer.web.errors import (
    InvalidRequestError,
    RequestTimeoutError,
    UnsupportedMediaError,
    describe_validation,
)
from composer.web.schemas import ComposeIn

#: Room for the other form fields and multipart headers around the chat itself.
SLACK_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_ENTRIES = 5000
#: Form fields that may be sent blank (or "null") to mean "not given", and those values.
BLANK = ("", "null", "none")
NULLABLE = frozenset(k for k, f in ComposeIn.model_fields.items() if f.default is None)


#: The web's defaults (smaller than the CLI's, composer.chat.DEFAULT_LIMITS: a server takes
#: uploads from anyone who can reach it). ``create_app`` and ``UploadLimits`` both use them.
MAX_UPLOAD_BYTES = 5_000_000
MAX_UNZIPPED_BYTES = 20_000_000
RECEIVE_TIMEOUT_S = 30.0
BODY_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Limits on one compose request.

    Attributes
    ----------
    max_upload_bytes : int
        Largest chat (file or text) accepted.
    max_unzipped_bytes : int
        Largest total a zip's members may declare.
    receive_timeout_s : float
        Longest wait for the next chunk of the body.
    body_timeout_s : float
        Longest time the whole body may take to arrive.
    """

    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
    receive_timeout_s: float = RECEIVE_TIMEOUT_S
    body_timeout_s: float = BODY_TIMEOUT_S

    def too_large(self) -> TooLargeError:
        return TooLargeError(f"the upload is larger than the limit of {_mb(self.max_upload_bytes)}")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


def limited_receive(receive: Receive, limit: int, limits: UploadLimits) -> Receive:
    """Wrap an ASGI ``receive`` so it counts body bytes and enforces time limits."""
    count = 0
    deadline = time.monotonic() + limits.body_timeout_s

    async def wrapped() -> Message:
        nonlocal count
        left = min(limits.receive_timeout_s, deadline - time.monotonic())
        try:
            message = await asyncio.wait_for(receive(), timeout=max(left, 0.001))
        except TimeoutError:
            raise RequestTimeoutError("the request body arrived too slowly") from None
        if message["type"] == "http.request":
            count += len(message.get("body", b""))
            if count > limit:
                raise limits.too_large()
        return message

    return wrapped


async def read_compose(
    http: HttpRequest, limits: UploadLimits, to_thread: Callable[..., Awaitable[Any]]
) -> tuple[Request, str | None]:
    """Read and validate a compose request; returns the pipeline request and an id hint."""
    ctype = http.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = limits.max_upload_bytes + SLACK_BYTES
    length = http.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise InputError("invalid Content-Length header")
        if int(length) > limit:
            raise limits.too_large()
    receive = limited_receive(http.receive, limit, limits)
    data: bytes | None = None
    filename: str | None = None
    try:
        if ctype == "application/json":
            body = await HttpRequest(http.scope, receive).body()
            fields = await to_thread(_json_fields, body)
        elif ctype == "multipart/form-data":
            fields, data, filename = await _form_fields(
                HttpRequest(http.scope, receive), limit, limits
            )
        else:
            raise UnsupportedMediaError(
                "send JSON (application/json) or a form with a file (multipart/form-data)"
            )
    except ClientDisconnect:
        raise InputError("the upload was interrupted") from None
    model = validate(fields)
    if data is not None and model.chat is not None:
        raise InvalidRequestError("send the chat as a file or as text, not both")
    if data is None and model.chat is not None:
        # "surrogatepass": JSON can escape a lone surrogate ("\udc80"); the chat reader
        # repairs it like a moment's, so only the size is counted here.
        size = len(model.chat.encode("utf-8", "surrogatepass"))
        if size > limits.max_upload_bytes:
            raise limits.too_large()
        data_in: bytes | str | None = model.chat
    else:
        data_in = data
    if data is not None:
        check_zip(data, limits)
    return to_request(model, data_in, filename, limits), _hint(model, filename)


def _json_fields(body: bytes) -> dict[str, Any]:
    try:
        fields = json.loads(body)
    except (ValueError, RecursionError):
        raise InputError("the request body is not valid JSON") from None
    if not isinstance(fields, dict):
        raise InvalidRequestError("the request body must be a JSON object")
    return fields


async def _form_fields(
    http: HttpRequest, limit: int, limits: UploadLimits
) -> tuple[dict[str, Any], bytes | None, str | None]:
    fields: dict[str, Any] = {}
    data: bytes | None = None
    filename: str | None = None
    seen: set[str] = set()
    form = await http.form(max_files=1, max_fields=32, max_part_size=limit)
    try:
        for key, value in form.multi_items():
            if key in seen:
                raise InvalidRequestError(f"form field {key!r} is given more than once")
            seen.add(key)
            if key == "file":
                if not isinstance(value, UploadFile):
                    raise InvalidRequestError("the form field 'file' must be a file upload")
                data = await value.read(limits.max_upload_bytes + 1)
                if len(data) > limits.max_upload_bytes:
                    raise limits.too_large()
                filename = safe_filename(value.filename)
            elif isinstance(value, UploadFile):
                raise InvalidRequestError(f"form field {key!r} must not be a file")
            elif key not in NULLABLE or value.strip().lower() not in BLANK:
                fields[key] = value  # a blank optional field is left out; others are checked
    finally:
        await form.close()
    if data is not None and not data:
        raise InputError("the uploaded file is empty")
    return fields, data, filename


def validate(fields: dict[str, Any]) -> ComposeIn:
    """Fields → :class:`ComposeIn`, or :class:`InvalidRequestError` with a one-line reason."""
    try:
        return ComposeIn.model_validate(fields)
    except ValidationError as e:
        raise InvalidRequestError(describe_validation(e.errors())) from None


def safe_filename(name: str | None) -> str | None:
    """The last path component of an upload's name, for format hints only (never a path)."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())[:200].strip()
    return base if base not in ("", ".", "..") else None


def check_zip(data: bytes, limits: UploadLimits) -> None:
    """Refuse a zip whose members declare more than the unzipped limit."""
    if not data.startswith(ZIP_MAGIC):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InputError("the zip file is damaged") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise TooLargeError(f"the zip holds more than {MAX_ZIP_ENTRIES} files")
    if sum(i.file_size for i in infos) > limits.max_unzipped_bytes:
        raise TooLargeError(
            f"the zip unpacks to more than the limit of {_mb(limits.max_unzipped_bytes)}"
        )


def to_request(
    model: ComposeIn,
    data: bytes | str | None,
    filename: str | None,
    limits: UploadLimits | None = None,
) -> Request:
    """The pipeline's :class:`Request`, with the song options checked now (422, not later)."""
    from composer.engines import ENGINES

    if model.moment is not None and data is not None:
        raise InvalidRequestError("give either a chat or a moment, not both")
    if model.moment is None and data is None:
        raise InvalidRequestError("nothing to compose: send a chat, a file or a moment")
    if model.moment is not None and not model.moment.strip():
        raise InputError("the moment is empty")
    if isinstance(data, str) and not data.strip():
        raise InputError("the chat is empty")
    if model.audio not in AUDIO_FORMATS:
        raise InvalidRequestError(
            f"unknown audio format {model.audio!r}; choose one of: {', '.join(AUDIO_FORMATS)}"
        )
    if model.engine not in ENGINES:
        raise InvalidRequestError(
            f"unknown engine {model.engine!r}; choose one of: {', '.join(sorted(ENGINES))}"
        )
    song = SongOptions(
        length_s=model.length,
        style=model.style,
        valence=model.valence,
        arousal=model.arousal,
        humanize=model.humanize,
    )
    song.validate()
    return Request(
        data=data,
        moment=model.moment,
        fmt=model.format,
        filename=filename,
        seed=model.seed,
        song=song,
        audio_format=model.audio,
        engine=model.engine,
        musicxml=model.musicxml,
        limits=None
        if limits is None
        else ChatLimits(
            max_bytes=limits.max_upload_bytes, max_unzipped_bytes=limits.max_unzipped_bytes
        ),
    )


def _hint(model: ComposeIn, filename: str | None) -> str | None:
    if model.moment:
        return model.moment
    if filename:
        return filename.rsplit(".", 1)[0]
    return None
