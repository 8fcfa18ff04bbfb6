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
- ``api``: the web API in-process (``bench/fuzz_api.py``): the case POSTed as JSON or
  multipart (hostile fields, bodies and file names), followed, its files fetched, then
  deleted; hostile ids on every id route. A 5xx (but a 503 with ``Retry-After``), an
  error that is not ``{"error": {"code", "message"}}`` JSON, an ERROR logged by the app
  or a system file served is a failure (a 5xx or a logged error counts as a traceback).

A target is a function ``(Case, Path) -> Outcome`` in :data:`TARGETS`. Every MIDI written
is checked (``bench/fuzz_checks.py``) with mido (``clip=False``, type 1, every track
closed by ``end_of_track``, no hanging note, byte-identical when saved again) and with
``music21.converter.parse``.

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
import hashlib
import importlib.util
import io
import json
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402

from bench.fuzz_api import api_stats, close_api, target_api  # noqa: E402
from bench.fuzz_checks import (  # noqa: E402
    Outcome,
    audio_file_ok,
    check_mido,
    check_music21,
    summary,
)
from bench.fuzz_inputs import Case, cases  # noqa: E402
from composer.errors import ComposerError  # noqa: E402

HAS_SYNTH = importlib.util.find_spec("composer.engines.synth") is not None


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
        return Outcome(None, summary(exc))
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
        outcome.audio = audio_file_ok(work / f"out.{case.audio_format}")
        if not outcome.audio:
            outcome.problem = "render exit 0 but no readable audio file"
    if code == 0 and case.command == "compose":
        songs = [p for p in (work / "album").glob("*") if not p.name.startswith(".")]
        songs += [p for p in work.glob("out-*") if p.is_dir()]
        for song in songs:
            outcome.midi.append((song / "song.mid").read_bytes())
            json.loads((song / "score.json").read_text(encoding="utf-8"))
            outcome.audio = audio_file_ok(song / f"song.{case.audio_format}")
        if not songs or (case.audio and not outcome.audio):
            outcome.problem = "exit 0 but no complete song folder"
    return outcome


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
        return Outcome(None, summary(exc))
    return Outcome(0, midi=[comp.midi], audio=comp.audio is not None)


TARGETS: dict[str, Callable[[Case, Path], Outcome]] = {
    "cli": target_cli,
    "library": target_library,
    "api": target_api,
}


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
    api = api_stats()
    if "api" in targets and api is not None:
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
