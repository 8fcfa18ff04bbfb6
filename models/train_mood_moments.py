"""Fit the moment head (``composer/data/mood/moment.json``): one-line moments read as scenes.

A moment ("a lazy sunday morning in bed with coffee") is a scene, not a feeling: the line
reader, trained on what people say, places calm warm scenes near neutral. The head reads
the student's 128-d sentence vector (the ONNX ``pooled`` output) with two logistic
regressions, warm (tender, joyful) vs dark (grieving, frantic) and high (joyful, frantic)
vs low (tender, grieving) arousal, trained on the 869 moments of
``models/data/moments_train.tsv`` (written for training by four writers, the third on
scenes whose words mislead, the fourth (389 moments, version 7) on every area of life with
a third of each quadrant misleading; of the 1,335 written, those that shared half their
words or more with an evaluation moment (373) or, for the fourth, with an earlier training
moment (93) were dropped, and ``tests/test_mood_data.py`` keeps it so).
The L2 strength is chosen on the ``dev`` moments of ``tests/mood/data/moments.tsv``; the
``test`` moments are only read with ``--report-test`` (``bench/mood_eval.py`` reports them).

Usage::

    .venv/bin/python models/train_mood_moments.py [--model composer/data/mood] [--report-test]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import mood_data as md  # noqa: E402 - after the path lines
from mood_data import auc_of as _auc  # noqa: E402

TRAIN = HERE / "data" / "moments_train.tsv"
STRENGTHS = (1e-2, 3e-2, 1e-1, 3e-1, 1.0)
WARM, HIGH = ("tender", "joyful"), ("joyful", "frantic")


def _train_moments() -> list[tuple[str, str]]:
    rows = TRAIN.read_text(encoding="utf-8").splitlines()[1:]
    return [(t, q) for t, q in (r.split("\t") for r in rows)]


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float, steps: int = 50, weights: np.ndarray | None = None
) -> np.ndarray:
    """Weights (d + 1, last is the bias) of an L2 logistic regression, by Newton steps.

    ``weights``: one per row (default 1); the L2 term scales with their sum.
    """
    xb = np.c_[x, np.ones(len(x))]
    sw = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2 * float(sw.sum()))
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ ((p - y) * sw) + reg * w
        hess = (xb * (p * (1 - p) * sw)[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def model_reader(
    argv: list[str] | None, doc: str | None, *, report_test: bool = False
) -> tuple[Any, Path, bool]:
    """The trained reader of ``--model FOLDER`` (default: the shipped one), its folder and,
    with ``report_test``, whether ``--report-test`` asked for the test split's figures."""
    ap = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    ap.add_argument("--model", type=Path, default=HERE.parent / "composer" / "data" / "mood")
    if report_test:
        ap.add_argument(
            "--report-test", action="store_true", help="also print the test split's figures"
        )
    args = ap.parse_args(argv)
    from composer.mood import onnx_reader

    reader = onnx_reader._load(args.model)
    if isinstance(reader, str):
        raise SystemExit(f"the model does not load: {reader}")
    return reader, args.model, bool(getattr(args, "report_test", False))


def main(argv: list[str] | None = None) -> None:
    reader, folder, report_test = model_reader(argv, __doc__, report_test=True)
    train = _train_moments()
    x = reader.pooled([t for t, _ in train])
    mu, sd = x.mean(0), x.std(0) + 1e-6
    quad = np.array([q for _, q in train])
    evals = {s: md.moments(s) for s in ("dev", "test") if s == "dev" or report_test}
    feats = {s: (reader.pooled([m.text for m in ms]) - mu) / sd for s, ms in evals.items()}
    best: tuple[float, float] | None = None
    for l2 in STRENGTHS:
        wv = fit_logistic((x - mu) / sd, np.isin(quad, WARM).astype(float), l2)
        wa = fit_logistic((x - mu) / sd, np.isin(quad, HIGH).astype(float), l2)
        q = np.array([m.quadrant for m in evals["dev"]])
        xe = np.c_[feats["dev"], np.ones(len(q))]
        score = _auc(xe @ wv, np.isin(q, WARM).astype(float)) + _auc(xe @ wa, np.isin(q, HIGH))
        print(f"l2 {l2:g}: dev AUC sum {score:.3f}")
        if best is None or score > best[0]:
            best = (score, l2)
    assert best is not None
    l2 = best[1]
    wv = fit_logistic((x - mu) / sd, np.isin(quad, WARM).astype(float), l2)
    wa = fit_logistic((x - mu) / sd, np.isin(quad, HIGH).astype(float), l2)
    for split, ms in evals.items():
        q = np.array([m.quadrant for m in ms])
        xe = np.c_[feats[split], np.ones(len(q))]
        v, a = xe @ wv, xe @ wa
        warm = np.isin(q, WARM)
        print(
            f"{split}: sign right {np.mean((v > 0) == warm):.3f}, valence AUC "
            f"{_auc(v, warm.astype(float)):.3f}, arousal AUC {_auc(a, np.isin(q, HIGH)):.3f}"
        )
    head = {
        "about": "moment head: logistic regressions on the standardised pooled vector",
        "train": f"{TRAIN.name}: {len(train)} moments; L2 {l2:g} chosen on the dev moments",
        "mean": [round(float(v), 6) for v in mu],
        "std": [round(float(v), 6) for v in sd],
        "valence": [round(float(v), 6) for v in wv],
        "arousal": [round(float(v), 6) for v in wa],
    }
    (folder / "moment.json").write_text(json.dumps(head) + "\n", encoding="utf-8")
    print(f"wrote {folder / 'moment.json'}")


if __name__ == "__main__":
    main()
