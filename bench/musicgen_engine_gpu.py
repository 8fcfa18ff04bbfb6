"""A whole photograph through the MusicGen engine: wall time and real-time factor.

Composes a song from a moment (``--length`` seconds, default 60), then renders it with the
engine as ``photograph compose --engine musicgen`` would (30 s windows with 10 s of
continuation, each conditioned on its slice of the score's chroma, crossfaded, resampled
to 44.1 kHz; the static-cache decoder with a CUDA graph on CUDA). The model is a randomly
initialised musicgen-melody of the real size (``bench/musicgen_gpu.py``'s configs) with a
word-level tokenizer: speed does not depend on the weights or the vocabulary.

Prints the windows, the wall time of the render, audio seconds per wall second, and peak
GPU memory. Usage::

    python bench/musicgen_engine_gpu.py                          # CUDA, 1.5 B, 60 s
    python bench/musicgen_engine_gpu.py --device cpu --tiny --length 12
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tiny", action="store_true", help="tiny configs (CPU smoke run)")
    ap.add_argument("--length", type=float, default=60.0, help="song length, seconds")
    ap.add_argument("--optimize", default=None, help="off|static|graph|compile (engine default)")
    args = ap.parse_args()
    cuda = args.device.startswith("cuda")
    dtype = DTYPES["bf16" if cuda else "fp32"]
    chat = moment("on the beach with you right now, the sun going down")
    song = compose(chat, analyse(chat), SongOptions(length_s=args.length, seed=7))
    model = build("melody", args.tiny, args.device, dtype)
    window = (2.0, 0.5) if args.tiny else (30.0, 10.0)
    engine = musicgen.create(
        device=args.device, window_s=window[0], overlap_s=window[1], optimize=args.optimize,
        _model=model, _processor=word_tokenizer(),
    )  # fmt: skip
    steps: list[tuple[str, float, float]] = []

    def progress(stage: str, done: float, total: float) -> None:
        steps.append((stage, done, total))

    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    audio = engine.render(song, b"", seed=1, progress=progress)
    wall = time.perf_counter() - t0
    samples = np.asarray(audio.samples)
    gpu = torch.cuda.get_device_name() if cuda else "cpu"
    print(f"# device={args.device} ({gpu}) tiny={args.tiny} torch={torch.__version__}")
    print(f"song_s {song.duration_s:.1f}  audio_s {audio.duration_s:.1f}  rate {audio.sample_rate}")
    print(f"render_wall_s {wall:.2f}  (first call: includes graph capture)")
    print(f"audio_s_per_wall_s {audio.duration_s / wall:.2f}")
    print(f"finite {bool(np.isfinite(samples).all())}  peak {float(np.abs(samples).max()):.3f}")
    print(f"progress_calls {len(steps)}  last {steps[-1] if steps else None}")
    if cuda:
        print(f"peak_gpu_gib {torch.cuda.max_memory_allocated() / 2**30:.2f}")
    for warning in getattr(engine, "warnings", ()):
        print(f"# warning: {warning}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
