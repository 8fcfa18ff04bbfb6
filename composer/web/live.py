"""Live sessions for the web API: one room per session, its clients, its playback clock.

``POST /api/live`` makes a :class:`Room`; the synth is made and the music starts when the
first client connects (a room nobody joins expires after :data:`NO_CLIENT_S`). A room's task
renders 100 ms blocks paced by the playback clock, :data:`LOOKAHEAD_S` ahead of it,
encodes each to 20 ms Opus packets (:mod:`composer.audio.opusframes`) and sends the
transport frame to every client, with a ``bar`` event for each bar as it is written.
Messages are answered on the next beat (``response`` events); ``end`` (or
:data:`IDLE_S` without a message, :data:`NO_CLIENT_S` without a client, or
:data:`MAX_SESSION_S` in all) plays the final cadence, saves the song to the album and
sends ``saved``. Rendering, encoding, reading a message and saving run in a thread.

Limits: :data:`MAX_TEXT` characters per message and :data:`MAX_FRAME` bytes per incoming
frame; :data:`RATE_PER_S` messages a second per room (bursts of :data:`BURST`); at most
``max_sessions`` rooms (``POST`` answers 503 beyond).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from composer.errors import ComposerError, InputError, NotFoundError
from composer.storage import Storage
from composer.web.errors import ServiceBusyError

LOOKAHEAD_S = 0.3  # audio rendered and sent ahead of the playback clock
TICK_S = 0.02  # how often a room looks at its clock
MAX_TEXT = 1000  # characters of a message
log = logging.getLogger("composer.web")
MAX_FRAME = 4096  # bytes of an incoming WebSocket frame
SEND_TIMEOUT_S = 2.0  # a client that takes longer to take one frame is dropped
SHUTDOWN_S = 4.0  # at shutdown, songs with messages get this long to finish and be saved
RATE_PER_S = 2.0  # messages a second per room, sustained ...
BURST = 8  # ... after a burst of this many
IDLE_S = 300.0  # no message for this long: the session ends
NO_CLIENT_S = 60.0  # no client connected for this long: the session ends
MAX_SESSION_S = 3600.0  # the longest a session plays
MAX_SESSIONS = 8
MAX_WAITING = 32  # sessions created and not joined yet (each expires after NO_CLIENT_S)

if TYPE_CHECKING:
    from composer.audio.opusframes import Encoder
    from composer.live.session import LiveSession

Send = Callable[[dict[str, Any] | bytes], Awaitable[None]]


class Room:
    """One live session and the clients listening to it."""

    def __init__(self, room_id: str, hub: LiveHub, options: Any) -> None:
        self.id = room_id
        self.token = secrets.token_urlsafe(24)
        self.hub = hub
        self.options = options
        self.created = time.monotonic()
        self._session: LiveSession | None = None
        self._encoder: Encoder | None = None
        self.clients: dict[int, Send] = {}
        self.lock = asyncio.Lock()
        self._starting = asyncio.Lock()
        self.started = asyncio.Event()
        self.t0 = 0.0
        self.last_message = 0.0
        self.last_client = time.monotonic()
        self.saved: str | None = None
        self.closed = False
        self.hurry = False  # the server is stopping: finish the song without the clock
        self._bars_sent = 0
        self._allow = float(BURST)
        self._allow_at = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    @property
    def playing(self) -> bool:
        """A client joined: the synth is made and the clock runs."""
        return self._session is not None

    @property
    def session(self) -> LiveSession:
        if self._session is None:
            raise RuntimeError("the live session has not started")
        return self._session

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            raise RuntimeError("the live session has not started")
        return self._encoder

    async def start(self) -> None:
        """Make the synth (the first client joins): the music can start."""
        from composer.audio.opusframes import Encoder
        from composer.live.session import LiveSession

        async with self._starting:  # two clients may join at once: one synth
            if self._session is not None:
                return
            hub = self.hub
            if hub.playing + hub.starting >= hub.max_sessions:  # rooms joined at once
                raise ServiceBusyError("all live sessions are taken; try again later", 30)
            hub.starting += 1  # the place is held while the synth is made (off the loop)
            try:
                encoder = Encoder()  # first: a missing libopus leaves no synth behind
                self._session = await asyncio.to_thread(LiveSession, self.options)
                self._encoder = encoder
            finally:
                hub.starting -= 1

    def check(self, token: str) -> bool:
        return secrets.compare_digest(token.encode(), self.token.encode())

    def clock(self) -> float:
        """The playback clock, seconds (0 until the first client connects)."""
        if not self.started.is_set():
            return 0.0
        return (time.monotonic() - self.t0) * self.hub.speed

    async def join(self, key: int, send: Send) -> None:
        await self.start()
        self.clients[key] = send
        self.last_client = time.monotonic()
        if not self.started.is_set():
            self.t0 = self.last_message = time.monotonic()
            self.started.set()
            self._task = asyncio.create_task(self._play())

    def leave(self, key: int) -> None:
        self.clients.pop(key, None)
        self.last_client = time.monotonic()

    def take(self) -> bool:
        """One message allowed by the rate limit (token bucket)?"""
        now = time.monotonic()
        self._allow = min(float(BURST), self._allow + (now - self._allow_at) * RATE_PER_S)
        self._allow_at = now
        if self._allow < 1.0:
            return False
        self._allow -= 1.0
        return True

    async def message(self, speaker: str, text: str) -> None:
        async with self.lock:
            if self.session.composer.end_beat is not None:
                raise InputError("the conversation has ended")
            at = self.clock()
            r = await asyncio.to_thread(self.session.message, speaker, text, at)
            self.last_message = time.monotonic()
        await self.broadcast({
            "type": "response", "message": r.message, "speaker": speaker, "kind": r.kind,
            "bar": r.bar + 1, "beat": r.beat, "time": round(self.session.seconds(r.beat), 3),
        })  # fmt: skip

    async def end(self) -> None:
        async with self.lock:
            if self.session.composer.end_beat is None:
                await asyncio.to_thread(self.session.end, self.clock())

    async def broadcast(self, item: dict[str, Any] | bytes) -> None:
        for key, send in list(self.clients.items()):
            try:
                # a client that stops reading must not hold the music up for the others
                await asyncio.wait_for(send(item), SEND_TIMEOUT_S)
            except Exception:  # gone, or too slow: it is dropped, the others go on
                self.clients.pop(key, None)

    def _block(self) -> tuple[bytes, list[dict[str, Any]]]:
        from composer.audio.opusframes import pack

        s = self.session
        first = self.encoder.packets
        block = s.render()
        frame = pack(first, self.encoder.encode(block.samples))
        events: list[dict[str, Any]] = []
        if block.notes:
            events.append({"type": "notes", "notes": [
                [part, n.pitch, round(s.seconds(n.start), 3),
                 round(s.seconds(n.end) - s.seconds(n.start), 3), n.velocity]
                for part, n in block.notes
            ]})  # fmt: skip
        for info in s.composer.bars[self._bars_sent :]:
            v, a, d = info.mood
            events.append({
                "type": "bar", "bar": info.bar + 1, "time": round(s.seconds(info.beat), 3),
                "mood": {"valence": v, "arousal": a, "dominance": d},
                "section": info.section, "key": info.key, "chord": info.chord,
            })  # fmt: skip
        self._bars_sent = len(s.composer.bars)
        return frame, events

    def _too_long(self) -> bool:
        now = time.monotonic()
        return (
            now - self.last_message > IDLE_S
            or (not self.clients and now - self.last_client > NO_CLIENT_S)
            or now - self.t0 > MAX_SESSION_S
        )

    async def _play(self) -> None:
        s = self.session
        try:
            while not s.done and not self.closed:
                if self._too_long() or (self.hurry and s.composer.end_beat is None):
                    await self.end()
                async with self.lock:
                    while (self.hurry or s.rendered_s < self.clock() + LOOKAHEAD_S) and not s.done:
                        frame, events = await asyncio.to_thread(self._block)
                        for ev in events:
                            await self.broadcast(ev)
                        await self.broadcast(frame)
                await asyncio.sleep(TICK_S)
            if s.messages and s.done:
                self.saved = await asyncio.to_thread(self.hub.save, self)
                await self.broadcast({"type": "saved", "song": self.saved})
            else:
                await self.broadcast({"type": "ended", "song": None})
        except ComposerError as e:
            await self.broadcast({"type": "error", "code": e.code, "message": e.message})
        except Exception:  # a bug or a broken library: say so, never end silently
            log.exception("live session %s failed", self.id)
            await self.broadcast(
                {"type": "error", "code": "internal", "message": "the live session failed"}
            )
        finally:
            self.closed = True
            await self.hub.close(self)


class LiveHub:
    """The live rooms of one app."""

    def __init__(self, album: Storage, *, max_sessions: int = MAX_SESSIONS, speed: float = 1.0):
        self.album = album
        self.max_sessions = max_sessions
        self.speed = speed  # playback clock rate (tests play faster than real time)
        self.rooms: dict[str, Room] = {}
        self.starting = 0  # rooms making their synth: their places are taken
        self._closers: dict[str, list[Callable[[], Awaitable[None]]]] = {}

    @property
    def playing(self) -> int:
        return sum(r.playing for r in self.rooms.values())

    def create(self, options: Any) -> Room:
        """A new room (ServiceBusyError when ``max_sessions`` are playing, or too many
        sessions wait for their first client)."""
        now = time.monotonic()
        for room in list(self.rooms.values()):  # created and never joined: expired
            if not room.playing and not room.clients and now - room.created > NO_CLIENT_S:
                self.rooms.pop(room.id, None)
        waiting = len(self.rooms) - self.playing
        if self.playing >= self.max_sessions or waiting >= MAX_WAITING:
            raise ServiceBusyError("all live sessions are taken; try again later", 30)
        room = Room(secrets.token_hex(8), self, options)
        self.rooms[room.id] = room
        return room

    def get(self, room_id: str) -> Room:
        room = self.rooms.get(room_id)
        if room is None:
            raise NotFoundError("no such live session")
        return room

    def save(self, room: Room) -> str:
        from composer.live.save import save

        return save(room.session, self.album).id

    def on_close(self, room: Room, closer: Callable[[], Awaitable[None]]) -> None:
        self._closers.setdefault(room.id, []).append(closer)

    async def close(self, room: Room) -> None:
        self.rooms.pop(room.id, None)
        for closer in self._closers.pop(room.id, []):
            with contextlib.suppress(Exception):
                await closer()
        if room.playing:
            room.session.close()

    async def shutdown(self) -> None:
        """Stop every room; one where somebody wrote ends its song now (the final
        cadence, rendered without waiting for the clock) and saves it to the album."""
        finishing = []
        for room in list(self.rooms.values()):
            if room._task is None:
                room.closed = True
                await self.close(room)
            elif room.playing and room.session.messages:
                room.hurry = True
                finishing.append(room._task)
            else:
                room.closed = True
        if finishing:
            _, late = await asyncio.wait(finishing, timeout=SHUTDOWN_S)
            for task in late:
                task.cancel()
