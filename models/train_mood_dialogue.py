"""Teach the shipped mood student real dialogue (reproduces ``composer/data/mood/``, version 6).

Starts from the version-5 student (EmoBank only, ``--init``: its ``model.onnx``, rebuilt in
torch by ``student_rebuild.py``) and trains it further on three sources at once:

* **EmoBank** ``train`` (CC-BY-SA 4.0): the human V/A/D ratings and version 5's readings
  (standardised, MSE, full weight): what keeps EmoBank's figures;
* **GoEmotions** ``train`` (Apache-2.0, Reddit comments) and **XED English** ``train``
  (CC BY 4.0, film subtitles; :func:`mood_data.xed` keeps 10 % back): a logistic loss on
  the standardised valence for positive vs negative items and on arousal for high vs low
  items (the groups of the one emotion table in ``mood_data.py``; a learned scale and
  offset per axis turn a standardised reading into a logit), plus version 5's readings at
  ``--distil`` weight, so lines the labels do not speak to keep their old reading.

The word-piece table stays frozen (words never seen in training keep their geometry).
The epoch with the best dev score (EmoBank dev mean r + GoEmotions dev valence and arousal
AUC) is exported: int8 ONNX with two outputs, ``vad`` and ``pooled`` (the 128-d sentence
vector that the moment head of ``train_mood_moments.py`` reads).

Usage (torch, transformers, onnx; no GPU needed, about an hour an epoch on 2 busy cores)::

    git show fa9ef37:models/mood/model.onnx > /tmp/v5.onnx      # version 5
    .venv/bin/python models/train_mood_dialogue.py --init /tmp/v5.onnx --work /tmp/dlg
    .venv/bin/python models/train_mood_dialogue.py --export-only --init /tmp/dlg/epoch0.pt \\
        --base /tmp/v5.onnx --soup 0.55
    .venv/bin/python models/train_mood_moments.py
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import mood_data as md  # noqa: E402 - after the path line (scripts run from anywhere)
from mood_data import auc_of as auc  # noqa: E402

VERSION = "6"
OUT = HERE.parent / "composer" / "data" / "mood"


def _pol(group: str) -> int:
    return 1 if group == "positive" else (0 if group == "negative" else -1)


def _aro(group: str) -> int:
    return 1 if group == "high" else (0 if group == "low" else -1)


class Data:
    """Token ids and targets of every training row (one list per field)."""

    def __init__(self, tokenizer: Any, teacher: Any, mean: np.ndarray, std: np.ndarray) -> None:
        self.tok, self.teacher, self.mean, self.std = tokenizer, teacher, mean, std
        self.ids: list[list[int]] = []
        self.z: list[np.ndarray] = []
        self.gold: list[np.ndarray | None] = []
        self.pol: list[int] = []
        self.aro: list[int] = []
        self.weight: list[float] = []

    def add(self, data: md.Labelled, gold: bool, distil: float) -> None:
        teach = self.teacher(data.texts)
        for i, enc in enumerate(self.tok.encode_batch(data.texts)):
            self.ids.append(enc.ids)
            self.z.append((teach[i] - self.mean) / self.std)
            self.gold.append((data.vad[i] - self.mean) / self.std if gold else None)
            self.pol.append(-1 if gold else _pol(str(data.polarity[i])))
            self.aro.append(-1 if gold else _aro(str(data.arousal[i])))
            self.weight.append(1.0 if gold else distil)

    def __len__(self) -> int:
        return len(self.ids)


def _padded(rows: list[list[int]]) -> tuple[Any, Any]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for k, r in enumerate(rows):
        ids[k, : len(r)] = torch.tensor(r)
        mask[k, : len(r)] = 1
    return ids, mask


def _batches(data: Data, size: int, rng: random.Random) -> list[list[int]]:
    """Rows of similar length together (little padding), batches in random order."""
    order = sorted(range(len(data)), key=lambda i: (len(data.ids[i]), rng.random()))
    chunks = [order[s : s + size] for s in range(0, len(order), size)]
    rng.shuffle(chunks)
    return chunks


def predict(model: Any, tok: Any, texts: list[str]) -> np.ndarray:
    """(n, 3) readings on -1..1 from the torch model."""
    import torch

    ids = [e.ids for e in tok.encode_batch(texts)]
    out = np.zeros((len(texts), 3), np.float32)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    model.eval()
    with torch.no_grad():
        for s in range(0, len(order), 256):
            chunk = order[s : s + 256]
            out[chunk] = model(*_padded([ids[i] for i in chunk]))[0].numpy()
    model.train()
    return out


def onnx_readings(path: Path, tokenizer: Path, texts: list[str]) -> np.ndarray:
    """The int8 student's own readings (its ``vad`` output) of ``texts``: the teacher."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer))
    tok.enable_truncation(max_length=128)
    tok.no_padding()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ids = [e.ids for e in tok.encode_batch(texts)]
    out = np.zeros((len(texts), 3), np.float32)
    order = np.argsort([len(x) for x in ids], kind="stable")
    for s in range(0, len(order), 128):
        chunk = order[s : s + 128]
        batch, mask = (t.numpy() for t in _padded([ids[i] for i in chunk]))
        out[chunk] = session.run(["vad"], {"input_ids": batch, "attention_mask": mask})[0]
    return out


def evaluate(model: Any, tok: Any, dev: dict[str, md.Labelled]) -> dict[str, Any]:
    """EmoBank dev r (V, A, D) and GoEmotions dev AUC (valence, arousal)."""
    eb = predict(model, tok, dev["emobank"].texts)
    go = predict(model, tok, dev["goemotions"].texts)
    r = [float(np.corrcoef(eb[:, k], dev["emobank"].vad[:, k])[0, 1]) for k in range(3)]
    pol = np.array([_pol(str(g)) for g in dev["goemotions"].polarity])
    aro = np.array([_aro(str(g)) for g in dev["goemotions"].arousal])
    aucs = [auc(go[:, 0], pol), auc(go[:, 1], aro)]
    return {"emobank_dev_r": r, "goemotions_dev_auc": aucs, "score": float(np.mean(r) + sum(aucs))}


def _loss(model: Any, cal: Any, data: Data, rows: list[int], lam: float) -> Any:
    import torch
    import torch.nn.functional as fn

    z = model.standardised(*_padded([data.ids[i] for i in rows]))
    zt = torch.tensor(np.array([data.z[i] for i in rows]), dtype=torch.float32)
    w = torch.tensor([data.weight[i] for i in rows], dtype=torch.float32)
    loss = (w[:, None] * (z - zt) ** 2).mean()
    gold = [k for k, i in enumerate(rows) if data.gold[i] is not None]
    if gold:
        zg = torch.tensor(np.array([data.gold[rows[k]] for k in gold]), dtype=torch.float32)
        loss = loss + ((z[gold] - zg) ** 2).mean() * len(gold) / len(rows)
    for col, labels in ((0, data.pol), (1, data.aro)):
        keep = [k for k, i in enumerate(rows) if labels[i] >= 0]
        if keep:
            t = torch.tensor([float(labels[rows[k]]) for k in keep])
            logit = cal[2 * col] * z[keep, col] + cal[2 * col + 1]
            loss = loss + lam * fn.binary_cross_entropy_with_logits(logit, t) * len(keep) / len(
                rows
            )
    return loss


def train(args: argparse.Namespace) -> None:
    """Fine-tune from ``--init`` (an ONNX student) and save each epoch and the best one."""
    import torch
    from student_rebuild import rebuild
    from tokenizers import Tokenizer

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(args.threads)
    model = rebuild(args.init)
    model.body.embeddings.word_embeddings.weight.requires_grad_(False)
    tok = Tokenizer.from_file(str(args.tokenizer))
    tok.enable_truncation(max_length=args.max_len)
    tok.no_padding()
    mean, std = model.mean.numpy(), model.std.numpy()
    data = Data(tok, lambda texts: onnx_readings(args.init, args.tokenizer, texts), mean, std)
    data.add(md.emobank("train"), gold=True, distil=1.0)
    data.add(md.goemotions("train"), gold=False, distil=args.distil)
    data.add(md.xed("train"), gold=False, distil=args.distil)
    dev = {"emobank": md.emobank("dev"), "goemotions": md.goemotions("dev")}
    cal = torch.nn.Parameter(torch.tensor([3.0, 0.0, 3.0, 0.0]))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": params, "lr": args.lr}, {"params": [cal], "lr": 1e-2}], weight_decay=0.01
    )
    steps = args.epochs * (len(data) // args.batch + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[args.lr, 1e-2], total_steps=steps, pct_start=0.05
    )
    args.work.mkdir(parents=True, exist_ok=True)
    epochs: list[dict[str, Any]] = []
    log = {"start": evaluate(model, tok, dev), "epochs": epochs}
    print(f"{len(data)} rows; start {log['start']}", flush=True)
    best = -1.0
    for epoch in range(args.epochs):
        t0 = time.time()
        for rows in _batches(data, args.batch, rng):
            loss = _loss(model, cal, data, rows, args.lam)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*params, cal], 1.0)
            opt.step()
            sched.step()
        figures = evaluate(model, tok, dev) | {"seconds": round(time.time() - t0)}
        epochs.append(figures)
        print(f"epoch {epoch}: {figures}", flush=True)
        state = {"state": model.state_dict(), "cal": cal.detach(), "eval": figures}
        torch.save(state, args.work / f"epoch{epoch}.pt")
        if figures["score"] > best:
            best = figures["score"]
            torch.save(state | {"epoch": epoch}, args.work / "best.pt")
    (args.work / "log.json").write_text(json.dumps(log, indent=1), encoding="utf-8")


def export(args: argparse.Namespace) -> None:
    """``--init`` (a checkpoint of :func:`train`) → int8 ONNX, tokenizer and meta in ``--out``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from student_rebuild import rebuild
    from train_mood import _node_names, pre_optimise

    ckpt = torch.load(args.init, map_location="cpu", weights_only=False)  # our own checkpoint
    model = rebuild(args.base)
    base = model.state_dict()
    # Weight averaging with the starting model ("model soup"): most of the dialogue gain,
    # and EmoBank's figures back where they were (see the model card).
    a = args.soup
    model.load_state_dict(
        {
            k: a * v + (1 - a) * base[k] if v.is_floating_point() else v
            for k, v in ckpt["state"].items()
        }
    )
    model.eval()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        x = torch.ones((2, 8), dtype=torch.long)
        torch.onnx.export(
            model, (x, torch.ones_like(x)), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["vad", "pooled"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "vad": {0: "batch"}, "pooled": {0: "batch"},
            },
            opset_version=17, dynamo=False,
        )  # fmt: skip
        quantize_dynamic(
            str(fp32), str(int8), weight_type=QuantType.QUInt8, per_channel=True,
            nodes_to_exclude=[n for n in _node_names(fp32) if n.startswith("/head/")],
        )  # fmt: skip
        pre_optimise(int8, out / "model.onnx")
    meta_path = out / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    meta.update(
        name="tiny4x128-vad-dialogue-int8",
        version=VERSION,
        base="the version-5 EmoBank student, trained further on dialogue (train_mood_dialogue.py)",
        max_len=128,
        quantisation="dynamic int8 (u8), per channel, head kept in float",
        outputs={"vad": "valence, arousal, dominance on -1..1", "pooled": "128-d sentence vector"},
    )
    meta["train"] = {
        "data": [
            "EmoBank train (Buechel & Hahn 2017), CC-BY-SA 4.0",
            "GoEmotions train (Demszky et al. 2020), Apache-2.0",
            "XED English, 90 % train part (Ohman et al. 2020), CC BY 4.0",
        ],
        "init": "version 5 (EmoBank student, train_mood_gpu.sh)",
        "epoch": ckpt.get("epoch"),
        "soup": a,
        "dev_torch_before_soup": ckpt["eval"],
        "calibration": [round(float(c), 4) for c in ckpt["cal"]],
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    meta["train"]["dev_int8"] = _runtime_dev(out)
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"exported to {out}: {meta['train']['dev_int8']}")


def _runtime_dev(folder: Path) -> dict[str, list[float]]:
    """EmoBank dev r and GoEmotions dev AUCs of the exported model, read as the app reads."""
    sys.path.insert(0, str(HERE.parent))
    from composer.mood import onnx_reader

    reader = onnx_reader._load(folder)
    if isinstance(reader, str):
        raise SystemExit(f"the exported model does not load: {reader}")
    eb, go = md.emobank("dev"), md.goemotions("dev")
    p = reader.score_texts(eb.texts)
    g = reader.score_texts(go.texts)
    pol = np.array([_pol(str(x)) for x in go.polarity])
    aro = np.array([_aro(str(x)) for x in go.arousal])
    return {
        "emobank_r": [round(float(np.corrcoef(p[:, k], eb.vad[:, k])[0, 1]), 4) for k in range(3)],
        "goemotions_auc": [round(auc(g[:, 0], pol), 4), round(auc(g[:, 1], aro), 4)],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--init", type=Path, required=True, help="version-5 model.onnx, or best.pt")
    ap.add_argument("--base", type=Path, help="with --export-only: the ONNX that --init grew from")
    ap.add_argument("--tokenizer", type=Path, default=OUT / "tokenizer.json")
    ap.add_argument("--work", type=Path, default=Path("/tmp/mood-dialogue"))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--soup", type=float, default=0.55, help="share of --init vs --base (export)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1.5e-4)
    ap.add_argument("--lam", type=float, default=1.0, help="weight of the logistic losses")
    ap.add_argument("--distil", type=float, default=0.3, help="weight of v5's readings on labels")
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.export_only:
        if args.base is None:
            ap.error("--export-only needs --base (the ONNX the checkpoint grew from)")
        export(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
