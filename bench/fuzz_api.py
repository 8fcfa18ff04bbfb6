"""The ``api`` target of ``bench/fuzz.py``: the web API in-process.

One ``create_app`` and ``TestClient`` for the whole run, a thread pool of one worker
running the app's real job (``compose_and_save``) with audio off, except for the cases
that render audio, which use the synth engine. The case is POSTed as JSON (the chat as
text; hostile field values and types, unknown fields, deep nesting, 6 MB chats, cut or
non-JSON bodies, wrong content types) or as a hand-built multipart upload of its bytes
(hostile file names: traversal, NUL, 5,000 characters, raw quotes and line breaks;
duplicated fields, a field as a file, too many fields, cut bodies), then followed
(``GET /api/songs/{id}`` until done or failed); a done song's ``song.mid``,
``score.json``, event stream, ``song.musicxml`` (and ``audio.ogg`` with a Range) are
fetched, then it is deleted. Two hostile ids (traversal, NUL, unicode, 5,000 characters;
raw or percent-encoded) hit random id routes, and a hostile album page is asked for. A
5xx (but a 503 with ``Retry-After``), an error that is not ``{"error": {"code",
"message"}}`` JSON, an ERROR logged by the app or a system file served is a failure (a
5xx or a logged error counts as a traceback).

This module never imports ``bench/fuzz.py`` (which runs as ``__main__``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import random
import shutil
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fuzz_checks import Outcome, audio_bytes_ok, summary
from bench.fuzz_inputs import Case
from bench.fuzz_requests import ID_ROUTES, api_json, api_multipart, hostile_id
from composer.album import Record
from composer.pipeline import Request
from composer.progress import Progress
from composer.storage import Storage

_api_audio = False  # whether the api case being run renders audio (one case at a time)


def compose_for_fuzz(request: Request, progress: Progress, album: Storage, name: str) -> Record:
    """The app's real job (``compose_and_save``), with audio off unless the case renders."""
    from composer.web.worker import compose_and_save

    if not _api_audio:
        request = dataclasses.replace(request, no_audio=True)
    return compose_and_save(request, progress, album, name)


@dataclass(slots=True)
class ApiStats:
    """HTTP figures of the ``api`` target."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    http_5xx: int = 0
    non_json_errors: int = 0
    server_errors: int = 0  # ERROR records logged by the app (tracebacks, failed jobs)
    leaks: int = 0  # a hostile id answered with a file from outside the album
    client_refused: int = 0  # URLs the HTTP client itself would not send
    songs_done: int = 0
    songs_failed: int = 0


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.records.append(summary(error) if error else record.getMessage())


@dataclass(slots=True)
class _Api:
    client: Any
    root: Path
    log: _ErrorLog
    stats: ApiStats = field(default_factory=ApiStats)


_API: list[_Api] = []


def _api() -> _Api:
    """One app (thread pool of 1, real pipeline) and test client for the whole run."""
    if not _API:
        from fastapi.testclient import TestClient

        from composer.web.app import create_app

        root = Path(tempfile.mkdtemp(prefix="photograph-fuzz-api-"))
        app = create_app(root / "album", compose_fn=compose_for_fuzz, executor="thread", workers=1)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        log = _ErrorLog()
        logging.getLogger("composer.web").addHandler(log)
        _API.append(_Api(client, root, log))
    return _API[0]


def close_api() -> None:
    """Stop the app of the ``api`` target (if it was started) and remove its album."""
    for api in _API:
        api.client.__exit__(None, None, None)
        logging.getLogger("composer.web").removeHandler(api.log)
        shutil.rmtree(api.root, ignore_errors=True)


def api_stats() -> ApiStats | None:
    """The HTTP figures of the ``api`` target, or None when it never ran."""
    return _API[0].stats if _API else None


def _request(api: _Api, method: str, url: str, route: str, problems: list[str], **kw: Any) -> Any:
    """Send one request and check the answer: no 5xx, every error in the JSON shape."""
    try:
        r = api.client.request(method, url, **kw)
    except Exception as exc:  # the client's own URL checks (httpx or httpx2 InvalidURL)
        if type(exc).__name__ not in ("InvalidURL", "UnicodeEncodeError"):
            raise
        api.stats.client_refused += 1
        return None
    st = api.stats
    st.requests += 1
    st.statuses[r.status_code] += 1
    if r.status_code == 503 and "retry-after" not in r.headers:
        problems.append(f"503 without Retry-After on {method} {route}")
    if r.status_code >= 500 and r.status_code != 503:
        st.http_5xx += 1
        problems.append(f"HTTP {r.status_code} on {method} {route}: {r.text[:200]}")
    elif r.status_code >= 400 and method != "HEAD":
        try:
            error = r.json()["error"]
            ok = isinstance(error["code"], str) and isinstance(error["message"], str)
            ok = ok and "\n" not in error["message"] and bool(error["message"].strip())
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok or not r.headers.get("content-type", "").startswith("application/json"):
            st.non_json_errors += 1
            problems.append(f"non-JSON error {r.status_code} on {method} {route}: {r.text[:80]}")
    return r


def _follow(api: _Api, song_id: str, problems: list[str]) -> dict[str, Any]:
    """Poll the song until it is done or failed (or give up after two minutes)."""
    deadline = time.monotonic() + 120
    url = f"/api/songs/{song_id}"
    while time.monotonic() < deadline:
        r = _request(api, "GET", url, "/api/songs/{id}", problems)
        body: dict[str, Any] = r.json() if r is not None and r.status_code == 200 else {}
        if body.get("status") in ("done", "failed") or r is None or r.status_code != 200:
            return body
        time.sleep(0.01)
    problems.append("the song stayed unfinished for 120 s")
    return {}


def _fetch_song(api: _Api, song_id: str, case: Case, out: Outcome, problems: list[str]) -> None:
    """GET every file of a finished song, list the album, delete the song."""
    base = f"/api/songs/{song_id}"
    r = _request(api, "GET", f"{base}/song.mid", "song.mid", problems)
    if r is not None and r.status_code == 200:
        out.midi.append(r.content)
    else:
        problems.append(f"done but song.mid answered {None if r is None else r.status_code}")
    r = _request(api, "GET", f"{base}/score.json", "score.json", problems)
    try:
        json.loads(r.content if r is not None else b"")
    except ValueError:
        problems.append("done but score.json is not JSON")
    r = _request(api, "GET", f"{base}/events", "events", problems)
    if r is None or "event: done" not in r.text:
        problems.append("the event stream of a done song has no done event")
    _request(api, "GET", f"{base}/song.musicxml", "song.musicxml", problems)
    if case.audio:
        r = _request(api, "GET", f"{base}/audio.ogg", "audio.ogg", problems)
        out.audio = r is not None and r.status_code == 200 and audio_bytes_ok(r.content)
        ranged = _request(
            api, "GET", f"{base}/audio.ogg", "audio.ogg", problems, headers={"Range": "bytes=0-9"}
        )
        if not out.audio or ranged is None or ranged.status_code != 206:
            problems.append("done with audio but audio.ogg is unreadable or has no ranges")
    r = _request(api, "DELETE", base, "DELETE /api/songs/{id}", problems)
    gone = _request(api, "GET", base, "/api/songs/{id}", problems)
    if r is None or r.status_code != 204 or gone is None or gone.status_code != 404:
        problems.append("DELETE of a done song did not remove it")


def _hostile_reads(api: _Api, rng: random.Random, problems: list[str]) -> None:
    """Random ids on the id routes, raw and percent-encoded, and a hostile album page."""
    for _ in range(2):
        song_id = hostile_id(rng)
        shown = song_id if rng.random() < 0.5 else urllib.parse.quote(song_id, safe="")
        route = rng.choice(ID_ROUTES)
        method = "DELETE" if route == "" and rng.random() < 0.3 else "GET"
        r = _request(api, method, f"/api/songs/{shown}{route}", f"{{hostile id}}{route}", problems)
        if r is not None and (b"root:" in r.content or b"[boot loader]" in r.content):
            api.stats.leaks += 1
            problems.append(f"hostile id {song_id[:60]!r} served a system file")
    params = {"limit": rng.choice(["1", "20", "100", "0", "-1", "abc", "1e9", ""])}
    params["offset"] = rng.choice(["0", "5", "-3", "99999999999999999999", "x"])
    _request(api, "GET", "/api/songs", "/api/songs?page", problems, params=params)


def target_api(case: Case, work: Path) -> Outcome:
    """POST the case to the web API (JSON or multipart), follow it, fetch and delete it."""
    global _api_audio
    api = _api()
    digest = hashlib.sha256((case.data or b"") + repr(case.moment).encode("utf-8", "replace"))
    rng = random.Random(digest.digest() + repr((case.kind, case.seed, case.length)).encode())
    _api_audio = case.audio
    logged = len(api.log.records)
    problems: list[str] = []
    as_form = case.data is not None and (case.kind in ("zip", "midi") or rng.random() < 0.5)
    body, ctype = api_multipart(case, rng) if as_form else api_json(case, rng)
    headers = {"content-type": ctype} if ctype else {}
    post = _request(
        api, "POST", "/api/songs", "POST /api/songs", problems, content=body, headers=headers
    )
    out = Outcome(0 if post is None else post.status_code)
    if post is not None and post.status_code == 202:
        accepted = post.json()
        if post.headers.get("location") != accepted["links"]["self"]:
            problems.append("202 without a Location header that matches links.self")
        status = _follow(api, accepted["id"], problems)
        if status.get("status") == "done":
            api.stats.songs_done += 1
            out.code = 0
            _fetch_song(api, accepted["id"], case, out, problems)
        elif status.get("status") == "failed":
            api.stats.songs_failed += 1
            error = status.get("error") or {}
            out.code, out.message = 1, str(error.get("message", ""))
            if error.get("code") == "internal" or "\n" in out.message:
                problems.append(f"job failed with {error!r}"[:200])
            _request(api, "DELETE", f"/api/songs/{accepted['id']}", "DELETE failed", problems)
    elif post is not None and post.status_code < 500:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            out.message = str(post.json()["error"]["message"])
    _hostile_reads(api, rng, problems)
    errors = api.log.records[logged:]
    api.stats.server_errors += len(errors)
    if errors or any(p.startswith("HTTP 5") for p in problems):
        out.code = None
        problems = [f"server logged: {e}" for e in errors] + problems
    out.problem = problems[0] if problems else ""
    return out
