"""A compose :class:`~composer.pipeline.Request` as plain JSON (bytes as base64).

The broker carries JSON only (a pickled message would run code on the worker), so the
request crosses machines in this shape. Unknown or missing fields are an error, not a guess.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import Any

from composer.chat.limits import Limits
from composer.errors import InputError
from composer.music.options import SongOptions
from composer.pipeline import Request

VERSION = 1


def dumps(request: Request) -> str:
    """The request as one JSON document."""
    data = request.data
    doc: dict[str, Any] = {
        "v": VERSION,
        "data": None,
        "data_b64": None,
        "moment": request.moment,
        "fmt": request.fmt,
        "filename": request.filename,
        "seed": request.seed,
        "song": asdict(request.song),
        "audio_format": request.audio_format,
        "no_audio": request.no_audio,
        "engine": request.engine,
        "engine_options": request.engine_options,
        "musicxml": request.musicxml,
        "limits": asdict(request.limits) if request.limits is not None else None,
    }
    if isinstance(data, bytes):
        doc["data_b64"] = base64.b64encode(data).decode("ascii")
    else:
        doc["data"] = data
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Request:
    """The request back; :class:`InputError` when the document is not one of ours."""
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("v") != VERSION:
            raise ValueError("unknown version")
        raw = doc["data_b64"]
        data = base64.b64decode(raw, validate=True) if raw is not None else doc["data"]
        limits = doc["limits"]
        return Request(
            data=data,
            moment=doc["moment"],
            fmt=doc["fmt"],
            filename=doc["filename"],
            seed=doc["seed"],
            song=SongOptions(**doc["song"]),
            audio_format=doc["audio_format"],
            no_audio=bool(doc["no_audio"]),
            engine=doc["engine"],
            engine_options=dict(doc["engine_options"]),
            musicxml=bool(doc["musicxml"]),
            limits=Limits(**limits) if limits is not None else None,
        )
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"the job's request cannot be read ({type(e).__name__})") from None
