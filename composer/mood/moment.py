"""Moments read as scenes: the moment head over the line reader's sentence vector.

``--moment "a lazy sunday morning in bed with coffee"`` is one line describing a scene;
the line reader, trained on what people say, reads such calm, warm scenes as near neutral.
The trained reader's folder may hold ``moment.json`` (``models/train_mood_moments.py``):
two logistic regressions over the standardised 128-d sentence vector, warm vs dark and
high vs low arousal, trained on moments written for it. Their log-odds become valence and
arousal as ``SCALE * tanh(logit / 2)`` (the probability mapped to -SCALE..SCALE);
dominance stays the line reader's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCALE = 0.7
FILE = "moment.json"


@dataclass(frozen=True, slots=True)
class MomentHead:
    """Standardisation and the two logistic regressions (weights, then bias)."""

    mean: np.ndarray
    std: np.ndarray
    valence: np.ndarray
    arousal: np.ndarray

    def read(self, pooled: np.ndarray, own: np.ndarray) -> np.ndarray:
        """``(n, 3)`` readings from sentence vectors ``pooled`` and the lines' ``own``."""
        x = np.c_[(pooled - self.mean) / self.std, np.ones(len(pooled))]
        out = np.array(own, dtype=np.float64, copy=True)
        out[:, 0] = SCALE * np.tanh(0.5 * (x @ self.valence))
        out[:, 1] = SCALE * np.tanh(0.5 * (x @ self.arousal))
        return out


def load(folder: Path) -> MomentHead | None:
    """The head in ``folder``, or None when the model has none (or it does not fit)."""
    path = folder / FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        head = MomentHead(
            *(np.asarray(raw[k], dtype=np.float64) for k in ("mean", "std", "valence", "arousal"))
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    d = len(head.mean)
    if len(head.std) != d or len(head.valence) != d + 1 or len(head.arousal) != d + 1:
        return None
    return head
