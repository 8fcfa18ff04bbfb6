"""The app around the routes: page, docs, error shape, limits while streaming, workers."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from composer.errors import OptionError, TooLargeError
from composer.web.app import WEB_DIR
from composer.web.errors import RequestTimeoutError
from composer.web.server import bind
from composer.web.uploads import UploadLimits, limited_receive

from .conftest import ClientFactory, compose, wait_for
from .test_compose import CHAT, error_of


def test_page_is_served_with_a_strict_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<title>Photograph</title>" in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    for asset, kind in (
        ("app.js", "javascript"),
        ("app.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ):
        r = client.get(f"/{asset}")
        assert r.status_code == 200 and kind in r.headers["content-type"], asset


def test_page_needs_nothing_from_the_network() -> None:
    allowed = {"http://www.w3.org/2000/svg"}  # an XML namespace name, never fetched
    for path in sorted(WEB_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}[^\s\"'<>)]*", text))
        assert urls <= allowed, (path.name, urls - allowed)
        assert "@import" not in text, path.name


def test_page_references_only_files_that_exist() -> None:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="([^"#?]+)"', html):
        assert (WEB_DIR / ref).is_file(), ref


def test_no_page_folder_gives_a_json_404(make_client: ClientFactory, tmp_path: Path) -> None:
    client = make_client(web_dir=tmp_path / "nowhere")
    r = client.get("/")
    assert r.status_code == 404 and "not installed" in error_of(r)["message"]


def test_docs_and_openapi(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {
        "/api/songs",
        "/api/songs/{song_id}",
        "/api/songs/{song_id}/events",
        "/api/songs/{song_id}/song.mid",
        "/api/songs/{song_id}/audio.{fmt}",
        "/api/info",
    } <= set(paths)
    body = paths["/api/songs"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)


def test_unknown_routes_and_methods_keep_the_shape(client: TestClient) -> None:
    r = client.get("/api/nothing")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = client.put("/api/songs")
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"
    assert (
        "access-control-allow-origin"
        not in client.options(
            "/api/songs",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        ).headers
    )


def test_info(client: TestClient) -> None:
    info = client.get("/api/info").json()
    assert "photograph" in info["styles"] and "synth" in info["engines"]
    assert info["audio_formats"] == ["wav", "ogg", "flac", "mp3", "opus"]
    assert info["audio_default"] == "ogg"
    assert info["limits"]["max_upload_bytes"] == 5_000_000
    assert info["limits"]["max_unzipped_bytes"] == 20_000_000
    assert info["workers"]["workers"] == 2 and info["workers"]["executor"] == "thread"


def _receiver(chunks: list[bytes], pulled: list[int]):  # type: ignore[no-untyped-def]
    async def receive() -> dict[str, object]:
        i = len(pulled)
        pulled.append(i)
        return {"type": "http.request", "body": chunks[i], "more_body": i < len(chunks) - 1}

    return receive


def test_limit_is_enforced_while_streaming() -> None:
    chunks = [b"x" * 1000] * 100
    pulled: list[int] = []
    receive = limited_receive(_receiver(chunks, pulled), 2500, UploadLimits())

    async def drain() -> None:
        while True:
            message = await receive()
            if not message.get("more_body"):
                return

    with pytest.raises(TooLargeError):
        asyncio.run(drain())
    assert len(pulled) == 3  # stopped at the first chunk past the limit, not at the end


def test_slow_sender_times_out() -> None:
    async def never() -> dict[str, object]:
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b""}

    receive = limited_receive(never, 100, UploadLimits(receive_timeout_s=0.05))

    async def once() -> None:
        await receive()

    with pytest.raises(RequestTimeoutError):
        asyncio.run(once())


def test_process_pool_runs_jobs_and_reports_progress(
    make_client: ClientFactory, album_dir: Path
) -> None:
    client = make_client(executor="process", workers=1)
    ids = [compose(client, chat=CHAT), compose(client, moment="a quiet morning")]
    for song_id in ids:
        assert wait_for(client, song_id, timeout=60)["status"] == "done"
        assert (album_dir / song_id / "song.mid").is_file()
    failed = compose(client, chat="Ann: FAIL")
    assert wait_for(client, failed, timeout=60)["error"]["code"] == "bad_input"
    stats = client.get("/api/info").json()["workers"]
    assert stats["executor"] == "process" and stats["completed"] == 2


def test_bind_refuses_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OptionError, match="cannot listen"):
            bind("127.0.0.1", port)
    with pytest.raises(OptionError):
        bind("127.0.0.1", 70000)


def test_cli_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, composer.cli, composer.pipeline; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'pydantic') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_ids_name_the_input(client: TestClient) -> None:
    song_id = compose(client, moment="Üben, üben: the piano at 3 a.m.!")
    assert re.fullmatch(r"\d{8}-\d{6}-ben-ben-the-piano-at-[0-9a-f]{8}", song_id), song_id


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "/docs-assets/swagger-ui-bundle.js" in page.text
    js = client.get("/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/openapi.json").json()["paths"]["/api/songs"]


def test_create_app_and_upload_limits_share_their_defaults() -> None:
    import inspect

    from composer.web.app import create_app

    params = inspect.signature(create_app).parameters
    defaults = UploadLimits()
    for name in ("max_upload_bytes", "max_unzipped_bytes", "receive_timeout_s", "body_timeout_s"):
        assert params[name].default == getattr(defaults, name), name
