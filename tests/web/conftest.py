"""Fixtures for the web tests: an app on a temporary album with a fast fake composer."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from composer.album import Album, Record
from composer.pipeline import Request
from composer.progress import Progress
from composer.web.app import create_app

from .web_fakes import fake_compose

ClientFactory = Callable[..., TestClient]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def album_dir(tmp_path: Path) -> Path:
    return tmp_path / "scores"


@pytest.fixture
def make_client(album_dir: Path) -> Iterator[ClientFactory]:
    """``make_client(**create_app_options)``: a started TestClient (closed after the test)."""
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        options.setdefault("compose_fn", fake_compose)
        options.setdefault("executor", "thread")
        options.setdefault("workers", 2)
        client = TestClient(create_app(album_dir, **options))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


class Gate:
    """A compose function that waits until the test opens the gate."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.started = threading.Event()

    def __call__(self, request: Request, progress: Progress, album: Album, name: str) -> Record:
        progress("composing", 1, 4)
        self.started.set()
        if not self.open.wait(timeout=20):
            raise TimeoutError("the test never opened the gate")
        return fake_compose(request, progress, album, name)


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.open.set()  # never leave a worker thread waiting


def wait_for(
    client: TestClient,
    song_id: str,
    statuses: tuple[str, ...] = ("done", "failed"),
    timeout: float = 15.0,
) -> dict[str, Any]:
    """Poll a song until its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/songs/{song_id}").json()
        if body.get("status") in statuses:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"song {song_id} stayed {body.get('status')!r}")
        time.sleep(0.01)


def compose(client: TestClient, **fields: Any) -> str:
    """POST a JSON compose request, expect 202, return the id."""
    r = client.post("/api/songs", json=fields)
    assert r.status_code == 202, r.text
    song_id: str = r.json()["id"]
    return song_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``photograph serve`` subprocess (real pipeline) on a free port; its base URL.

    Stopped with Ctrl-C (SIGINT) at the end, which must end it and its workers cleanly.
    """
    exe = Path(sys.executable).parent / "photograph"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "composer.cli"]
    scores = tmp_path_factory.mktemp("scores")
    port = _free_port()
    log = scores.parent / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*command, "serve", "--port", str(port), "--scores", str(scores)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/info", timeout=2) as r:
                    json.load(r)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("the server did not stop within 20 s of Ctrl-C") from None
    text = log.read_text()
    assert code in (0, 130), text  # 130: re-raised SIGINT, the shell's convention
    assert "Application shutdown complete" in text and "Traceback" not in text, text
    deadline = time.monotonic() + 5
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _running(pid)], "worker processes outlived the server"


def _children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc; empty elsewhere)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(p) for p in task.read_text().split()]
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
