"""``/api/songs``: compose, follow, list, download and delete songs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from composer.album import check_id
from composer.audio.formats import AUDIO_FORMATS
from composer.errors import BusyError, ComposerError, NotFoundError
from composer.web import media
from composer.web.jobs import JobState
from composer.web.schemas import (
    Accepted,
    ComposeForm,
    ComposeIn,
    ErrorOut,
    SongItem,
    SongPage,
    SongStatus,
)
from composer.web.state import WebState, get_state
from composer.web.uploads import read_compose
from composer.web.views import API, job_links, job_view, list_item

router = APIRouter(prefix=API, tags=["songs"])
State = Annotated[WebState, Depends(get_state)]
Download = Annotated[bool, Query(description="send as an attachment (save as)")]
#: A song id as the schema documents it (what ``check_id`` accepts: no ``..``, at most 96
#: characters); checked by ``check_id`` in the handlers, so a bad id is a 400, not a 422.
SongId = Annotated[
    str,
    PathParam(
        description="the song's id, as returned by POST /api/songs",
        json_schema_extra={"pattern": r"^[A-Za-z0-9](?:\.?[A-Za-z0-9_-])*\.?$", "maxLength": 96},
    ),
]

#: How often an event stream looks at its job, how often it sends a keep-alive comment,
#: and the longest it stays open.
POLL_S = 0.25
KEEPALIVE_S = 15.0
MAX_STREAM_S = 3600.0

_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (400, 404, 408, 409, 413, 415, 422, 503)
}
_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": ComposeIn.model_json_schema()},
        "multipart/form-data": {"schema": ComposeForm.model_json_schema()},
    },
}


#: The ``{fmt}`` of ``/audio.{fmt}``: a name in :data:`composer.audio.formats.FORMATS`
#: (anything else is a 422, like every invalid parameter).
AudioFormat = Annotated[
    str,
    PathParam(
        description="audio format",
        pattern=f"^(?:{'|'.join(AUDIO_FORMATS)})$",
        json_schema_extra={"enum": list(AUDIO_FORMATS)},
    ),
]


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=_ERRORS,
    openapi_extra={"requestBody": _BODY},
    summary="Compose a song",
)
async def create_song(request: Request, state: State) -> JSONResponse:
    """Queue a song for a chat (JSON ``chat`` or a multipart ``file``) or a ``moment``.

    Answers at once with the job's id; follow it with ``GET /api/songs/{id}`` or its
    event stream. The id is the song's name in the album once it is done.
    """
    compose_request, hint = await read_compose(request, state.limits, run_in_threadpool)
    if state.jobs.remote:  # a network round trip (Redis): off the event loop
        job = await run_in_threadpool(state.jobs.submit, compose_request, hint)
    else:
        job = state.jobs.submit(compose_request, hint)
    links = job_links(job.id)
    return JSONResponse(
        {"id": job.id, "status": job.status, "links": links},
        status_code=202,
        headers={"Location": links["self"]},
    )


@router.get("", response_model=SongPage, responses=_ERRORS, summary="The album")
def list_songs(
    state: State,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Finished songs, newest first, ``limit`` at a time from ``offset``."""
    try:
        records = state.album.list()
    except FileNotFoundError:  # a song was deleted while the album was being read
        records = state.album.list()
    items = []
    for record in records[offset : offset + limit]:
        try:
            items.append(SongItem.model_validate(list_item(state.views.of(record))))
        except (ComposerError, OSError, ValueError):  # (pydantic's ValidationError too)
            continue  # deleted meanwhile, or a damaged score.json: leave it out
    end = offset + limit
    return {
        "items": items,
        "total": len(records),
        "limit": limit,
        "offset": offset,
        "next": f"{API}?limit={limit}&offset={end}" if end < len(records) else None,
    }


@router.get(
    "/{song_id}",
    response_model=SongStatus,
    responses=_ERRORS,
    summary="A song's status (and the song when done)",
)
async def get_song(song_id: SongId, state: State) -> JSONResponse:
    """Queued, running (with progress and stage), failed (with the error) or done."""
    check_id(song_id)
    job = await _job(state, song_id)
    if job is not None:
        return JSONResponse(job_view(job))
    return JSONResponse(await run_in_threadpool(state.views.get, song_id))


@router.delete("/{song_id}", status_code=204, responses=_ERRORS, summary="Delete a song")
def delete_song(song_id: SongId, state: State) -> Response:
    """Delete a saved song, cancel a queued one or forget a failed one."""
    check_id(song_id)
    if not state.jobs.forget(song_id):
        state.album.delete(song_id)
    state.views.drop(song_id)
    return Response(status_code=204)


@router.get(
    "/{song_id}/events",
    responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS},
    summary="Progress as Server-Sent Events",
)
async def song_events(song_id: SongId, state: State) -> StreamingResponse:
    """``progress`` events while the song is made, then one ``done`` (the song's status)
    or ``failed`` (the error) event, and the stream ends."""
    check_id(song_id)
    if await _job(state, song_id) is None:
        await run_in_threadpool(state.views.get, song_id)  # 404 when unknown
    return StreamingResponse(
        _events(song_id, state),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _job(state: WebState, song_id: str) -> JobState | None:
    """The job's state; read in a worker thread when the queue is remote (Redis)."""
    if state.jobs.remote:
        return await run_in_threadpool(state.jobs.state, song_id)
    return state.jobs.state(song_id)


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(song_id: str, state: WebState) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    last: tuple[Any, ...] | None = None
    started = sent = time.monotonic()
    while time.monotonic() - started < MAX_STREAM_S:
        try:
            job = await _job(state, song_id)
        except BusyError:  # a remote queue's store is restarting: keep the stream open
            await asyncio.sleep(POLL_S)
            continue
        if job is None:
            try:
                view = await run_in_threadpool(state.views.get, song_id)
            except NotFoundError:
                yield _sse(
                    "failed",
                    {
                        "id": song_id,
                        "status": "failed",
                        "error": {"code": "not_found", "message": "the song was deleted"},
                    },
                )
                return
            yield _sse("done", view)
            return
        view = job_view(job)
        if job.status == "failed":
            yield _sse("failed", view)
            return
        now = time.monotonic()
        snapshot = (job.status, job.stage, job.progress)
        if snapshot != last:
            last, sent = snapshot, now
            yield _sse("progress", view)
        elif now - sent >= KEEPALIVE_S:
            sent = now
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_S)


@router.get(
    "/{song_id}/song.mid",
    responses=_ERRORS,
    response_class=Response,
    summary="The song as a Standard MIDI File",
)
def get_midi(song_id: SongId, state: State, download: Download = True) -> Response:
    return media.song_file(state.album, state.album.get(song_id), "song.mid", download)


@router.get(
    "/{song_id}/score.json",
    responses=_ERRORS,
    response_class=Response,
    summary="Every choice: mood, form, chords, parts and the notes in seconds",
)
def get_score(song_id: SongId, state: State, download: Download = False) -> Response:
    return media.song_file(state.album, state.album.get(song_id), "score.json", download)


@router.get(
    "/{song_id}/song.musicxml",
    responses=_ERRORS,
    response_class=Response,
    summary="The score as MusicXML (when it was written)",
)
def get_musicxml(song_id: SongId, state: State, download: Download = True) -> Response:
    return media.song_file(state.album, state.album.get(song_id), "song.musicxml", download)


@router.get(
    "/{song_id}/audio.{fmt}",
    responses=_ERRORS,
    response_class=Response,
    summary="The song's audio (byte ranges supported)",
)
def get_audio(
    song_id: SongId, fmt: AudioFormat, state: State, download: Download = False
) -> Response:
    """The saved audio; ``wav``, ``ogg`` and ``flac`` are converted once when missing."""
    return media.audio_file(state.album, state.album.get(song_id), fmt, download)
