"""Step 2 of the mood student (``train_mood_student.py``): the teachers' readings.

Every transfer text is read by each teacher checkpoint (mean of the teachers, standardised
V/A/D), and each teacher's pooled sentence vector is kept; cached per round (``--cache``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import train_mood as tm  # the teacher's helpers: data, batching, export


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


def round_readings(
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
