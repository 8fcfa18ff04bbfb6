"""Choose the mood reader: the trained ONNX model when it can run here, else the lexicon."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from composer.mood import lexicon

Scorer = Callable[[Sequence[str]], np.ndarray]

_BEST: tuple[str, Scorer] | None = None
_MOMENTS: Scorer | None = None
_MESSAGES: Scorer | None = None


def best() -> tuple[str, Scorer]:
    """The reader this process uses, chosen once: (name and version, scoring function).

    The trained model needs onnxruntime, tokenizers and its files in ``composer/data/mood/``;
    if any is missing the word-list reader is used and its name says why.
    """
    global _BEST, _MOMENTS, _MESSAGES
    if _BEST is None:
        try:
            from composer.mood import onnx_reader
        except ImportError as exc:
            why = f"cannot import {exc.name}"
            _BEST = (f"{lexicon.NAME} (trained model unavailable: {why})", lexicon.score_texts)
        else:
            found = onnx_reader.load()
            if isinstance(found, str):
                why = found
                _BEST = (f"{lexicon.NAME} (trained model unavailable: {why})", lexicon.score_texts)
            else:
                _BEST = (found.name, found.score_texts)
                _MOMENTS = found.score_moments if found.moment is not None else None
                _MESSAGES = found.score_messages if found.message is not None else None
    return _BEST


def reset() -> None:
    """Forget the chosen reader (tests use this after changing the model folder)."""
    global _BEST, _MOMENTS, _MESSAGES
    from composer.mood import onnx_reader

    _BEST = _MOMENTS = _MESSAGES = None
    onnx_reader.reset()


def score(texts: Sequence[str]) -> tuple[str, np.ndarray]:
    """Read ``texts`` with the best reader: (reader name, ``(n, 3)`` array on -1..1)."""
    name, fn = best()
    if not texts:
        return name, np.zeros((0, 3), dtype=np.float64)
    out = np.clip(np.asarray(fn(texts), dtype=np.float64), -1.0, 1.0)
    return name, out


def score_moments(texts: Sequence[str]) -> tuple[str, np.ndarray]:
    """Read one-line moments as scenes (the moment head when the model has one)."""
    name, _ = best()
    if _MOMENTS is None or not texts:
        return score(texts)
    return f"{name}+moment", np.clip(np.asarray(_MOMENTS(texts), dtype=np.float64), -1.0, 1.0)


def score_messages(texts: Sequence[str]) -> tuple[str, np.ndarray]:
    """Read chat messages as dialogue (the message head when the model has one)."""
    name, _ = best()
    if _MESSAGES is None or not texts:
        return score(texts)
    return name, np.clip(np.asarray(_MESSAGES(texts), dtype=np.float64), -1.0, 1.0)
