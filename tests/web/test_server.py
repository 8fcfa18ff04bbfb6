"""A real ``photograph serve`` subprocess: it answers, refuses oversized bodies while they
stream, and stops cleanly on Ctrl-C (checked by the ``server`` fixture's teardown)."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chats"


def _connect(server: str) -> http.client.HTTPConnection:
    parts = urlsplit(server)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def test_info_and_page(server: str) -> None:
    conn = _connect(server)
    conn.request("GET", "/api/info")
    info = json.loads(conn.getresponse().read())
    assert info["workers"]["executor"] == "process" and info["workers"]["workers"] >= 1
    conn.request("GET", "/")
    r = conn.getresponse()
    assert r.status == 200 and b"Photograph" in r.read()


def test_chunked_upload_over_the_limit_is_refused(server: str) -> None:
    sent = 0

    def body() -> Iterator[bytes]:  # 8 MB of chat text, no Content-Length
        nonlocal sent
        yield b'{"chat": "'
        for _ in range(1000):
            sent += 8192
            yield b"la " * 2730 + b"  "
        yield b'"}'

    conn = _connect(server)
    conn.request(
        "POST",
        "/api/songs",
        body=body(),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    r = conn.getresponse()
    assert r.status == 413
    assert json.loads(r.read())["error"]["code"] == "too_large"
    # The server is still well.
    conn = _connect(server)
    conn.request("GET", "/api/songs")
    assert conn.getresponse().status == 200


def test_content_length_over_the_limit_is_refused_before_the_body(server: str) -> None:
    conn = _connect(server)
    conn.putrequest("POST", "/api/songs")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(50_000_000))
    conn.endheaders()  # no body is sent: the answer must come anyway
    r = conn.getresponse()
    assert r.status == 413
    assert json.loads(r.read())["error"]["code"] == "too_large"


def test_a_slack_export_becomes_a_song(server: str) -> None:
    """The real pipeline, through a multipart upload of a Slack export zip."""
    data = (FIXTURES / "slack_export_sad.zip").read_bytes()
    boundary = "photograph-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="length"\r\n\r\n20\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="slack export.zip"\r\nContent-Type: application/zip\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = _connect(server)
    conn.request(
        "POST",
        "/api/songs",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    r = conn.getresponse()
    accepted = json.loads(r.read())
    assert r.status == 202, accepted
    assert r.getheader("Location") == accepted["links"]["self"]
    deadline = time.monotonic() + 120
    while True:
        conn.request("GET", accepted["links"]["self"])
        song = json.loads(conn.getresponse().read())
        if song["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert song["status"] == "done", song
    assert song["input"]["format"] == "slack"
    assert 15 < song["duration_s"] < 30
    assert len(song["speakers"]) >= 2 and all(s["motif"] for s in song["speakers"])
    conn.request("GET", song["links"]["audio"], headers={"Range": "bytes=0-3"})
    r = conn.getresponse()
    assert r.status == 206 and r.read() == b"OggS"
