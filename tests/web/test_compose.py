"""POST /api/songs: JSON and multipart requests, the job's life, and every refusal."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from composer.album import check_id

from .conftest import ClientFactory, Gate, compose, wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chats"
CHAT = "Ann: are you still up?\nBen: always, for you\nAnn: good night then"


def error_of(response: Any) -> dict[str, str]:
    """The error object of a response, after checking the shape every error has."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "\n" not in body["error"]["message"]
    error: dict[str, str] = body["error"]
    return error


def test_json_chat_is_accepted_then_done(client: TestClient, album_dir: Path) -> None:
    r = client.post("/api/songs", json={"chat": CHAT, "length": 30, "seed": 3})
    assert r.status_code == 202
    body = r.json()
    assert body["status"] == "queued"
    assert check_id(body["id"]) == body["id"]
    assert r.headers["location"] == body["links"]["self"] == f"/api/songs/{body['id']}"
    done = wait_for(client, body["id"])
    assert done["status"] == "done" and done["progress"] == 1.0
    for key in ("mood", "arc", "key", "tempo", "sections", "speakers", "links"):
        assert done[key], key
    assert done["speakers"][0]["motif"]
    assert done["excerpt"] == "Ann:"  # the first message (the fake splits on spaces)
    # The job id is the album folder's name.
    assert (album_dir / body["id"] / "score.json").is_file()


def test_json_chat_with_a_lone_surrogate_is_read_not_refused(client: TestClient) -> None:
    # JSON may escape half a surrogate pair; the chat reader repairs it as for a moment.
    body = b'{"chat": "Ann: hi \\udc80 there\\nBob: ok", "length": 30, "seed": 3}'
    r = client.post("/api/songs", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 202, r.text
    assert wait_for(client, r.json()["id"])["status"] == "done"


def test_moment_is_composed(client: TestClient) -> None:
    song_id = compose(client, moment="rain on the window, the last evening")
    assert "rain-on-the-window" in song_id
    assert wait_for(client, song_id)["status"] == "done"


def test_multipart_upload_uses_the_file(client: TestClient, album_dir: Path) -> None:
    files = {"file": ("WhatsApp Chat.txt", CHAT.encode(), "text/plain")}
    r = client.post(
        "/api/songs",
        files=files,
        data={"length": "40", "seed": "", "style": "photograph", "musicxml": "true"},
    )
    assert r.status_code == 202, r.text
    song_id = r.json()["id"]
    assert "whatsapp-chat" in song_id
    assert wait_for(client, song_id)["status"] == "done"
    assert (album_dir / song_id / "song.musicxml").is_file()


def test_upload_file_name_is_never_a_path(
    client: TestClient, album_dir: Path, tmp_path: Path
) -> None:
    files = {"file": ("../../../../escape.txt", CHAT.encode(), "text/plain")}
    r = client.post("/api/songs", files=files)
    assert r.status_code == 202
    song_id = r.json()["id"]
    assert "/" not in song_id and ".." not in song_id
    wait_for(client, song_id)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores"]
    assert [p.name for p in album_dir.iterdir() if not p.name.startswith(".")] == [song_id]


def test_slack_zip_upload_is_accepted(client: TestClient) -> None:
    data = (FIXTURES / "slack_export_joy.zip").read_bytes()
    r = client.post("/api/songs", files={"file": ("export.zip", data, "application/zip")})
    assert r.status_code == 202, r.text
    assert wait_for(client, r.json()["id"])["status"] == "done"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"chat": "   "}, 400, "bad_input"),
        ({"moment": " "}, 400, "bad_input"),
        ({}, 422, "invalid_request"),
        ({"chat": CHAT, "moment": "both"}, 422, "invalid_request"),
        ({"chat": CHAT, "colour": "red"}, 422, "invalid_request"),
        ({"chat": CHAT, "length": 5}, 422, "invalid_request"),
        ({"chat": CHAT, "length": "long"}, 422, "invalid_request"),
        ({"chat": CHAT, "style": "disco"}, 422, "bad_option"),
        ({"chat": CHAT, "engine": "gramophone"}, 422, "invalid_request"),
        ({"chat": CHAT, "seed": -1}, 422, "invalid_request"),
        ({"chat": CHAT, "valence": 2}, 422, "invalid_request"),
        ({"chat": 42}, 422, "invalid_request"),
    ],
)
def test_bad_json_requests(
    client: TestClient, body: dict[str, object], status: int, code: str
) -> None:
    r = client.post("/api/songs", json=body)
    assert r.status_code == status, r.text
    assert error_of(r)["code"] == code
    assert client.get("/api/songs").json()["total"] == 0


def test_body_that_is_not_json_object(client: TestClient) -> None:
    r = client.post(
        "/api/songs", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and error_of(r)["code"] == "bad_input"
    r = client.post("/api/songs", json=["a", "list"])
    assert r.status_code == 422 and error_of(r)["code"] == "invalid_request"


def test_unsupported_content_type(client: TestClient) -> None:
    r = client.post("/api/songs", content=CHAT.encode(), headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert error_of(r)["code"] == "unsupported_media_type"


def test_too_large_json_chat(make_client: ClientFactory) -> None:
    client = make_client(max_upload_bytes=1000)
    r = client.post("/api/songs", json={"chat": "Ann: " + "la " * 400})
    assert r.status_code == 413 and error_of(r)["code"] == "too_large"
    assert client.post("/api/songs", json={"chat": "Ann: " + "la " * 300}).status_code == 202


def test_too_large_upload_refused_by_content_length(make_client: ClientFactory) -> None:
    client = make_client(max_upload_bytes=1000)
    big = b"Ann: hello\n" * 20_000  # 220 kB: beyond the limit and its slack
    r = client.post("/api/songs", files={"file": ("chat.txt", big, "text/plain")})
    assert r.status_code == 413 and error_of(r)["code"] == "too_large"


def test_too_large_file_within_slack(make_client: ClientFactory) -> None:
    client = make_client(max_upload_bytes=1000)
    r = client.post("/api/songs", files={"file": ("chat.txt", b"Ann: hi\n" * 200, "text/plain")})
    assert r.status_code == 413 and error_of(r)["code"] == "too_large"


def test_invalid_content_length(client: TestClient) -> None:
    r = client.post(
        "/api/songs",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": "-5"},
    )
    assert r.status_code in (400, 422)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_zip_that_unpacks_too_large(make_client: ClientFactory) -> None:
    client = make_client(max_unzipped_bytes=50_000)
    bomb = _zip({"general/2024-01-01.json": b" " * 200_000})
    assert len(bomb) < 5_000
    r = client.post("/api/songs", files={"file": ("slack.zip", bomb, "application/zip")})
    assert r.status_code == 413 and error_of(r)["code"] == "too_large"


def test_damaged_zip(client: TestClient) -> None:
    r = client.post(
        "/api/songs", files={"file": ("slack.zip", b"PK\x03\x04garbage" * 10, "application/zip")}
    )
    assert r.status_code == 400 and error_of(r)["code"] == "bad_input"


def test_multipart_mistakes(client: TestClient) -> None:
    r = client.post("/api/songs", files={"file": ("chat.txt", b"", "text/plain")})
    assert r.status_code == 400 and error_of(r)["code"] == "bad_input"
    r = client.post("/api/songs", data={"file": "not a file"})
    assert r.status_code == 415  # a urlencoded form is not multipart
    r = client.post(
        "/api/songs",
        files=[
            ("file", ("a.txt", b"Ann: hi", "text/plain")),
            ("file", ("b.txt", b"Ben: hi", "text/plain")),
        ],
    )
    assert r.status_code == 400 and error_of(r)["code"] == "bad_input"
    r = client.post(
        "/api/songs", files={"file": ("a.txt", b"Ann: hi", "text/plain")}, data={"chat": "Ben: hi"}
    )
    assert r.status_code == 422
    r = client.post(
        "/api/songs",
        files={"file": ("a.txt", b"Ann: hi", "text/plain")},
        data={"length": "forever"},
    )
    assert r.status_code == 422 and "length" in error_of(r)["message"]


def test_failed_job_reports_its_error(client: TestClient) -> None:
    song_id = compose(client, chat="Ann: FAIL please")
    body = wait_for(client, song_id)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "bad_input"
    assert "cannot be read" in body["error"]["message"]


def test_a_bug_in_a_job_is_not_a_500(client: TestClient) -> None:
    song_id = compose(client, chat="Ann: CRASH")
    body = wait_for(client, song_id)
    assert body["status"] == "failed" and body["error"]["code"] == "internal"
    assert "a bug" not in body["error"]["message"]  # no internals leak


def test_full_queue_answers_503_with_retry_after(make_client: ClientFactory, gate: Gate) -> None:
    client = make_client(compose_fn=gate, workers=1, max_queue=1)
    first = compose(client, chat=CHAT)
    assert gate.started.wait(5)
    assert wait_for(client, first, ("running",))["stage"] == "composing"
    second = compose(client, chat=CHAT)
    assert client.get(f"/api/songs/{second}").json()["status"] == "queued"
    r = client.post("/api/songs", json={"chat": CHAT})
    assert r.status_code == 503
    assert error_of(r)["code"] == "busy"
    assert int(r.headers["retry-after"]) >= 1
    gate.open.set()
    assert wait_for(client, first)["status"] == "done"
    assert wait_for(client, second)["status"] == "done"
    assert client.post("/api/songs", json={"chat": CHAT}).status_code == 202


def test_json_body_of_every_field(client: TestClient) -> None:
    body = {
        "chat": CHAT,
        "format": "plain",
        "moment": None,
        "seed": 5,
        "length": 45,
        "style": "photograph",
        "engine": "synth",
        "valence": 0.5,
        "arousal": -0.5,
        "humanize": True,
        "musicxml": False,
    }
    song_id = compose(client, **body)
    assert wait_for(client, song_id)["status"] == "done"
    assert json.loads(client.get(f"/api/songs/{song_id}/score.json").text)["id"] == song_id


def test_gpu_engines_run_one_at_a_time(make_client: ClientFactory, gate: Gate) -> None:
    client = make_client(compose_fn=gate, workers=2)
    first = compose(client, chat=CHAT, engine="musicgen")
    second = compose(client, chat=CHAT, engine="musicgen")
    cpu = compose(client, chat=CHAT)
    assert wait_for(client, first, ("running",))["status"] == "running"
    assert wait_for(client, cpu, ("running",))["status"] == "running"  # its own pool
    time.sleep(0.2)
    assert client.get(f"/api/songs/{second}").json()["status"] == "queued"
    gate.open.set()
    for song_id in (first, second, cpu):
        assert wait_for(client, song_id)["status"] == "done"
