"""Fuzz the CLI and the library with hostile inputs: every failure must be a ComposerError.

Hypothesis generates each case (``--cases N`` of them, no shrinking, nothing stored): random
bytes, the sample exports in ``tests/fixtures/chats`` cut at random points, re-encoded
(UTF-16/32 with and without BOM, Latin-1, cp1252, mixed line by line, wrong BOMs), with
huge lines, control characters, RTL/zero-width marks and emoji sequences spliced in,
deeply nested JSON, malformed zips (damaged, bombs, lying headers, thousands of entries,
encrypted, unknown methods), chats written in every format from generated speakers and
texts, moments, and random option values. Every case runs through every target:

- ``cli``: ``composer.cli.main([...])`` in this process (``compose``/``mood``, a file or
  stdin); an exit code other than 0 must come with exactly one ``photograph: error:`` line
  on stderr;
- ``library``: ``composer.pipeline.compose`` (bytes, or text with lone surrogates);
- ``api``: the web API in-process (``TestClient`` on one ``create_app`` for the whole run,
  a thread pool of one worker running the app's real job, ``compose_and_save``, with audio
  off, except for the cases that render audio, which use the synth engine). The case is
  POSTed as JSON (the chat as text; hostile field values and types, unknown fields, deep
  nesting, 6 MB chats, cut or non-JSON bodies, wrong content types) or as a hand-built
  multipart upload of its bytes (hostile file names: traversal, NUL, 5,000 characters,
  raw quotes and line breaks; duplicated fields, a field as a file, too many fields, cut
  bodies), then followed (``GET /api/songs/{id}`` until done or failed); a done song's
  ``song.mid``, ``score.json``, event stream, ``song.musicxml`` (and ``audio.ogg`` with a
  Range) are fetched, then it is deleted. Two hostile ids (traversal, NUL, unicode, 5,000
  characters; raw or percent-encoded) hit random id routes, and a hostile album page is
  asked for. A 5xx (but a 503 with ``Retry-After``), an error that is not
  ``{"error": {"code", "message"}}`` JSON, an ERROR logged by the app or a system file
  served is a failure (a 5xx or a logged error counts as a traceback).

A target is a function ``(Case, Path) -> Outcome`` in :data:`TARGETS`. Every MIDI written
is checked with mido (``clip=False``, type 1, every track closed by ``end_of_track``, no
hanging note, byte-identical when saved again) and with ``music21.converter.parse``.

Prints ``cases``, ``runs_<target>``, ``tracebacks``, ``bad_stderr``, ``exit_codes_<target>``
(for ``api``: 0 done, 1 failed job, else the POST's status), ``midi_written``,
``midi_mido_ok``, ``midi_music21_ok``, ``audio_runs``, the ``api_*`` HTTP figures
(requests, 5xx, non-JSON errors, logged server errors, traversal leaks, status codes),
``wall_s``, ``peak_rss_mb``, then the distinct failures (inputs saved under ``--failures``).

Usage: ``python bench/fuzz.py --cases 10000 [--seed 1] [--targets cli,library,api]``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.util
import io
import json
import logging
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402

from bench.fuzz_inputs import (  # noqa: E402
    ID_ROUTES,
    Case,
    api_json,
    api_multipart,
    cases,
    hostile_id,
)
from composer.album import Album, Record  # noqa: E402
from composer.errors import ComposerError  # noqa: E402
from composer.pipeline import Request  # noqa: E402
from composer.progress import Progress  # noqa: E402

HAS_SYNTH = importlib.util.find_spec("composer.engines.synth") is not None


@dataclass(slots=True)
class Outcome:
    """What one target did with one case."""

    code: int | None  # exit code; None when a traceback escaped
    problem: str = ""  # traceback summary, or what was wrong with stderr
    midi: list[bytes] = field(default_factory=list)
    audio: bool = False
    message: str = ""  # the error line a user saw, for the histogram


def _cli_argv(case: Case, work: Path) -> tuple[list[str], bytes | None]:
    argv = [case.command]
    stdin = None
    if case.command == "render":
        (work / "in.mid").write_bytes(case.data or b"")
        return [*argv, str(work / "in.mid"), "-o", str(work / f"out.{case.audio_format}")], None
    if case.moment is not None:
        argv += [f"--moment={case.moment}"]
    elif case.stdin:
        argv += ["-"]
        stdin = case.data
    else:
        (work / "in").mkdir()
        path = work / "in" / (case.filename or "input")
        path.write_bytes(case.data or b"")
        argv += [str(path)]
    if case.fmt != "auto":
        argv += [f"--format={case.fmt}"]
    if case.json:
        argv += ["--json"]
    if case.command == "compose":
        argv += ["--scores", str(work / "album"), "--length", case.length_arg]
        argv += [] if case.style is None else ["--style", case.style]
        argv += [] if case.seed is None else ["--seed", str(case.seed)]
        for name in ("valence", "arousal"):
            value = getattr(case, name)
            argv += [] if value is None else [f"--{name}={value}"]
        argv += ["--humanize"] if case.humanize else []
        argv += ["--audio", case.audio_format] if case.audio else ["--no-audio"]
        argv += [a.replace("{work}", str(work)) for a in case.extra]
        if "{work}/afile" in case.extra:
            (work / "afile").write_bytes(b"not a folder")
    return argv, stdin


def target_cli(case: Case, work: Path) -> Outcome:
    """Run ``composer.cli.main`` in-process, as a user would run ``photograph``."""
    from composer.cli import main

    argv, stdin = _cli_argv(case, work)
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    except Exception as exc:
        return Outcome(None, _summary(exc))
    finally:
        sys.stdin = old_stdin
    lines = err.getvalue().splitlines()
    outcome = Outcome(code, message=lines[0][19:] if code and lines else "")
    if code != 0:
        if len(lines) != 1 or not lines[0].startswith("photograph: error: "):
            outcome.problem = f"exit {code} with stderr {err.getvalue()[:300]!r}"
    elif any("Traceback" in line or "Warning" in line for line in lines):
        outcome.problem = f"exit 0 with stderr {err.getvalue()[:300]!r}"
    if code == 0 and case.json and case.command != "render":
        try:
            json.loads(out.getvalue())
        except ValueError:
            outcome.problem = f"--json printed {out.getvalue()[:200]!r}"
    if code == 0 and case.command == "render":
        outcome.audio = _audio_ok(work / f"out.{case.audio_format}")
        if not outcome.audio:
            outcome.problem = "render exit 0 but no readable audio file"
    if code == 0 and case.command == "compose":
        songs = [p for p in (work / "album").glob("*") if not p.name.startswith(".")]
        songs += [p for p in work.glob("out-*") if p.is_dir()]
        for song in songs:
            outcome.midi.append((song / "song.mid").read_bytes())
            json.loads((song / "score.json").read_text(encoding="utf-8"))
            outcome.audio = _audio_ok(song / f"song.{case.audio_format}")
        if not songs or (case.audio and not outcome.audio):
            outcome.problem = "exit 0 but no complete song folder"
    return outcome


def _audio_ok(path: Path) -> bool:
    """The audio file exists and soundfile reads frames from it."""
    import soundfile

    try:
        return path.is_file() and soundfile.info(str(path)).frames > 0
    except (RuntimeError, soundfile.LibsndfileError):
        return False


def _render(case: Case) -> Outcome:
    from composer.audio.loudness import normalize
    from composer.audio.synth import render_midi

    audio = normalize(render_midi(case.data or b""))
    return Outcome(0, audio=audio.duration_s > 0)


def target_library(case: Case, work: Path) -> Outcome:
    """Run ``composer.pipeline.compose`` (and ``mood.analyse`` for ``mood`` cases)."""
    from composer.cli import exit_code
    from composer.music.compose import SongOptions
    from composer.pipeline import Request, compose, read_chat

    data: bytes | str | None = case.data
    if case.data is not None and case.as_text:
        data = case.data.decode("utf-8", "surrogateescape")
    try:
        request = Request(
            data=None if case.moment is not None else data,
            moment=case.moment,
            fmt=case.fmt,
            filename=case.filename,
            seed=case.seed,
            song=SongOptions(
                length_s=case.length,
                style=case.style or "photograph",
                valence=case.valence,
                arousal=case.arousal,
                humanize=case.humanize,
            ),
            no_audio=not case.audio,
            audio_format=case.audio_format,
        )
        if case.command == "render":
            return _render(case)
        if case.command == "mood":
            from composer.mood import analyse

            analyse(read_chat(request))
            return Outcome(0)
        comp = compose(request)
    except ComposerError as exc:
        if "\n" in str(exc) or not str(exc).strip():
            return Outcome(exit_code(exc), f"error message {str(exc)!r}")
        return Outcome(exit_code(exc), message=str(exc))
    except Exception as exc:
        return Outcome(None, _summary(exc))
    return Outcome(0, midi=[comp.midi], audio=comp.audio is not None)


# --- the web API ---------------------------------------------------------------------

_api_audio = False  # whether the api case being run renders audio (one case at a time)


def compose_for_fuzz(request: Request, progress: Progress, album: Album, name: str) -> Record:
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
        self.records.append(_summary(error) if error else record.getMessage())


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
        out.audio = r is not None and r.status_code == 200 and _audio_bytes_ok(r.content)
        ranged = _request(
            api, "GET", f"{base}/audio.ogg", "audio.ogg", problems, headers={"Range": "bytes=0-9"}
        )
        if not out.audio or ranged is None or ranged.status_code != 206:
            problems.append("done with audio but audio.ogg is unreadable or has no ranges")
    r = _request(api, "DELETE", base, "DELETE /api/songs/{id}", problems)
    gone = _request(api, "GET", base, "/api/songs/{id}", problems)
    if r is None or r.status_code != 204 or gone is None or gone.status_code != 404:
        problems.append("DELETE of a done song did not remove it")


def _audio_bytes_ok(data: bytes) -> bool:
    import soundfile

    try:
        return soundfile.info(io.BytesIO(data)).frames > 0
    except (RuntimeError, soundfile.LibsndfileError):
        return False


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


TARGETS: dict[str, Callable[[Case, Path], Outcome]] = {
    "cli": target_cli,
    "library": target_library,
    "api": target_api,
}


def _summary(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/composer/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__} at {where}: {' '.join(str(exc).split())[:160]}"


def check_mido(data: bytes) -> str:
    """Empty when mido reads the file strictly and it is well-formed, else the problem."""
    import mido

    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=False)
    except Exception as exc:
        return f"mido cannot read it: {_summary(exc)}"
    if mid.type != 1 or not mid.tracks:
        return f"type {mid.type} with {len(mid.tracks)} tracks"
    notes = 0
    for i, track in enumerate(mid.tracks):
        if not track or track[-1].type != "end_of_track":
            return f"track {i} does not end with end_of_track"
        sounding: Counter[tuple[int, int]] = Counter()
        for msg in track:
            if msg.type == "note_on" and msg.velocity > 0:
                sounding[(msg.channel, msg.note)] += 1
                notes += 1
            elif msg.type in ("note_on", "note_off"):
                sounding[(msg.channel, msg.note)] -= 1
        if any(v != 0 for v in sounding.values()):
            return f"track {i} has unbalanced note on/off"
    if notes == 0:
        return "no notes"
    again = io.BytesIO()
    mid.save(file=again)
    return "" if again.getvalue() == data else "not byte-identical when saved again"


def check_music21(data: bytes) -> str:
    """Empty when ``music21.converter.parse`` reads the file and finds notes."""
    import music21

    try:
        score = music21.converter.parse(data, format="midi")
        if not score.recurse().notes:
            return "music21 found no notes"
    except Exception as exc:
        return f"music21: {_summary(exc)}"
    return ""


@dataclass(slots=True)
class Stats:
    """Counters over the whole run."""

    cases: int = 0
    runs: Counter[str] = field(default_factory=Counter)
    codes: dict[str, Counter[str]] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    kind_ok: Counter[str] = field(default_factory=Counter)
    kind_s: dict[str, float] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    midi: dict[str, tuple[str, str]] = field(default_factory=dict)
    messages: Counter[str] = field(default_factory=Counter)
    kind_messages: dict[str, Counter[str]] = field(default_factory=dict)
    audio_runs: int = 0
    midi_total: int = 0
    tracebacks: int = 0
    bad_stderr: int = 0

    def record(self, target: str, case: Case, outcome: Outcome, failures: Path) -> None:
        self.runs[target] += 1
        code = "traceback" if outcome.code is None else str(outcome.code)
        self.codes.setdefault(target, Counter())[code] += 1
        self.audio_runs += outcome.audio
        if outcome.message:
            short = re.sub(r"[0-9]+", "N", outcome.message)[:48]
            self.messages[short] += 1
            self.kind_messages.setdefault(case.kind, Counter())[short] += 1
        if outcome.problem:
            if outcome.code is None:
                self.tracebacks += 1
            else:
                self.bad_stderr += 1
            key = f"[{target}] {_shape(outcome.problem)}"
            seen = self.problems.setdefault(key, [])
            if len(seen) < 3:
                seen.append(_save(case, failures, len(self.problems), len(seen)))
        self.midi_total += len(outcome.midi)
        for data in outcome.midi:
            digest = hashlib.sha256(data).hexdigest()
            if digest not in self.midi:
                self.midi[digest] = (check_mido(data), check_music21(data))
                for verdict in self.midi[digest]:
                    if verdict:
                        key = f"[midi] {verdict}"
                        self.problems.setdefault(key, []).append(
                            _save(case, failures, len(self.problems), 0)
                        )


def _shape(problem: str) -> str:
    """A problem without its paths and numbers, so that one bug counts once."""
    problem = re.sub(r"'/[^']*'|/tmp/\S+", "PATH", problem)
    return re.sub(r"[0-9]+", "N", problem)


def _save(case: Case, failures: Path, n: int, k: int) -> str:
    failures.mkdir(parents=True, exist_ok=True)
    stem = failures / f"failure-{n:03d}-{k}"
    stem.with_suffix(".bin").write_bytes(case.data or b"")
    meta = {f: getattr(case, f) for f in Case.__dataclass_fields__ if f != "data"}
    stem.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=True, default=repr))
    return str(stem)


def run(n: int, seed: int, targets: list[str], audio_share: float, failures: Path) -> Stats:
    """Generate ``n`` cases with Hypothesis and run each through every target."""
    stats = Stats()
    root = Path(tempfile.mkdtemp(prefix="photograph-fuzz-"))

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(cases(audio_share if HAS_SYNTH else 0.0))
    def one(case: Case) -> None:
        stats.cases += 1
        stats.kinds[case.kind] += 1
        for target in targets:
            work = root / f"{stats.cases}-{target}"
            work.mkdir()
            started = time.perf_counter()
            try:
                outcome = TARGETS[target](case, work)
                spent = time.perf_counter() - started
                stats.kind_s[case.kind] = stats.kind_s.get(case.kind, 0.0) + spent
                stats.kind_ok[case.kind] += outcome.code == 0
                stats.record(target, case, outcome, failures)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        if stats.cases % 500 == 0:
            print(f"... {stats.cases} cases, {stats.tracebacks} tracebacks", file=sys.stderr)

    try:
        one()
    except KeyboardInterrupt:  # Ctrl-C: report the cases run so far
        print(f"... interrupted after {stats.cases} cases", file=sys.stderr)
    finally:
        close_api()
        shutil.rmtree(root, ignore_errors=True)
    return stats


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--targets", default="cli,library", help=f"any of {', '.join(TARGETS)}")
    p.add_argument("--audio-share", type=float, default=0.01, help="cases rendered to audio")
    p.add_argument("--top", type=int, default=15, help="most frequent error lines to show")
    p.add_argument("--failures", type=Path, default=Path(tempfile.gettempdir()) / "fuzz-fail")
    args = p.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        p.error(f"unknown target(s) {unknown}; known: {', '.join(TARGETS)}")
    started = time.perf_counter()
    stats = run(args.cases, args.seed, targets, args.audio_share, args.failures)
    mido_ok = sum(1 for m, _ in stats.midi.values() if not m)
    m21_ok = sum(1 for _, m in stats.midi.values() if not m)
    print(f"cases {stats.cases}")
    for target in targets:
        print(f"runs_{target} {stats.runs[target]}")
    print(f"tracebacks {stats.tracebacks}")
    print(f"bad_stderr {stats.bad_stderr}")
    for target in targets:
        print(f"exit_codes_{target} {json.dumps(dict(sorted(stats.codes[target].items())))}")
    print(f"midi_written {stats.midi_total} ({len(stats.midi)} distinct, each checked once)")
    print(f"midi_mido_ok {mido_ok}/{len(stats.midi)}")
    print(f"midi_music21_ok {m21_ok}/{len(stats.midi)}")
    print(f"audio_runs {stats.audio_runs}{'' if HAS_SYNTH else ' (no synth engine yet)'}")
    for kind, n in sorted(stats.kinds.items()):
        ok, secs = stats.kind_ok[kind], stats.kind_s.get(kind, 0.0)
        top = stats.kind_messages.get(kind, Counter()).most_common(1)
        common = f"  most common error: {top[0][1]} x {top[0][0]!r}" if top else ""
        print(f"kind {kind:<10} cases {n:5d}  runs ok {ok:5d}  seconds {secs:6.0f}{common}")
    if "api" in targets and _API:
        api = _API[0].stats
        print(f"api_http_requests {api.requests}")
        print(f"api_http_5xx {api.http_5xx}")
        print(f"api_non_json_errors {api.non_json_errors}")
        print(f"api_server_errors_logged {api.server_errors}")
        print(f"api_traversal_leaks {api.leaks}")
        print(f"api_status_codes {json.dumps(dict(sorted(api.statuses.items())))}")
        print(f"api_songs_done {api.songs_done} failed {api.songs_failed}")
        print(f"api_urls_refused_by_client {api.client_refused}")
    print(f"wall_s {time.perf_counter() - started:.0f}")
    print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    for message, count in stats.messages.most_common(args.top):
        print(f"error {count:6d} {message}")
    for problem, saved in sorted(stats.problems.items()):
        print(f"problem {problem}  (e.g. {saved[0]})")
    return 1 if stats.problems else 0


if __name__ == "__main__":
    sys.exit(main())
