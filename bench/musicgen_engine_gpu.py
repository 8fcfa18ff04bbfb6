"""Whole photographs through the MusicGen engine: time per second of audio, peak memory.

Composes songs from a moment (``--lengths`` seconds, default 30 and 600), then renders each
with the engine as ``photograph compose --engine musicgen`` would (30 s windows with 10 s of
continuation carried as codes, each window conditioned on its own chroma, crossfaded in
place, resampled to 44.1 kHz; the static-cache decoder with a CUDA graph on CUDA). The model
is a randomly initialised musicgen-melody of the real size (``bench/musicgen_gpu.py``'s
configs, T5 in float32 as the engine loads it) with a word-level tokenizer: speed and
memory do not depend on the weights or the vocabulary.

For each length: wall time, seconds of wall time per second of audio, peak GPU memory
(``torch.cuda.max_memory_allocated``, reset before each song) and peak host memory (VmHWM,
reset before each song on Linux). Then the issue-19 figure: peak memory of the longest song
÷ that of the shortest (target <= 1.2). A warm-up render comes first (graph capture).
Usage::

    python bench/musicgen_engine_gpu.py                           # CUDA, 1.5 B, 30 s and 600 s
    python bench/musicgen_engine_gpu.py --device cpu --tiny --lengths 12,40
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import torch
import transformers
from musicgen_gpu import DTYPES, build

from composer.chat import moment
from composer.engines import musicgen
from composer.mood import analyse
from composer.music.compose import SongOptions, compose

WORDS = ["<pad>", "</s>", "<unk>", "piano", "warm", "slow", "bpm", "minor", "major", "gentle"]


def word_tokenizer() -> object:
    """A word-level tokenizer (prompt words outside the list read as ``<unk>``)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", 1)]
    )
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def host_peak_reset() -> None:
    """Reset the kernel's peak-RSS mark (Linux); no-op elsewhere."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def host_peak_gib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def render_one(engine: object, length: float, cuda: bool) -> dict[str, float]:
    """Compose and render one song; its timings and peaks."""
    chat = moment("on the beach with you right now, the sun going down")
    song = compose(chat, analyse(chat), SongOptions(length_s=length, seed=7))
    steps: list[tuple[str, float, float]] = []
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    host_peak_reset()
    t0 = time.perf_counter()
    audio = engine.render(  # type: ignore[attr-defined]  # a MusicgenEngine
        song, b"", seed=1, progress=lambda s, d, t: steps.append((s, d, t))
    )
    wall = time.perf_counter() - t0
    samples = np.asarray(audio.samples)
    return {
        "song_s": song.duration_s,
        "audio_s": audio.duration_s,
        "windows": len(engine.last_windows),  # type: ignore[attr-defined]
        "wall_s": wall,
        "wall_s_per_audio_s": wall / max(audio.duration_s, 1e-9),
        "peak_gpu_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan"),
        "peak_host_gib": host_peak_gib(),
        "finite": float(np.isfinite(samples).all()),
        "progress_calls": float(len(steps)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tiny", action="store_true", help="tiny configs (CPU smoke run)")
    ap.add_argument("--lengths", default="30,600", help="song lengths, seconds, comma-separated")
    ap.add_argument("--optimize", default=None, help="off|static|graph|compile (engine default)")
    args = ap.parse_args()
    lengths = [float(x) for x in args.lengths.split(",") if x.strip()]
    cuda = args.device.startswith("cuda")
    dtype = DTYPES["bf16" if cuda else "fp32"]
    model = build("melody", args.tiny, args.device, dtype)
    window = (2.0, 0.5) if args.tiny else (30.0, 10.0)
    engine = musicgen.create(
        device=args.device, window_s=window[0], overlap_s=window[1], optimize=args.optimize,
        _model=model, _processor=word_tokenizer(),
    )  # fmt: skip
    gpu = torch.cuda.get_device_name() if cuda else "cpu"
    print(f"# device={args.device} ({gpu}) tiny={args.tiny} torch={torch.__version__}")
    print(f"# T5 dtype {model.text_encoder.dtype}, decoder dtype {model.decoder.dtype}")
    warm = render_one(engine, 10.0, cuda)  # graph capture, allocator warm-up
    print(f"warm-up 10 s song: wall {warm['wall_s']:.2f} s (includes graph capture)")
    rows = []
    for length in lengths:
        row = render_one(engine, length, cuda)
        rows.append(row)
        print(
            f"song {row['song_s']:6.1f} s  windows {int(row['windows']):3d}  "
            f"wall {row['wall_s']:8.2f} s  wall/audio {row['wall_s_per_audio_s']:.3f}  "
            f"audio/wall {1 / row['wall_s_per_audio_s']:.2f}x  "
            f"peak_gpu {row['peak_gpu_gib']:.2f} GiB  peak_host {row['peak_host_gib']:.2f} GiB  "
            f"finite {bool(row['finite'])}"
        )
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        for key in ("peak_gpu_gib", "peak_host_gib"):
            ok = first[key] == first[key] and first[key] > 0  # not NaN, not zero
            ratio = last[key] / first[key] if ok else float("nan")
            print(
                f"{key} {last['song_s']:.0f} s / {first['song_s']:.0f} s = {ratio:.3f} "
                "(issue 19 target <= 1.2 for GPU memory)"
            )
    for warning in getattr(engine, "warnings", ()):
        print(f"# warning: {warning}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
