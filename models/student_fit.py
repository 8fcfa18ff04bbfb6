"""Step 4 of the mood student (``train_mood_student.py``): the training loop.

MSE on the standardised readings, plus MSE between a linear image of the student's pooled
vector and the teachers' (``--embed-weight``); AdamW, warm-up then linear decay; the epoch
with the best mean Pearson r on ``dev`` is kept (each new best saved at once).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import numpy as np
import train_mood as tm  # the teacher's helpers: data, batching, export
from student_export import export
from student_net import build_student, load_weights
from student_teachers import round_readings, teacher_readings
from student_transfer import rounds, token_ids


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
        export_saved(args, mean, std)
        return
    # Step 1-2: the transfer set, in rounds (each with its own seed, made side by side in
    # --jobs processes), and the teachers' readings of each round (cached per round).
    dev_ids = token_ids(dev_x, args.max_len)
    ids: list[list[int]] = []
    readings: list[tuple[np.ndarray, np.ndarray]] = []
    for k, part_ids in enumerate(rounds(tr_x, args)):
        readings.append(round_readings(args, part_ids, k))
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
    v_mean, v_std = column_stats(vecs)
    print(f"transfer set: {len(tr_x)} sentences + {len(ids) - len(tr_x)} more texts", flush=True)
    # Step 3-4: the student and its training loop.
    embed_dim = vecs.shape[1] if args.embed_weight > 0 else 0
    model = build_student(args, mean, std, embed_dim)
    if args.init:  # go on from an earlier run's weights (e.g. on a new transfer set)
        saved = torch.load(args.init, weights_only=True)
        load_weights(model, saved.get("state", saved))  # also a plain state dict (version 3's)
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
        args.epochs = epochs_within(model, loss_fn, ids, args)
    # On a GPU the step is launch-bound: the fused AdamW is one kernel instead of dozens.
    fused = dev.type == "cuda"
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, fused=fused)
    r, epoch, secs = tm.fit(
        model, opt, ids, target, dev_ids, dev_y, args, warmup=0.05, loss_fn=loss_fn, on_best=save
    )
    model.to("cpu")
    if not args.no_export:
        export(model, args, record(r, epoch, secs))


def export_saved(args: argparse.Namespace, mean: np.ndarray, std: np.ndarray) -> None:
    """Export the ``--init`` checkpoint (``--export-only``), with the record saved in it."""
    import torch

    saved = torch.load(args.init, weights_only=True)
    adapter = saved["state"].get("adapter.weight")
    model = build_student(args, mean, std, 0 if adapter is None else adapter.shape[0])
    load_weights(model, saved["state"])
    export(model, args, saved["train"])


def epochs_within(model: Any, loss_fn: Any, ids: list[list[int]], args: argparse.Namespace) -> int:
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


def column_stats(vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _device_name(dev: Any) -> str:
    import torch

    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
