"""Messages read as dialogue: the message head over the line reader's sentence vector.

The line reader (``onnx_reader``) is calibrated on edited prose (EmoBank): its arousal is
how stirred a sentence reads, which separates angry, scared or excited lines from sad or
calm ones in conversation only loosely. A message in a chat is read with the message head
(``dialogue.json`` in the model's folder, fitted by ``models/train_mood_messages.py``):
per axis, a logistic regression over the standardised 128-d ``pooled`` vector and the
network's own reading, positive vs negative (valence) and high vs low arousal emotions
(arousal), trained on GoEmotions and XED dialogue lines. Its log-odds are mapped onto the
network's scale (same mean and spread on the training lines), blended with its reading
and given back the reading's spread::

    reading = a * (own + w * head) / (1 + w) + b

with one weight ``w`` per axis chosen on the dev lines (``a``, ``b``: the spread). The chat
cues (emoji, capitals, laughter, quarrel phrases) are added after, as for every line.
Dominance stays the network's own. Sentences read alone (:func:`composer.mood.score_texts`)
keep the prose calibration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "dialogue.json"


@dataclass(frozen=True, slots=True)
class MessageHead:
    """Standardisation, the two heads (weights then bias, on the own scale), blend, spread."""

    mean: np.ndarray  # pooled vector, then the network's own reading (d + 3)
    std: np.ndarray
    valence: np.ndarray  # d + 3 + 1
    arousal: np.ndarray
    blend: tuple[float, float]  # w for valence, arousal
    spread: tuple[tuple[float, float], tuple[float, float]]  # (a, b) for valence, arousal

    def pooled_part(self, pooled: np.ndarray) -> np.ndarray:
        """``(n, 2)``: the heads' terms from the sentence vectors (one batch at a time)."""
        d = len(self.mean) - 3
        x = (np.asarray(pooled, dtype=np.float64).reshape(-1, d) - self.mean[:d]) / self.std[:d]
        return np.c_[x @ self.valence[:d], x @ self.arousal[:d]]

    def finish(self, part: np.ndarray, own: np.ndarray) -> np.ndarray:
        """``(n, 3)`` message readings from :meth:`pooled_part` and the network's readings."""
        own = np.asarray(own, dtype=np.float64).reshape(-1, 3)
        z = (own - self.mean[-3:]) / self.std[-3:]
        out = own.copy()
        heads = (self.valence, self.arousal)
        for axis, (weights, w, (a, b)) in enumerate(
            zip(heads, self.blend, self.spread, strict=True)
        ):
            head = part[:, axis] + z @ weights[-4:-1] + weights[-1]
            out[:, axis] = a * (own[:, axis] + w * head) / (1.0 + w) + b
        return np.clip(out, -1.0, 1.0)

    def read(self, pooled: np.ndarray, own: np.ndarray) -> np.ndarray:
        """``(n, 3)`` message readings from sentence vectors and the network's readings."""
        return self.finish(self.pooled_part(pooled), own)


def load(folder: Path) -> MessageHead | None:
    """The head in ``folder``, or None when the model has none (or it does not fit)."""
    path = folder / FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        keys = ("mean", "std", "valence", "arousal")
        mean, std, valence, arousal = (np.asarray(raw[k], dtype=np.float64) for k in keys)
        blend = (float(raw["blend"][0]), float(raw["blend"][1]))
        (av, bv), (aa, ba) = raw["spread"]
        spread = ((float(av), float(bv)), (float(aa), float(ba)))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    d = len(mean)
    if std.shape != (d,) or valence.shape != (d + 1,) or arousal.shape != (d + 1,) or d < 4:
        return None
    numbers = np.r_[mean, std, valence, arousal, blend, np.ravel(spread)]
    if not np.all(np.isfinite(numbers)) or np.any(std <= 0) or min(blend) < 0:
        return None
    return MessageHead(mean, std, valence, arousal, blend, spread)
