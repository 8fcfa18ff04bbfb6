"""Fit the message head (``composer/data/mood/dialogue.json``): chat messages read as dialogue.

The line reader's arousal is EmoBank's (how stirred a sentence of prose reads); in
conversation it separates angry, scared or excited lines from sad or calm ones only
loosely (XED held-out AUC 0.71). The head (``composer/mood/dialogue.py``) reads the
network's 128-d ``pooled`` vector and its own reading (before chat cues) with one logistic
regression per axis:

* valence: positive vs negative lines, arousal: high vs low arousal lines (the groups of
  ``mood_data``'s emotion table), on GoEmotions ``train`` and XED ``train`` less its dev
  lines (:func:`mood_data.xed_dev`); with them, EmoBank ``train``'s sentences in the top
  and bottom thirds of that axis's human rating as high and low, at a tenth of the weight
  (:data:`EMOBANK_SHARE`), so that the head keeps EmoBank's sense of the axis;
* the L2 strength is the one with the best summed AUC on the dev lines (GoEmotions
  ``dev`` + XED dev);
* the log-odds are mapped onto the line reader's scale (the same mean and spread over the
  training lines) and blended with the network's own reading, ``(own + w * head) / (1 + w)``,
  then given back the own reading's mean and spread (chat cues are added after, as for
  every line): per axis the largest ``w`` of :data:`BLENDS` whose EmoBank ``dev``
  correlation, read through the whole message path, still meets issue 3's floor
  (:data:`EMOBANK_FLOOR`): messages keep EmoBank's graded signal.

Nothing here reads GoEmotions ``test`` or XED ``heldout``; ``bench/mood_eval.py`` reports them.

Usage::

    .venv/bin/python models/train_mood_messages.py [--model composer/data/mood]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import mood_data as md  # noqa: E402 - after the path lines
from mood_data import auc_of  # noqa: E402
from train_mood_moments import fit_logistic, model_reader  # noqa: E402

STRENGTHS = (1e-4, 1e-3, 1e-2)
BLENDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
EMOBANK_FLOOR = (0.72, 0.50)  # r(V), r(A) on EmoBank (issue 3's targets)
EMOBANK_SHARE = 0.1  # EmoBank train's weight in a head's fit, as a share of the dialogue lines
AXES = (("valence", "polarity", "positive", "negative"), ("arousal", "arousal", "high", "low"))


def _read(reader: Any, data: md.Labelled) -> dict[str, np.ndarray]:
    """Sentence vectors, the network's own readings (no chat cues) and the groups."""
    cue_weight, reader.cue_weight = reader.cue_weight, 0.0
    reader.cache.clear()
    try:
        own = reader.score_texts(data.texts)
    finally:
        reader.cue_weight = cue_weight
        reader.cache.clear()
    return {
        "x": np.c_[reader.pooled(data.texts), own],
        "own": own,
        "polarity": data.polarity,
        "arousal": data.arousal,
        "vad": data.vad,
    }


def _take(part: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in part.items()}


def _join(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _fit(data: dict[str, Any], axis: int, mu: np.ndarray, sd: np.ndarray, l2: float) -> np.ndarray:
    """One axis's logistic head: the dialogue lines' groups, and EmoBank ``train``'s top and
    bottom thirds on that axis at :data:`EMOBANK_SHARE` of the dialogue lines' weight."""
    _, group, pos, neg = AXES[axis]
    train, eb = data["train"], data["emobank_train"]
    keep = np.isin(train[group], [pos, neg])
    rating = eb["vad"][:, axis]
    lo, hi = np.percentile(rating, [100 / 3, 200 / 3])
    ends = (rating <= lo) | (rating >= hi)
    x = np.r_[(train["x"][keep] - mu) / sd, (eb["x"][ends] - mu) / sd]
    y = np.r_[train[group][keep] == pos, rating[ends] >= hi].astype(float)
    share = EMOBANK_SHARE * keep.sum() / ends.sum()
    weights = np.r_[np.ones(keep.sum()), np.full(ends.sum(), share)]
    return fit_logistic(x, y, l2, weights=weights)


def _auc(part: dict[str, np.ndarray], score: np.ndarray, group: str, pos: str, neg: str) -> float:
    keep = np.isin(part[group], [pos, neg])
    return auc_of(score[keep], part[group][keep] == pos)


def sets(reader: Any) -> dict[str, Any]:
    """The training, dev and EmoBank dev lines, read once (texts kept for the full path)."""
    xed = md.xed("train")
    xed_read = _read(reader, xed)
    dev_mask = np.array([md.xed_dev(t) for t in xed.texts])
    goemotions_dev, emobank_dev = md.goemotions("dev"), md.emobank("dev")
    return {
        "train": _join([_read(reader, md.goemotions("train")), _take(xed_read, ~dev_mask)]),
        "goemotions_dev": _read(reader, goemotions_dev),
        "xed_dev": _take(xed_read, dev_mask),
        "emobank_dev": _read(reader, emobank_dev),
        "emobank_train": _read(reader, md.emobank("train")),
        "texts": {
            "goemotions_dev": goemotions_dev.texts,
            "xed_dev": [t for t, d in zip(xed.texts, dev_mask, strict=True) if d],
            "emobank_dev": emobank_dev.texts,
        },
    }


def _heads(data: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Standardisation and, per axis, the logistic head (L2 chosen on dev) on the own scale."""
    train = data["train"]
    mu, sd = train["x"].mean(0), train["x"].std(0) + 1e-6
    design = {
        k: np.c_[(data[k]["x"] - mu) / sd, np.ones(len(data[k]["x"]))] for k in data if k != "texts"
    }
    weights = []
    for axis, (name, group, pos, neg) in enumerate(AXES):
        best: tuple[float, np.ndarray] | None = None
        for l2 in STRENGTHS:
            w = _fit(data, axis, mu, sd, l2)
            score = sum(
                _auc(data[s], design[s] @ w, group, pos, neg) for s in ("goemotions_dev", "xed_dev")
            )
            print(f"{name}: l2 {l2:g}, dev AUC sum {score:.4f}")
            if best is None or score > best[0]:
                best = (score, w)
        assert best is not None
        w = best[1]
        h = design["train"] @ w  # onto the own scale: same mean and spread on the training lines
        scale = train["own"][:, axis].std() / h.std()
        w = w * scale
        w[-1] += train["own"][:, axis].mean() - scale * h.mean()
        weights.append(w)
    return mu, sd, weights


def _spread(train: dict[str, np.ndarray], w: np.ndarray, axis: int, blend: float) -> list[float]:
    """(a, b) giving the blend the network's own mean and spread on the training lines."""
    own = train["own"][:, axis]
    mixed = (own + blend * (np.c_[train["z"], np.ones(len(own))] @ w)) / (1 + blend)
    a = float(own.std() / mixed.std())
    return [a, float(own.mean() - a * mixed.mean())]


def fit_head(reader: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The head as ``dialogue.json`` holds it; each blend is scored through the reader's
    whole message path (chat cues included), printing what the dev lines chose."""
    from composer.mood.dialogue import MessageHead

    mu, sd, weights = _heads(data)
    data["train"]["z"] = (data["train"]["x"] - mu) / sd
    chosen = [0.0, 0.0]
    for blend in BLENDS:
        (av, bv), (aa, ba) = (_spread(data["train"], weights[i], i, blend) for i in range(2))
        head = MessageHead(mu, sd, weights[0], weights[1], (blend, blend), ((av, bv), (aa, ba)))
        reader.message, reader.messages = head, {}
        read = {k: reader.score_messages(t) for k, t in data["texts"].items()}
        for axis, (name, group, pos, neg) in enumerate(AXES):
            go = _auc(data["goemotions_dev"], read["goemotions_dev"][:, axis], group, pos, neg)
            xed = _auc(data["xed_dev"], read["xed_dev"][:, axis], group, pos, neg)
            eb = float(
                np.corrcoef(read["emobank_dev"][:, axis], data["emobank_dev"]["vad"][:, axis])[0, 1]
            )
            print(
                f"{name}: blend {blend:g}, AUC GoEmotions dev {go:.3f}, XED dev {xed:.3f}; "
                f"EmoBank dev r {eb:.3f}"
            )
            if eb >= EMOBANK_FLOOR[axis]:
                chosen[axis] = blend
    print(f"chosen blends: valence {chosen[0]:g}, arousal {chosen[1]:g}")
    return {
        "mean": mu,
        "std": sd,
        "valence": weights[0],
        "arousal": weights[1],
        "blend": chosen,
        "spread": [_spread(data["train"], weights[i], i, chosen[i]) for i in range(2)],
    }


def main(argv: list[str] | None = None) -> None:
    reader, folder, _ = model_reader(argv, __doc__)
    head = fit_head(reader, sets(reader))
    out = {
        "about": "message head: per axis a logistic regression on the standardised pooled "
        "vector and own reading, on the own scale, blended (own + w * head) / (1 + w)",
        "train": "GoEmotions train + XED train less mood_data.xed_dev; L2 and blend chosen "
        "on GoEmotions dev, XED dev and EmoBank dev",
        **{k: np.round(np.asarray(v, dtype=np.float64), 6).tolist() for k, v in head.items()},
    }
    (folder / "dialogue.json").write_text(json.dumps(out) + "\n", encoding="utf-8")
    print(f"wrote {folder / 'dialogue.json'}")


if __name__ == "__main__":
    main()
