"""Distil the mood teacher into a tiny transformer fast enough for the default path.

The teacher (``models/train_mood.py --layers 6 --checkpoint T.pt``: all-MiniLM-L6-v2
fine-tuned on EmoBank) reads ≈1,000 lines/s on two cores; the default path needs ≥ 5,000.
This script trains a student about seven times cheaper per token:

1. **Transfer set** (EmoBank ``train`` sentences only): the sentences themselves, word spans
   cut from them (chat-length lines), copies with words masked or dropped, copies with words
   swapped for their neighbours, and splices of two sentences (:func:`augment`).
2. **Teacher readings**: every transfer text is read by each teacher checkpoint (mean of
   the teachers, standardised V/A/D), and each teacher's pooled sentence vector is kept.
   For the ``train`` sentences the target mixes the human rating in (``--gold-mix``).
3. **Student**: a 4-layer, 128-wide BERT (2 heads, FFN 512), mean pooling, linear head. Its
   word-piece and position embeddings start as a PCA projection (384 → 128) of the
   teacher's base embeddings, so the student knows words before it is trained.
4. **Training**: MSE on the standardised readings, plus MSE between a linear image of the
   student's pooled vector and the teachers' (``--embed-weight``: far more numbers to learn
   from per text than three); AdamW, warm-up then linear decay; the epoch with the best
   mean Pearson r on ``dev`` is kept.
5. **Export**: ONNX → int8 (as ``train_mood.py``), into ``--out`` with ``meta.json``.

One module per step: ``student_transfer.py`` (1), ``student_teachers.py`` (2),
``student_net.py`` (3), ``student_fit.py`` (4, which runs the others) and
``student_export.py`` (5); this file is the command line.

Usage::

    .venv/bin/python models/train_mood_student.py --teachers T1.pt [T2.pt]

On a GPU (``--device cuda``; ``models/train_mood_gpu.sh`` runs the whole recipe), train
with ``--checkpoint S.pt --no-export`` and export anywhere with ``--export-only --init S.pt``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_mood as tm  # the teacher's helpers: data, batching, export
from student_fit import train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teachers", type=Path, nargs="+", default=[])
    ap.add_argument("--csv", type=Path, default=tm.DEFAULT_CSV)
    ap.add_argument("--out", type=Path, default=tm.ROOT / "composer" / "data" / "mood")
    ap.add_argument("--cache", type=Path, help="save/load the teacher readings here (.npz)")
    ap.add_argument("--checkpoint", type=Path, help="also save the student's weights (torch)")
    ap.add_argument("--init", type=Path, help="start from these weights (a --checkpoint)")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--spans", type=int, default=5, help="word spans per train sentence")
    ap.add_argument("--variants", type=int, default=2, help="masked/shortened copies each")
    ap.add_argument("--swaps", type=int, default=0, help="neighbour-swapped copies each")
    ap.add_argument("--splices", type=int, default=0, help="two-sentence splices per sentence")
    ap.add_argument("--rounds", type=int, default=1, help="augmentation rounds (seeds)")
    ap.add_argument("--gold-mix", type=float, default=0.5, help="human share of train targets")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--cue-weight", type=float, default=2.0)
    ap.add_argument(
        "--embed-weight", type=float, default=1.0, help="loss weight of the pooled-vector match"
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument(
        "--jobs", type=int, default=min(8, os.cpu_count() or 1),
        help="processes making the transfer set's rounds side by side",
    )  # fmt: skip
    ap.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    ap.add_argument(
        "--time-budget", type=float, help="seconds of training: fewer epochs if they do not fit"
    )
    ap.add_argument("--no-export", action="store_true", help="only --checkpoint (no ONNX)")
    ap.add_argument(
        "--export-only", action="store_true", help="export the --init checkpoint, no training"
    )
    args = ap.parse_args()
    if args.export_only and not args.init:
        ap.error("--export-only needs --init")
    if not args.export_only and not args.teachers:
        ap.error("--teachers is required (except with --export-only)")
    train(args)


if __name__ == "__main__":
    main()
