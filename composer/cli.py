"""The ``photograph`` command line.

``main(argv) -> int`` never raises for user errors: every :class:`ComposerError` becomes
one line on stderr and an exit code from :data:`EXIT_CODES` (the only place they are
mapped). Heavy modules are imported inside the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from composer import __version__
from composer.errors import (
    BusyError,
    ComposerError,
    EngineUnavailableError,
    InputError,
    NotFoundError,
    OptionError,
    StorageError,
)

# NumPy's OpenBLAS starts a thread per core for the loudness meter's matrix products,
# and its threads spin after each one: beside the synth and the encoder, which keep both
# cores busy, that cost ~0.7 CPU-seconds per song and made compose ~10 % slower (see
# bench/e2e.py). Set before NumPy loads (the commands import it); the user's value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

EXIT_CODES: dict[type[ComposerError], int] = {
    InputError: 2,
    OptionError: 2,
    NotFoundError: 2,
    EngineUnavailableError: 3,
    BusyError: 4,
    StorageError: 5,
}
DEFAULT_SCORES = Path("scores")
#: Environment variable for ``--broker`` (also ``composer.cluster.config.BROKER_ENV``).
BROKER_ENV = "PHOTOGRAPH_BROKER"


def exit_code(error: ComposerError) -> int:
    """Exit code for an error: the nearest mapped base class, else 2."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"photograph: error: {message} (see 'photograph --help')\n")


def _unit(name: str) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number") from None
        if not -1.0 <= value <= 1.0:
            raise argparse.ArgumentTypeError(f"{name} must be between -1 and 1")
        return value

    return parse


def _storage_option(p: argparse.ArgumentParser) -> None:
    """``--storage LOCATION`` (alias ``--scores``): the album of ``serve`` and ``worker``."""
    p.add_argument(
        "--storage",
        "--scores",
        dest="storage",
        default=str(DEFAULT_SCORES),
        metavar="LOCATION",
        help="the album: a folder (default: scores) or s3://bucket/prefix",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the commands)."""
    from composer.audio.formats import AUDIO_FORMATS, DEFAULT_FORMAT
    from composer.music.orchestra import STYLES

    p = _Parser(prog="photograph", description="Turn a conversation or a moment into music.")
    p.add_argument("--version", action="version", version=f"photograph {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add_input(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "file", nargs="?", help="chat export (txt, json, csv, zip, srt, vtt) or '-'"
        )
        sp.add_argument("--moment", metavar="TEXT", help="describe a moment instead of a chat")
        sp.add_argument("--format", default="auto", help="force the chat format (default: auto)")
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    c = sub.add_parser("compose", help="compose a photograph song from a chat or a moment")
    add_input(c)
    c.add_argument("--seed", type=int, help="random seed (default: derived from the input)")
    c.add_argument("--length", type=float, default=90.0, help="length in seconds (10-600)")
    c.add_argument("--style", choices=STYLES, default="photograph")
    c.add_argument("--valence", type=_unit("valence"), help="override valence (-1..1)")
    c.add_argument("--arousal", type=_unit("arousal"), help="override arousal (-1..1)")
    c.add_argument("--no-audio", action="store_true", help="write MIDI and score only")
    c.add_argument(
        "--audio",
        choices=AUDIO_FORMATS,
        default=DEFAULT_FORMAT,
        help=f"audio file format (default: {DEFAULT_FORMAT}; opus is Ogg Opus at 48 kHz)",
    )
    c.add_argument("--out", type=Path, help="song folder (default: scores/<id>)")
    c.add_argument("--scores", type=Path, default=DEFAULT_SCORES, help="album folder")
    c.add_argument("--musicxml", action="store_true", help="also write song.musicxml")
    c.add_argument("--humanize", action="store_true", help="slight timing/velocity variation")
    c.add_argument("--engine", default="synth", help="audio engine: synth, musicgen, audiocraft")
    c.add_argument("--model", help="MusicGen model name or local folder (engine musicgen)")
    c.add_argument("--device", help="torch device for MusicGen: cuda, mps or cpu")
    c.add_argument("--dtype", help="MusicGen weights' dtype: float32, float16 or bfloat16")
    c.add_argument("--soundfont", type=Path, help="SoundFont (.sf2) for the synth engine")

    m = sub.add_parser("mood", help="read the mood of a chat (no music)")
    add_input(m)

    r = sub.add_parser("render", help="render any MIDI file to audio with our synthesizer")
    r.add_argument("midi", type=Path)
    r.add_argument("-o", "--output", type=Path, required=True, help="audio file (.ogg/.wav/...)")
    r.add_argument("--soundfont", type=Path, help="SoundFont (.sf2) to use")

    lv = sub.add_parser("live", help="music while the conversation happens ('speaker: text' lines)")
    lv.add_argument("file", nargs="?", default="-", help="a file of 'speaker: text' lines or '-'")
    lv.add_argument("--follow", action="store_true", help="follow a growing file (like tail -f)")
    lv.add_argument("--gap", type=float, default=2.0, help="seconds between replayed lines (FILE)")
    lv.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    lv.add_argument("--style", choices=STYLES, default="photograph")
    lv.add_argument("--title", default="Live photograph")
    lv.add_argument(
        "--audio", choices=AUDIO_FORMATS, default=DEFAULT_FORMAT, help="saved audio file format"
    )
    lv.add_argument("--scores", type=Path, default=DEFAULT_SCORES, help="album folder")
    lv.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    s = sub.add_parser("serve", help="start the web API and playback page")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    _storage_option(s)
    s.add_argument(
        "--broker",
        default=os.environ.get(BROKER_ENV),
        help=f"redis:// or rediss:// URL: run as a replica, jobs go to Celery workers "
        f"(default: ${BROKER_ENV}; none: the embedded pool)",
    )
    s.add_argument("--max-queue", type=int, default=64, help="jobs that may wait before a 503 (64)")

    w = sub.add_parser("worker", help="run a Celery worker for API replicas (--broker)")
    w.add_argument("--broker", default=os.environ.get(BROKER_ENV), help="redis:// URL")
    _storage_option(w)
    w.add_argument("--queues", default="cpu", help="cpu (synth), gpu (MusicGen) or cpu,gpu")
    w.add_argument("--concurrency", type=int, help="worker processes (cpu: one per core)")
    w.add_argument(
        "--max-job-seconds",
        type=int,
        help="longest job allowed (default 1800); sets Redis' visibility timeout",
    )
    w.add_argument("--model", help="gpu: the MusicGen model name or local folder to load")
    w.add_argument("--device", help="gpu: torch device for MusicGen (cuda, mps or cpu)")
    w.add_argument("--dtype", help="gpu: MusicGen weights' dtype (float32, float16, bfloat16)")

    mo = sub.add_parser("models", help="manage downloaded MusicGen checkpoints")
    msub = mo.add_subparsers(dest="models_command", required=True, parser_class=_Parser)
    pull = msub.add_parser("pull", help="download a MusicGen checkpoint into models/")
    pull.add_argument("name", help="musicgen-melody, musicgen-small or musicgen-medium")
    pull.add_argument("--dir", type=Path, help="where to put it (default: models/)")
    return p


def read_input(file: str | None, limit: int | None = None) -> bytes | None:
    """Read a chat file or stdin ('-') as bytes, refusing more than ``limit`` bytes
    (default: the chat readers' own limit, ``composer.chat.DEFAULT_LIMITS.max_bytes``)."""
    from composer.errors import TooLargeError

    if file is None:
        return None
    if limit is None:
        from composer.chat.limits import DEFAULT_LIMITS

        limit = DEFAULT_LIMITS.max_bytes
    if file == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        path = Path(file)
        if not path.exists():
            raise NotFoundError(f"no such file: {file}")
        if not path.is_file():
            raise InputError(f"not a regular file: {file}")
        try:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
        except OSError as e:
            raise InputError(f"cannot read {file}: {e.strerror}") from None
    if len(data) > limit:
        raise TooLargeError(f"input is larger than {limit // 1_000_000} MB")
    return data


class Bar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, stage: str, done: float, total: float) -> None:
        if not self.enabled:
            return
        frac = 0.0 if total <= 0 else min(1.0, done / total)
        filled = int(frac * 30)
        sys.stderr.write(f"\r{stage:<12} [{'#' * filled}{'.' * (30 - filled)}] {frac:4.0%}")
        if frac >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_compose(args: argparse.Namespace) -> int:
    from composer.album import Album
    from composer.music.compose import SongOptions
    from composer.pipeline import Request, compose, save, summary

    engine_options: dict[str, Any] = {}
    if args.engine == "synth" and args.soundfont:
        engine_options["soundfont"] = str(args.soundfont)
    if args.engine != "synth":
        if args.model:
            engine_options["model"] = args.model
        if args.device:
            engine_options["device"] = args.device
        if args.dtype:
            engine_options["dtype"] = args.dtype
    request = Request(
        data=read_input(args.file),
        moment=args.moment,
        fmt=args.format,
        seed=args.seed,
        filename=None if args.file in (None, "-") else Path(args.file).name,
        song=SongOptions(
            length_s=args.length,
            style=args.style,
            valence=args.valence,
            arousal=args.arousal,
            humanize=args.humanize,
        ),
        audio_format=args.audio,
        no_audio=args.no_audio,
        engine=args.engine,
        engine_options=engine_options,
        musicxml=args.musicxml,
    )
    bar = Bar(not args.json)
    comp = compose(request, bar)
    for note in comp.notes:  # e.g. a fallback SoundFont, MusicGen on CPU: stderr, even with --json
        print(f"photograph: note: {note}", file=sys.stderr)
    if args.out is not None:
        album, name, exclusive = Album(args.out.parent), args.out.name, True
    else:
        album, name, exclusive = Album(args.scores), None, False
    record = save(comp, request, album, name, exclusive=exclusive)
    out = summary(comp, record)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    minutes, seconds = divmod(round(out["duration_s"]), 60)
    print(
        f"Composed {record.id}: {out['key']}, {out['tempo']} bpm, {out['time_signature']}, "
        f"{minutes}:{seconds:02d}, mood v={out['mood']['valence']:+.2f} "
        f"a={out['mood']['arousal']:+.2f}"
    )
    for label, path in (
        ("MIDI", record.midi),
        ("audio", record.audio),
        ("MusicXML", record.musicxml),
        ("score", record.score),
    ):
        if path is not None:
            print(f"  {label:<8} {path}")
    return 0


def cmd_mood(args: argparse.Namespace) -> int:
    from composer.mood import analyse
    from composer.pipeline import Request, read_chat
    from composer.report import mood_view

    chat = read_chat(
        Request(
            data=read_input(args.file),
            moment=args.moment,
            fmt=args.format,
            filename=None if args.file in (None, "-") else Path(args.file).name,
        )
    )
    view = mood_view(chat, analyse(chat))
    if args.json:
        print(json.dumps(view, ensure_ascii=False))
        return 0
    m = view["mood"]
    print(f"{len(view['messages'])} messages, {len(view['speakers'])} speakers ({view['format']})")
    print(
        f"mood: valence {m['valence']:+.2f}  arousal {m['arousal']:+.2f}  "
        f"dominance {m['dominance']:+.2f}  tension {m['tension']:.2f}  [{m['model']}]"
    )
    for name, s in view["speakers"].items():
        print(
            f"  {name}: {s['messages']} messages, valence {s['valence']:+.2f}, "
            f"arousal {s['arousal']:+.2f}"
        )
    for i, seg in enumerate(view["segments"], 1):
        print(
            f"  part {i}: messages {seg['start'] + 1}-{seg['end']}, valence "
            f"{seg['valence']:+.2f}, arousal {seg['arousal']:+.2f}"
        )
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from composer.audio.files import write_audio
    from composer.audio.formats import format_of_file
    from composer.audio.loudness import normalize
    from composer.audio.synth import render_midi

    spec = format_of_file(args.output.name)
    if not args.output.parent.is_dir():
        raise NotFoundError(f"no such folder: {args.output.parent}")
    data = read_input(str(args.midi))
    if data is None:
        raise OptionError("no MIDI file given")
    rate = spec.rate_for(44100)  # Opus: rendered at 48 kHz, not resampled
    audio = normalize(render_midi(data, soundfont=args.soundfont, sample_rate=rate))
    tmp = args.output.with_name(f".{args.output.name}.{os.getpid()}.tmp")
    try:
        write_audio(audio, tmp, spec.name)
        os.replace(tmp, args.output)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"{args.output} ({audio.duration_s:.1f} s)")
    return 0


def cmd_live(args: argparse.Namespace) -> int:
    """Play a live session from stdin or a file; save it when the input ends (or Ctrl-C)."""
    from composer.album import Album
    from composer.live.run import run
    from composer.music.live import LiveOptions

    if not 0 <= args.seed < 2**63:
        raise OptionError("seed must be a non-negative integer")
    if not 0.0 < args.gap <= 600.0:
        raise OptionError("--gap must be between 0 and 600 seconds")
    realtime = args.file == "-" or args.follow
    if args.file == "-":
        if args.follow:
            raise OptionError("--follow needs a file, not '-'")
        stream = sys.stdin
    else:
        path = Path(args.file)
        if not path.is_file():
            raise NotFoundError(f"no such file: {args.file}")
        stream = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
    album = Album(args.scores)
    options = LiveOptions(seed=args.seed, style=args.style, title=args.title)
    _interrupts()
    warn = lambda m: print(m, file=sys.stderr)  # noqa: E731
    try:
        record = run(stream, album, options=options, fmt=args.audio, realtime=realtime,
                     follow=args.follow, gap_s=args.gap, warn=warn)  # fmt: skip
    finally:
        if stream is not sys.stdin:
            stream.close()
    score = album.score(record.id)
    live = score.get("live", {})
    out = {
        "id": record.id,
        "dir": str(record.dir),
        "midi": str(record.midi),
        "audio": str(record.audio) if record.audio else None,
        "score": str(record.score),
        "messages": len(live.get("responses", [])),
        "bars": score["song"]["bars"],
        "duration_s": score["song"]["duration_s"],
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"Saved live song {record.id}: {out['messages']} messages, {out['bars']} bars")
    for label in ("midi", "audio", "score"):
        if out[label]:
            print(f"  {label:<8} {out[label]}")
    return 0


def _interrupts() -> None:
    """Ctrl-C and SIGTERM end a live session (and save it), even when the shell started
    the command in the background with SIGINT ignored."""
    import signal

    def stop(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.max_queue < 0:
        raise OptionError("--max-queue must be at least 0")
    if args.broker:
        serve_replica = _cluster().serve
        return serve_replica(
            args.broker, args.storage, host=args.host, port=args.port, max_queue=args.max_queue
        )
    from composer.web.server import serve

    return serve(host=args.host, port=args.port, scores=args.storage, max_queue=args.max_queue)


def _cluster() -> Any:
    """The cluster commands, or one clear line when the ``cluster`` extra is missing."""
    try:
        import celery  # noqa: F401 (checked here: the commands import it late)
        import redis  # noqa: F401 (as celery)

        from composer.cluster import commands
    except ImportError as e:
        raise EngineUnavailableError(
            f"the cluster needs {e.name or 'celery and redis'}: pip install 'photograph[cluster]'"
        ) from e
    return commands


def cmd_worker(args: argparse.Namespace) -> int:
    commands = _cluster()
    parse_queues, worker = commands.parse_queues, commands.worker
    if not args.broker:
        raise OptionError(
            f"a worker needs a broker: --broker redis://HOST:PORT/DB or ${BROKER_ENV}"
        )
    return worker(
        args.broker,
        args.storage,
        parse_queues(args.queues),
        concurrency=args.concurrency,
        max_job_s=args.max_job_seconds,
        engine_options={
            k: v for k in ("model", "device", "dtype") if (v := getattr(args, k)) is not None
        },
    )


def cmd_models(args: argparse.Namespace) -> int:
    from composer.engines.weights import pull, pulled_message

    path = pull(args.name, args.dir, Bar(True))
    print(pulled_message(args.name, path))
    return 0


COMMANDS = {
    "compose": cmd_compose,
    "mood": cmd_mood,
    "render": cmd_render,
    "live": cmd_live,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "models": cmd_models,
}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input/options, 3 engine missing)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ComposerError as e:
        print(f"photograph: error: {e}", file=sys.stderr)
        return exit_code(e)
    except KeyboardInterrupt:
        print("photograph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`photograph ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def main_exit() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
