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

Usage::

    .venv/bin/python models/train_mood_student.py --teachers T1.pt [T2.pt]

On a GPU (``--device cuda``; ``models/train_mood_gpu.sh`` runs the whole recipe), train
with ``--checkpoint S.pt --no-export`` and export anywhere with ``--export-only --init S.pt``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_mood as tm  # the teacher's helpers: data, batching, export

VERSION = "5"


def augment(texts: list[str], args: argparse.Namespace) -> list[str]:
    """Extra texts made from ``texts`` for the teachers to read (no human ratings needed).

    Word spans (chat-length lines), masked and shortened copies, copies with words swapped
    for their neighbours in the base model's word-piece space (``--swaps``: "glad" for
    "happy", often "sad" too, which is the point: the teachers say how the reading moves),
    and splices of the start of one sentence and the end of another (``--splices``).
    """
    rng = random.Random(args.seed)
    out = tm.word_spans(texts, args.spans, args.seed)
    for t in texts:
        words = t.split()
        if len(words) < 4:
            continue
        for _ in range(args.variants):
            if rng.random() < 0.5:  # mask ~15 % of the words (the model sees [MASK])
                w = [x if rng.random() > 0.15 else "[MASK]" for x in words]
            else:  # drop ~15 % of the words
                w = [x for x in words if rng.random() > 0.15] or words[:1]
            out.append(" ".join(w))
    if args.swaps:
        near = neighbours(8)
        for t in texts:
            words = t.split()
            for _ in range(args.swaps):
                w = []
                for x in words:
                    core = x.lower().strip(".,;:!?\"'()")
                    if core in near and rng.random() < 0.3:
                        x = x.lower().replace(core, rng.choice(near[core]))
                    w.append(x)
                out.append(" ".join(w))
    for _ in range(args.splices * len(texts)):
        a, b = rng.choice(texts).split(), rng.choice(texts).split()
        if len(a) < 2 or len(b) < 2:
            continue
        head = a[: rng.randint(1, min(len(a) - 1, 15))]
        out.append(" ".join(head + b[rng.randint(1, len(b) - 1) :][:15]))
    return out


@functools.cache
def neighbours(k: int) -> dict[str, list[str]]:
    """For each whole-word piece of the base vocabulary, its ``k`` nearest (cosine) pieces."""
    from safetensors.numpy import load_file

    table = load_file(str(tm.base_model_dir() / "model.safetensors"))
    vectors = table["embeddings.word_embeddings.weight"]
    vocab = (tm.base_model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, w in enumerate(vocab) if w.isalpha() and w.isascii() and len(w) >= 3]
    unit = vectors[keep] / np.linalg.norm(vectors[keep], axis=1, keepdims=True)
    near: dict[str, list[str]] = {}
    for s in range(0, len(keep), 2048):
        sims = unit[s : s + 2048] @ unit.T
        for r, row in enumerate(sims):
            row[s + r] = -1.0  # not itself
            best = np.argpartition(-row, k)[:k]
            near[vocab[keep[s + r]]] = [vocab[keep[j]] for j in best]
    return near


def teacher_readings(
    paths: list[Path], ids: list[list[int]], threads: int, device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """The teachers' readings: fp32 ONNX on a CPU (faster than eager), eager torch on a GPU.

    Returns the mean standardised V/A/D of the teachers, ``(n, 3)``, and each teacher's
    pooled sentence vector side by side, ``(n, 384 × teachers)`` in float16: the student
    learns to reproduce those too (step 4), hundreds of numbers per text instead of three.
    """
    import torch

    total = np.zeros((len(ids), 3), dtype=np.float32)
    pooled: list[np.ndarray] = []
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for path in paths:
        saved = torch.load(path, weights_only=False)
        teacher = tm.build(tm._layers_in(saved["state"]), saved["mean"], saved["std"])
        teacher.load_state_dict(saved["state"])
        teacher.eval()

        class Both(torch.nn.Module):  # the reading and the pooled vector it came from
            def __init__(self, t: Any) -> None:
                super().__init__()
                self.t = t

            def forward(self, input_ids: Any, attention_mask: Any) -> Any:
                out = self.t.body(input_ids=input_ids, attention_mask=attention_mask)
                m = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
                vec = (out.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1.0)
                return self.t.head(vec), vec

        vecs = np.zeros((len(ids), teacher.head.in_features), dtype=np.float16)
        t0 = time.perf_counter()
        if device == "cpu":
            _read_onnx(Both(teacher), ids, order, threads, total, vecs)
        else:
            both = Both(teacher).to(device)
            with torch.inference_mode():
                for x_np, m_np, chunk in tm.batches(ids, order, 512):
                    x, m = torch.from_numpy(x_np).to(device), torch.from_numpy(m_np).to(device)
                    z, vec = both(x, m)
                    total[chunk] += z.float().cpu().numpy()
                    vecs[chunk] = vec.float().cpu().numpy()
        print(f"teacher {path.name}: {len(ids)} texts in {time.perf_counter() - t0:.0f} s")
        pooled.append(vecs)
    return total / len(paths), np.concatenate(pooled, axis=1)


def _read_onnx(
    both: Any, ids: list[list[int]], order: list[int], threads: int, total: Any, vecs: Any
) -> None:
    """Run ``both`` (reading, pooled vector) as fp32 ONNX over ``ids``; add into the arrays."""
    import onnxruntime as ort
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / "teacher.onnx"
        x = torch.ones((2, 8), dtype=torch.long)
        torch.onnx.export(
            both, (x, torch.ones_like(x)), str(onnx_path),
            input_names=["input_ids", "attention_mask"], output_names=["z", "pooled"],
            dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}},
            opset_version=17, dynamo=False,
        )  # fmt: skip
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        sess = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        for x_np, m_np, chunk in tm.batches(ids, order, 64):
            z, vec = sess.run(None, {"input_ids": x_np, "attention_mask": m_np})
            total[chunk] += z
            vecs[chunk] = vec


def build_student(
    args: argparse.Namespace, mean: np.ndarray, std: np.ndarray, embed_dim: int
) -> Any:
    """The tiny BERT with PCA-initialised embeddings, wrapped like the teacher.

    ``embed_dim`` > 0 adds a linear adapter from the student's pooled vector to the
    teachers' (training only: it is not exported).
    """
    import torch
    from transformers import AutoModel, BertConfig, BertModel

    config = BertConfig(
        vocab_size=30522, hidden_size=args.hidden, num_hidden_layers=args.layers,
        num_attention_heads=args.heads, intermediate_size=4 * args.hidden,
        max_position_embeddings=args.max_len,
    )  # fmt: skip
    body = BertModel(config, add_pooling_layer=False)
    base = AutoModel.from_pretrained(str(tm.base_model_dir()))
    words = torch.from_numpy(base.embeddings.word_embeddings.weight.detach().numpy().copy())
    # The teacher's 384-d word-piece vectors stay frozen; the student learns a projection
    # to its width, so words it never saw in training keep the teacher's geometry. The
    # projection is folded into one 128-d table at export (same arithmetic, no cost).
    # It starts as a PCA of the vectors: the directions that tell words apart most.
    centre = words.mean(0)
    _, _, vt = torch.linalg.svd(words - centre, full_matrices=False)
    scale = 0.02 / float(((words - centre) @ vt[: args.hidden].T).std())
    project = torch.nn.Linear(words.shape[1], args.hidden)
    with torch.no_grad():
        project.weight.copy_(vt[: args.hidden] * scale)
        project.bias.copy_(-(centre @ vt[: args.hidden].T) * scale)
        pos = base.embeddings.position_embeddings.weight[: args.max_len]
        body.embeddings.position_embeddings.weight.copy_(
            (pos - pos.mean(0)) @ vt[: args.hidden].T * scale
        )
    del base

    class Student(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body
            self.project = project
            self.register_buffer("words", words, persistent=False)
            self.head = torch.nn.Linear(args.hidden, 3)
            self.adapter = torch.nn.Linear(args.hidden, embed_dim) if embed_dim else None
            self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
            self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
            self.folded = False

        def pooled(self, input_ids: Any, attention_mask: Any) -> Any:
            if self.folded:
                hidden = self.body(input_ids=input_ids, attention_mask=attention_mask)
            else:
                embeds = self.project(self.get_buffer("words")[input_ids])
                hidden = self.body(inputs_embeds=embeds, attention_mask=attention_mask)
            h = hidden.last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

        def standardised(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.head(self.pooled(input_ids, attention_mask))

        def fold(self) -> None:
            """Bake the projection into the body's word table (for export)."""
            with torch.no_grad():
                table = self.project(self.words)
                self.body.embeddings.word_embeddings.weight.copy_(table)
            self.folded = True

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            z = self.standardised(input_ids, attention_mask)
            return torch.clamp(z * self.std + self.mean, -1.0, 1.0)

    return Student()


def train(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    dev = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = True  # GPU only: fp32 weights, TF32 products
    data = tm.read_emobank(args.csv)
    (tr_x, tr_y), (dev_x, dev_y) = data["train"], data["dev"]
    mean, std = tr_y.mean(0), tr_y.std(0)
    if args.export_only:  # a --checkpoint from an earlier run (e.g. on a GPU machine)
        saved = torch.load(args.init, weights_only=True)
        record = saved["train"]
        adapter = saved["state"].get("adapter.weight")
        model = build_student(args, mean, std, 0 if adapter is None else adapter.shape[0])
        _load(model, saved["state"])
        export(model, args, record)
        return
    # Step 1-2: the transfer set, in rounds (each with its own seed, made side by side in
    # --jobs processes), and the teachers' readings of each round (cached per round).
    dev_ids = _token_ids(dev_x, args.max_len)
    ids: list[list[int]] = []
    readings: list[tuple[np.ndarray, np.ndarray]] = []
    for k, part_ids in enumerate(_rounds(tr_x, args)):
        readings.append(_readings(args, part_ids, k))
        ids += part_ids
    if args.epochs == 0:  # label only (fills --cache, e.g. for several students at once)
        z_dev, _ = teacher_readings(args.teachers, dev_ids, args.threads, args.device)
        r = tm.pearson(z_dev, dev_y)
        print(f"teachers' mean reading: dev r V {r[0]:.3f} A {r[1]:.3f} D {r[2]:.3f}")
        return
    z_teacher = np.concatenate([z for z, _ in readings])
    vecs = np.concatenate([v for _, v in readings])
    del readings
    target = torch.from_numpy(z_teacher.copy())
    gold = torch.from_numpy((tr_y - mean) / std)
    target[: len(tr_x)] = args.gold_mix * gold + (1 - args.gold_mix) * target[: len(tr_x)]
    # The teachers' pooled vectors, standardised per dimension (float16 kept in memory).
    v_mean, v_std = _column_stats(vecs)
    print(f"transfer set: {len(tr_x)} sentences + {len(ids) - len(tr_x)} more texts", flush=True)
    # Step 3-4: the student and its training loop.
    embed_dim = vecs.shape[1] if args.embed_weight > 0 else 0
    model = build_student(args, mean, std, embed_dim)
    if args.init:  # go on from an earlier run's weights (e.g. on a new transfer set)
        saved = torch.load(args.init, weights_only=True)
        _load(model, saved.get("state", saved))  # also a plain state dict (version 3's)
    model.to(dev)
    target = target.to(dev)
    pooled_t = torch.from_numpy(vecs).to(dev)
    del vecs
    v_mean_t, v_std_t = torch.from_numpy(v_mean).to(dev), torch.from_numpy(v_std).to(dev)

    def loss_fn(net: Any, x: Any, m: Any, rows: list[int]) -> Any:
        # MSE on the standardised V/A/D, plus (weighted) MSE between the adapter's image of
        # the student's pooled vector and the teachers' standardised pooled vectors.
        vec = net.pooled(x, m)
        loss = ((net.head(vec) - target[rows]) ** 2).mean()
        if net.adapter is not None:
            goal = (pooled_t[rows].float() - v_mean_t) / v_std_t
            loss = loss + args.embed_weight * ((net.adapter(vec) - goal) ** 2).mean()
        return loss

    def record(r: list[float], epoch: int, secs: float) -> dict[str, Any]:
        return {
            "r": r, "best_epoch": epoch, "seconds": secs, "transfer_texts": len(ids),
            "teachers": [p.name for p in args.teachers], "device": _device_name(dev),
            "settings": settings(args),
        }  # fmt: skip

    def save(r: list[float], epoch: int, secs: float) -> None:
        # Each new best epoch is written at once (a run cut short still leaves its best).
        if args.checkpoint:
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            del state["body.embeddings.word_embeddings.weight"]  # unused until fold()
            torch.save({"state": state, "train": record(r, epoch, secs)}, args.checkpoint)

    if args.time_budget is not None:  # (0 or less: one epoch)
        args.epochs = _epochs_within(model, loss_fn, ids, args)
    # On a GPU the step is launch-bound: the fused AdamW is one kernel instead of dozens.
    fused = dev.type == "cuda"
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, fused=fused)
    r, epoch, secs = tm.fit(
        model, opt, ids, target, dev_ids, dev_y, args, warmup=0.05, loss_fn=loss_fn, on_best=save
    )
    model.to("cpu")
    if not args.no_export:
        export(model, args, record(r, epoch, secs))


@functools.cache
def _tokenizer(path: Path, max_len: int) -> Any:
    """The tokenizer at ``path``, truncating to ``max_len`` (loaded once per process)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    return tok


def _token_ids(texts: list[str], max_len: int) -> list[list[int]]:
    """The base model's word-piece ids of ``texts`` (truncated to ``max_len``)."""
    tok = _tokenizer(tm.base_model_dir() / "tokenizer.json", max_len)
    return [e.ids for e in tok.encode_batch(texts)]


def _round_ids(texts: list[str], args: argparse.Namespace, k: int) -> list[list[int]]:
    """Round ``k`` of the transfer set, tokenised: its own seed; round 0 also holds ``texts``."""
    part = augment(texts, argparse.Namespace(**{**vars(args), "seed": args.seed + k}))
    return _token_ids(texts + part if k == 0 else part, args.max_len)


def _rounds(texts: list[str], args: argparse.Namespace) -> list[list[list[int]]]:
    """Every round's ids, in order; made in up to ``--jobs`` processes (pure Python work:
    about 10 s a round on one core, which a GPU run would otherwise wait for)."""
    jobs = max(1, min(args.jobs, args.rounds))
    if jobs == 1:
        return [_round_ids(texts, args, k) for k in range(args.rounds)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent has torch (and maybe CUDA) loaded.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        n = args.rounds
        return list(pool.map(_round_ids, [texts] * n, [args] * n, range(n)))


def _epochs_within(model: Any, loss_fn: Any, ids: list[list[int]], args: argparse.Namespace) -> int:
    """How many epochs (at most ``--epochs``) fit in ``--time-budget`` seconds.

    Times up to 40 forward/backward passes on real batches (after up to 10 to warm up; no
    weights change) and allows 15 % for building batches and the dev check. The learning-rate
    schedule is then laid out over that many epochs, so a short budget still ends cooled.
    """
    import torch

    dev = tm.device_of(model)
    rng = random.Random(args.seed)
    # Like one of fit()'s pools: 50 batches' worth of texts, sorted by length, batched.
    pool = rng.sample(range(len(ids)), min(len(ids), 50 * args.batch))
    sample = tm.batches(ids, sorted(pool, key=lambda i: len(ids[i])), args.batch)
    rng.shuffle(sample)
    warm = min(10, len(sample) // 2)  # fewer on a small set (one batch: timed cold)
    model.train()
    t0 = time.perf_counter()
    for k, (x_np, m_np, chunk) in enumerate(sample):
        if k == warm:
            if dev.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        x, m = torch.from_numpy(x_np).to(dev), torch.from_numpy(m_np).to(dev)
        loss_fn(model, x, m, chunk).backward()
        model.zero_grad(set_to_none=True)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    per_step = (time.perf_counter() - t0) / (len(sample) - warm) * 1.15
    per_epoch = per_step * len(ids) / args.batch
    fit = max(1, min(args.epochs, int(args.time_budget / per_epoch)))
    print(
        f"about {per_epoch:.0f} s per epoch: {fit} epoch(s) in {args.time_budget:.0f} s", flush=True
    )
    return fit


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The training choices recorded in ``meta.json`` (and in each --checkpoint)."""
    return {
        "augment": {
            k: getattr(args, k) for k in ("spans", "variants", "swaps", "splices", "rounds")
        },
        "embed_weight": args.embed_weight,
        "init": args.init.name if args.init else None,
        "gold_share": args.gold_mix,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch": args.batch,
        "seed": args.seed,
    }


def _column_stats(vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (+1e-6) of each column of a float16 table, in float64 chunks."""
    total = np.zeros(vecs.shape[1])
    squares = np.zeros(vecs.shape[1])
    for s in range(0, len(vecs), 65536):
        block = vecs[s : s + 65536].astype(np.float64)
        total += block.sum(0)
        squares += (block**2).sum(0)
    mean = total / len(vecs)
    std = np.sqrt(np.maximum(squares / len(vecs) - mean**2, 0.0)) + 1e-6
    return mean.astype(np.float32), std.astype(np.float32)


def _load(model: Any, state: dict[str, Any]) -> None:
    """Load a --checkpoint's weights (it leaves out the body's word table, unused until fold)."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {"body.embeddings.word_embeddings.weight"}:
        raise SystemExit(f"checkpoint does not fit: missing {missing}, unexpected {unexpected}")


def _device_name(dev: Any) -> str:
    import torch

    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"


def _readings(
    args: argparse.Namespace, ids: list[list[int]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The teachers' readings of round ``k`` of the transfer set (from the cache if there)."""
    cache = args.cache
    if cache and k:
        cache = cache.with_name(f"{cache.stem}.round{k}{cache.suffix}")
    if cache and cache.is_file():
        saved = np.load(cache)
        z, vecs = saved["z"], saved["pooled"]
    else:
        z, vecs = teacher_readings(args.teachers, ids, args.threads, args.device)
        if cache:
            np.savez(cache, z=z, pooled=vecs)
    if z.shape != (len(ids), 3) or len(vecs) != len(ids):
        raise SystemExit(f"cached readings {z.shape} do not match {len(ids)} texts")
    return z, vecs


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
