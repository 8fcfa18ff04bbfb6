"""/api/live: a WebSocket session with FastAPI's TestClient (playback clock sped up)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from composer.audio import opusframes
from tests.audio.midi_helpers import needs_fluidsynth

from .conftest import ClientFactory

needs_fluidsynth()

FAST = 8.0  # the playback clock runs this many times faster than real time


def receive(ws: Any) -> tuple[str, Any]:
    msg = ws.receive()
    if msg.get("bytes") is not None:
        return "audio", msg["bytes"]
    if msg.get("text") is not None:
        return "json", json.loads(msg["text"])
    raise WebSocketDisconnect(msg.get("code", 1000))


def until(ws: Any, want: str, limit: int = 5000) -> tuple[list[dict[str, Any]], int]:
    """Events up to (and with) the first of type ``want``, and the audio frames seen."""
    events, frames = [], 0
    for _ in range(limit):
        kind, item = receive(ws)
        if kind == "audio":
            frames += 1
            first, packets = opusframes.unpack(item)
            assert 1 <= len(packets) <= 6 and first >= 0
            continue
        events.append(item)
        if item["type"] == want:
            return events, frames
    raise AssertionError(f"no {want!r} event")


def test_a_session_answers_messages_and_saves_the_song(make_client: ClientFactory) -> None:
    client = make_client(live_speed=FAST)
    r = client.post("/api/live", json={"seed": 3})
    assert r.status_code == 201
    body = r.json()
    assert len(body["token"]) >= 32 and body["links"]["socket"].endswith(body["token"])
    url = body["links"]["socket"]
    with client.websocket_connect(url) as a, client.websocket_connect(url) as b:
        events, frames = until(a, "bar")  # music from the first connection
        bar = events[-1]
        assert bar["bar"] == 1
        assert {"bar", "time", "mood", "section", "chord"} <= bar.keys()
        a.send_text(json.dumps({"type": "message", "speaker": "Ana", "text": "hey! tonight?"}))
        events, _ = until(a, "response")
        resp = events[-1]
        assert resp["message"] == 0 and resp["kind"] == "motif" and resp["time"] >= 0
        events, _ = until(b, "response")  # the other tab hears the same answer
        assert events[-1]["message"] == 0
        b.send_text(json.dumps({"type": "message", "speaker": "Ben", "text": "yes!!"}))
        assert until(a, "response")[0][-1]["message"] == 1
        a.send_text(json.dumps({"type": "end"}))
        events, frames = until(a, "saved")
        assert frames > 0
        notes = [n for e in events if e["type"] == "notes" for n in e["notes"]]
        assert notes and all(len(n) == 5 and 0 <= n[1] < 128 for n in notes)
        song = events[-1]["song"]
    got = client.get(f"/api/songs/{song}")
    assert got.status_code == 200


def test_the_token_is_needed(make_client: ClientFactory) -> None:
    client = make_client(live_speed=FAST)
    body = client.post("/api/live").json()
    for url in (f"/api/live/{body['id']}?token=nope", f"/api/live/{body['id']}", "/api/live/x"):
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(url) as ws:
            ws.receive()


def test_a_full_server_answers_503(make_client: ClientFactory) -> None:
    client = make_client(live_speed=FAST, live_sessions=1)
    first = client.post("/api/live").json()
    waiting = client.post("/api/live").json()  # nobody joined it yet: no synth, no music
    assert client.get("/api/live").json()["playing"] == 0
    with client.websocket_connect(first["links"]["socket"]) as ws:
        until(ws, "bar")
        assert client.get("/api/live").json()["playing"] == 1
        r = client.post("/api/live")
        assert r.status_code == 503 and r.json()["error"]["code"] == "busy"
        assert "Retry-After" in r.headers
        with (  # a session created before the server filled up cannot start now
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(waiting["links"]["socket"]) as other,
        ):
            other.receive()


def test_bad_messages_get_an_error_event_and_the_session_goes_on(
    make_client: ClientFactory,
) -> None:
    client = make_client(live_speed=FAST)
    assert client.post("/api/live", json={"style": "nope"}).status_code == 422
    body = client.post("/api/live").json()
    with client.websocket_connect(body["links"]["socket"]) as ws:
        ws.send_bytes(b"\x00\x01")
        events, _ = until(ws, "error")
        assert events[-1]["message"] == "send JSON text"
        long = {"type": "message", "speaker": "A", "text": "x" * 5000}
        for bad in ("not json", json.dumps({"type": "message", "speaker": "A"}), json.dumps(long)):
            ws.send_text(bad)
            events, _ = until(ws, "error")
            assert events[-1]["code"] == "bad_input"
        for i in range(10):  # a burst beyond the rate limit
            ws.send_text(json.dumps({"type": "message", "speaker": "A", "text": f"line {i}"}))
        events, _ = until(ws, "error")
        assert "too many messages" in events[-1]["message"]
        assert sum(e["type"] == "response" for e in events) >= 1


def test_an_idle_session_ends_by_itself(make_client: ClientFactory, monkeypatch) -> None:
    from composer.web import live

    monkeypatch.setattr(live, "IDLE_S", 0.5)
    client = make_client(live_speed=FAST)
    body = client.post("/api/live").json()
    with client.websocket_connect(body["links"]["socket"]) as ws:
        events, frames = until(ws, "ended")  # nobody wrote: nothing to keep
        assert events[-1]["song"] is None and frames > 0
    assert client.get("/api/live").json()["playing"] == 0


def test_the_server_log_never_shows_a_live_token():
    import logging

    from composer.web.server import HideTokens

    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", "/api/live/abc?token=s3cr3t-Tok_en&x=1"), None,
    )  # fmt: skip
    assert HideTokens().filter(record)
    line = record.getMessage()
    assert "s3cr3t" not in line and "token=***&x=1" in line


def test_a_session_that_cannot_start_says_why_and_frees_its_place(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import composer.live.session as session_module
    from composer.errors import EngineUnavailableError

    def broken(*args: Any, **kwargs: Any) -> None:
        raise EngineUnavailableError("no SoundFont here")

    monkeypatch.setattr(session_module, "LiveSession", broken)
    client = make_client(live_speed=FAST)
    url = client.post("/api/live", json={"seed": 3}).json()["links"]["socket"]
    with client.websocket_connect(url) as ws:
        kind, item = receive(ws)
        assert kind == "json" and item["type"] == "error"
        assert item["code"] == "engine_unavailable" and "SoundFont" in item["message"]
    hub = client.app.state.live  # type: ignore[attr-defined]
    assert hub.playing == 0 and not hub.rooms


def test_a_server_that_stops_saves_the_songs_that_have_messages(
    make_client: ClientFactory, album_dir: Any
) -> None:
    client = make_client(live_speed=1.0)
    url = client.post("/api/live", json={"seed": 5}).json()["links"]["socket"]
    with client.websocket_connect(url) as ws:
        until(ws, "bar")
        ws.send_text(json.dumps({"type": "message", "speaker": "Ana", "text": "stay a little"}))
        until(ws, "response")
    client.__exit__(None, None, None)  # the server stops (lifespan shutdown)
    saved = [p for p in album_dir.iterdir() if (p / "score.json").exists()]
    assert len(saved) == 1
    assert json.loads((saved[0] / "score.json").read_text())["live"]


def test_rooms_joined_at_once_never_pass_the_limit(tmp_path) -> None:
    """Two rooms whose first clients join at the same moment: one place, one synth."""
    import asyncio

    from composer.live.session import LiveOptions
    from composer.storage import open_album
    from composer.web.errors import ServiceBusyError
    from composer.web.live import LiveHub

    async def main() -> list[BaseException | None]:
        hub = LiveHub(open_album(str(tmp_path)), max_sessions=1)
        rooms = [hub.create(LiveOptions(seed=1)), hub.create(LiveOptions(seed=2))]
        got = await asyncio.gather(*(r.start() for r in rooms), return_exceptions=True)
        assert hub.playing == 1 and hub.starting == 0
        for r in rooms:
            if r.playing:
                r.session.close()
        return got

    got = asyncio.run(main())
    assert sum(g is None for g in got) == 1
    assert sum(isinstance(g, ServiceBusyError) for g in got) == 1
