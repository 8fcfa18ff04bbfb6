"""Step 5 of the mood student (``train_mood_student.py``): export.

ONNX → int8 (as ``train_mood.py``), pre-optimised, with the base tokenizer and ``meta.json``,
into ``--out`` (the shipped reader's folder, ``composer/data/mood/``); then dev is re-scored.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import train_mood as tm  # the teacher's helpers: data, batching, export

#: The version written into ``meta.json`` (the reader's name ends with it).
VERSION = "5"


def export(model: Any, args: argparse.Namespace, record: dict[str, Any]) -> None:
    """ONNX, int8, pre-optimised, tokenizer and meta into ``args.out``; then re-score dev."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    model.fold()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        x = torch.ones((2, 8), dtype=torch.long)
        torch.onnx.export(
            model, (x, torch.ones_like(x)), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["vad"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "vad": {0: "batch"},
            },
            opset_version=17, dynamo=False,
        )  # fmt: skip
        quantised = Path(tmp) / "model_int8.onnx"
        quantize_dynamic(
            str(fp32), str(quantised), weight_type=QuantType.QUInt8, per_channel=True,
            nodes_to_exclude=[n for n in tm._node_names(fp32) if n.startswith("/head/")],
        )  # fmt: skip
        tm.pre_optimise(quantised, out / "model.onnx")
    shutil.copy(tm.base_model_dir() / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "name": f"tiny{args.layers}x{args.hidden}-vad-int8",
        "version": VERSION,
        "base": (
            f"a {args.layers}-layer, {args.hidden}-wide BERT distilled from all-MiniLM-L6-v2 "
            "fine-tuned on EmoBank"
        ),
        "max_len": args.max_len,
        "cue_weight": args.cue_weight,
        "quantisation": "dynamic int8 (u8), per channel, head kept in float",
        "train": {
            "data": "EmoBank train split (Buechel & Hahn, EACL 2017), CC-BY-SA 4.0",
            "teachers": record["teachers"],
            "transfer_texts": record["transfer_texts"],
            **record["settings"],
            "best_epoch": record["best_epoch"],
            "device": record["device"],
            "seconds": round(record["seconds"]),
            "dev_r_torch_fp32": [round(x, 4) for x in record["r"]],
        },
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    tm.check(args, meta)
