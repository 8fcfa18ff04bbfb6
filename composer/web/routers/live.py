"""``/api/live``: a live photograph over a WebSocket (the song grows as people write).

``POST /api/live`` creates a session: ``{"id", "token", "links"}``. Clients connect to
``/api/live/{id}?token=…`` (several may share a session), send
``{"type": "message", "speaker", "text"}`` and ``{"type": "end"}``, and receive binary
audio frames (20 ms Opus packets, about 100 ms per frame: a 4-byte packet index, then
2-byte length + packet for each) and JSON events: ``bar``, ``notes``, ``response``,
``saved``, ``ended``, ``error``. See :mod:`composer.web.live` for the clock and the limits.
"""

from __future__ import annotations

import itertools
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from composer.errors import ComposerError, InputError, OptionError
from composer.web.errors import ServiceBusyError, describe_validation
from composer.web.live import BURST, MAX_FRAME, MAX_TEXT, RATE_PER_S, LiveHub, Room
from composer.web.schemas import ErrorOut

API = "/api/live"
router = APIRouter(prefix=API, tags=["live"])
_ids = itertools.count()


class LiveIn(BaseModel):
    """Options of a live session (all optional)."""

    model_config = ConfigDict(extra="forbid")
    style: str = Field(
        default="photograph",
        max_length=40,
        json_schema_extra={"enum": ["photograph", "ensemble", "lullaby"]},
    )
    seed: int = Field(default=0, ge=0, le=2_000_000_000)
    title: str = Field(default="Live photograph", min_length=1, max_length=120)


class LiveCreated(BaseModel):
    """A live session: connect to ``links.socket`` (it carries the token)."""

    id: str
    token: str = Field(description="unguessable; needed to join the session")
    links: dict[str, str]


class LiveLimits(BaseModel):
    """How many live sessions play now, and the limits every session has."""

    playing: int
    max_sessions: int
    max_text: int = Field(description="characters of a message")
    max_frame_bytes: int = Field(description="bytes of an incoming WebSocket frame")
    messages_per_s: float
    burst: int
    idle_s: float = Field(description="a session ends after this long without a message")
    no_client_s: float = Field(description="... or this long without a connected client")
    max_session_s: float


class MessageIn(BaseModel):
    """A chat message into the session."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["message"]
    speaker: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class EndIn(BaseModel):
    """The conversation is over: the music cadences and the song is saved."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["end"]


Incoming = TypeAdapter(Annotated[MessageIn | EndIn, Field(discriminator="type")])


def get_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live
    return hub


@router.post(
    "",
    status_code=201,
    response_model=LiveCreated,
    responses={s: {"model": ErrorOut} for s in (400, 422, 503)},
)
async def create_live(
    hub: Annotated[LiveHub, Depends(get_hub)], body: Annotated[LiveIn | None, Body()] = None
) -> LiveCreated:
    """Create a live session; the music starts when its first client connects."""
    from composer.music.live import LiveOptions
    from composer.music.orchestra import STYLES

    body = body or LiveIn()
    if body.style not in STYLES:
        raise OptionError(f"unknown style {body.style!r}; choose from {', '.join(STYLES)}")
    room = hub.create(LiveOptions(seed=body.seed, style=body.style, title=body.title))
    socket = f"{API}/{room.id}?token={room.token}"
    return LiveCreated(id=room.id, token=room.token, links={"socket": socket})


@router.get("", response_model=LiveLimits)
async def live_limits(hub: Annotated[LiveHub, Depends(get_hub)]) -> LiveLimits:
    """Live sessions playing now and the limits of a session."""
    from composer.web import live

    return LiveLimits(
        playing=hub.playing, max_sessions=hub.max_sessions, max_text=live.MAX_TEXT,
        max_frame_bytes=live.MAX_FRAME, messages_per_s=live.RATE_PER_S, burst=live.BURST,
        idle_s=live.IDLE_S, no_client_s=live.NO_CLIENT_S, max_session_s=live.MAX_SESSION_S,
    )  # fmt: skip


@router.websocket("/{room_id}")
async def live_socket(websocket: WebSocket, room_id: str, token: str = "") -> None:
    """The session's stream (see the module docstring)."""
    hub: LiveHub = websocket.app.state.live
    room = hub.rooms.get(room_id)
    if room is None or room.closed or not room.check(token):
        await websocket.close(code=4403 if room is not None else 4404)
        return
    if not room.playing and hub.playing + hub.starting >= hub.max_sessions:
        await websocket.close(code=1013, reason="all live sessions are taken")
        return
    await websocket.accept()
    key = next(_ids)

    async def send(item: dict[str, Any] | bytes) -> None:
        if isinstance(item, bytes):
            await websocket.send_bytes(item)
        else:
            await websocket.send_text(json.dumps(item))

    async def close() -> None:
        await websocket.close(code=1000)

    try:
        await room.join(key, send)
    except ServiceBusyError as e:
        # Another room took the last place meanwhile: this one stays, to be joined later.
        await send({"type": "error", "code": e.code, "message": e.message})
        await websocket.close(code=1013, reason="all live sessions are taken")
        return
    except ComposerError as e:  # no synth here (SoundFont, FluidSynth or libopus missing)
        await send({"type": "error", "code": e.code, "message": e.message})
        await websocket.close(code=1011)
        if not room.playing:
            await hub.close(room)
        return
    hub.on_close(room, close)
    try:
        while not room.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text")
            if raw is None:  # a binary frame: nothing a client should send
                await send({"type": "error", "code": "bad_input", "message": "send JSON text"})
                continue
            await _handle(room, raw, send)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left (or the session closed the socket)
    finally:
        room.leave(key)


async def _handle(room: Room, raw: str, send: Any) -> None:
    try:
        if len(raw.encode()) > MAX_FRAME:
            raise InputError(f"a frame may carry at most {MAX_FRAME} bytes")
        try:
            item = Incoming.validate_json(raw)
        except ValidationError as e:
            raise InputError(describe_validation(e.errors())) from None
        if isinstance(item, EndIn):
            await room.end()
        elif not room.take():
            raise InputError(
                f"too many messages: at most {RATE_PER_S:g} a second (bursts of {BURST})"
            )
        else:
            await room.message(item.speaker, item.text)
    except ComposerError as e:
        await send({"type": "error", "code": e.code, "message": e.message})
