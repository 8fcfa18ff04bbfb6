"""Songs per hour with batched MusicGen decoding: batch 8 against batch 1 (issue 15).

Composes ``--songs`` different photographs (``--length`` seconds each, default 30: one
window), then renders them with :func:`composer.engines.musicgen_batch.render_batch` in
batches of each ``--batches`` size (default 1 and 8), as the ``gpu`` queue would: the
static-cache batch decoder, one CUDA graph per batch size (captured in a warm-up first).
Anchor, in the same run: the lone render (``MusicgenEngine.render``, the static decoder
with its own graph) of the same songs. The model is a randomly initialised musicgen-melody
of the real size (``bench/musicgen_gpu.py``'s configs, T5 in float32 as the engine loads
it): speed does not depend on the weights.

Prints, per batch size: wall seconds, songs per hour and its ratio to batch 1 (target: batch
8 >= 5x batch 1), and that every song is finite and equal to itself rendered alone in a
batch of 1 (``same_as_alone``; on a GPU rounding may differ between batch sizes, so this is
reported, not asserted). Usage::

    python bench/musicgen_batch.py                                  # CUDA, 1.5 B, 30 s songs
    python bench/musicgen_batch.py --device cpu --tiny --length 10  # CPU smoke run
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import torch
from musicgen_engine_gpu import word_tokenizer
from musicgen_gpu import DTYPES, build

from composer.chat import moment
from composer.engines import musicgen
from composer.engines.musicgen_batch import BatchSong
from composer.mood import analyse
from composer.music.compose import SongOptions, compose
from composer.music.model import Song

MOMENTS = [
    "on the beach with you right now, the sun going down",
    "the last train home, rain on the window, tired but happy",
    "we did it! the whole team jumping in the office",
    "a quiet sunday morning, coffee and an old record",
    "saying goodbye at the airport, trying not to cry",
    "first snow of the year and the kids running outside",
    "a late night drive, empty roads, city lights far away",
    "grandma's kitchen, bread in the oven, everyone talking",
]


def songs(n: int, length: float) -> list[Song]:
    out = []
    for i in range(n):
        chat = moment(MOMENTS[i % len(MOMENTS)])
        out.append(compose(chat, analyse(chat), SongOptions(length_s=length, seed=i + 1)))
    return out


def timed(fn: object, cuda: bool) -> tuple[float, object]:
    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    result = fn()  # type: ignore[operator]  # a closure
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - t0, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tiny", action="store_true", help="tiny configs (CPU smoke run)")
    ap.add_argument("--length", type=float, default=30.0, help="song length, seconds")
    ap.add_argument("--songs", type=int, default=8, help="songs rendered at each batch size")
    ap.add_argument("--batches", default="1,8", help="batch sizes, comma-separated (<= 8)")
    ap.add_argument("--optimize", default=None, help="static|graph (engine default)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.batches.split(",") if x.strip()]
    cuda = args.device.startswith("cuda")
    if not cuda and not args.tiny:
        print("no CUDA device: use --device cpu --tiny for a smoke run", file=sys.stderr)
        return 2
    if not cuda:
        torch.set_num_threads(1)
    model = build("melody", args.tiny, args.device, DTYPES["bf16" if cuda else "fp32"])
    window = (2.0, 0.5) if args.tiny else (30.0, 10.0)
    engine = musicgen.create(
        device=args.device, window_s=window[0], overlap_s=window[1], optimize=args.optimize,
        _model=model, _processor=word_tokenizer(),
    )  # fmt: skip
    gpu = torch.cuda.get_device_name() if cuda else "cpu"
    print(f"# device={args.device} ({gpu}) tiny={args.tiny} torch={torch.__version__}")
    print(f"# {args.songs} songs of {args.length:.0f} s, optimize={engine.settings.optimize}")
    pieces = songs(args.songs, args.length)
    items = [BatchSong(song, seed=i + 1) for i, song in enumerate(pieces)]
    for n in sorted(set(sizes)):  # warm-up: graph capture of each size, allocator
        engine.render_batch(items[:n])
    engine.render(pieces[0], b"", seed=1)
    lone_s, _ = timed(lambda: [engine.render(s, b"", seed=1) for s in pieces], cuda)
    print(
        f"lone render (anchor): wall {lone_s:8.2f} s  songs/hour {len(pieces) / lone_s * 3600:9.1f}"
    )
    alone: list[np.ndarray] = []
    per_hour: dict[int, float] = {}
    for n in sizes:
        out: list[object] = []

        def run(n: int = n, out: list[object] = out) -> None:
            for start in range(0, len(items), n):
                out.extend(engine.render_batch(items[start : start + n]))

        wall, _ = timed(run, cuda)
        samples = [np.asarray(a.samples) for a in out]  # type: ignore[attr-defined]
        if n == 1:
            alone = samples
        same = all(np.array_equal(a, b) for a, b in zip(samples, alone, strict=False))
        per_hour[n] = len(items) / wall * 3600
        print(
            f"batch {n}: wall {wall:8.2f} s  songs/hour {per_hour[n]:9.1f}  "
            f"x batch 1 {per_hour[n] / per_hour.get(1, per_hour[n]):5.2f}  "
            f"finite {all(np.isfinite(s).all() for s in samples)}  "
            f"same_as_alone {same if alone else 'n/a'}"
        )
    for line in engine.warnings:
        print(f"# warning: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
