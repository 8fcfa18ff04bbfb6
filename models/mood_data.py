"""Mood training and evaluation data: one emotion table, the loaders and the XED split.

Imported by the mood training scripts and by ``bench/mood_eval.py`` so that both use the
same targets and the same held-back lines. Needs numpy only (no torch).

The emotion table
-----------------
:data:`EMOTIONS` gives every GoEmotions label (27 emotions + neutral) and every XED
(Plutchik) label (8 emotions + neutral) a valence / arousal / dominance target on -1..1
and two groups used for the held-out AUCs:

* ``polarity``: ``positive`` / ``negative`` / ``ambiguous`` / ``neutral``. For GoEmotions
  this is exactly the sentiment grouping of the data set's authors (Demszky et al., ACL
  2020, section 3.3: ambiguous = confusion, curiosity, realization, surprise). For XED,
  anticipation and surprise are ambiguous (either sign in Plutchik's wheel); trust and joy
  are positive; anger, disgust, fear, sadness negative.
* ``arousal``: ``high`` / ``low`` / ``none``. Only emotions whose place on the arousal
  axis is clear in the circumplex literature are grouped: high = anger, annoyance, fear,
  nervousness, excitement, joy, amusement, surprise; low = sadness, grief,
  disappointment, remorse, relief, caring (and XED trust). The rest (e.g. love, pride,
  disgust, desire) sit mid-axis or vary by study and are left out of the arousal AUC.

The V/A/D numbers are our reading of the circumplex and PAD literature — Russell (1980)
"A circumplex model of affect" (angular positions of the affect words), Russell &
Mehrabian (1977) "Evidence for a three-factor theory of emotions" (PAD means per emotion
term) and Scherer (2005) "What are emotions?" (Geneva emotion wheel) — rounded to steps of
0.05 and judged, not copied from any word list (no NRC lexicon was used or consulted).
Rules of thumb: full-blown basic emotions reach |V| 0.6–0.85; milder social ones
(approval, disapproval, annoyance) stay near 0.4; arousal is high for anger, fear,
excitement, surprise (0.6–0.8), low for sadness, grief, relief (−0.3..−0.5); dominance is
high for anger, pride, joy and low for fear, nervousness, embarrassment, grief.

Multi-label items
-----------------
An item's V/A/D target is the mean of its labels' rows (``neutral`` counts as a row of
zeros when it comes with emotions: in GoEmotions the labels are the union over raters, so
``approval,neutral`` means the raters split). Its polarity group is the one shared by all
its non-ambiguous, non-neutral labels; when they disagree it is ``mixed`` and the item is
left out of the polarity AUC. The arousal group works the same way (``mixed`` when high
and low labels meet). Only ambiguous labels gives ``ambiguous`` / ``none``; only
``neutral`` gives ``neutral`` / ``none``.

The XED split
-------------
:func:`xed_part` assigns every XED line to ``heldout`` (about 10 %) or ``train`` by a hash
of its normalised text (lower case, runs of white space collapsed), so repeated lines land
on the same side and the split is the same on every machine. Training uses ``train`` only;
the bench reports on ``heldout``. Heads fitted on top of the trained network (the message
head, ``models/train_mood_messages.py``) are tuned on a second ≈10 % of ``train``
(:func:`xed_dev`) and fitted on the rest.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """``../shared/data`` beside the project, or ``PHOTOGRAPH_SHARED_DATA`` when set."""
    env = os.environ.get("PHOTOGRAPH_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


@dataclass(frozen=True, slots=True)
class Emotion:
    """One emotion label's targets (each on -1..1) and AUC groups."""

    valence: float
    arousal: float
    dominance: float
    polarity: str  # positive | negative | ambiguous | neutral
    arousal_group: str  # high | low | none


def _e(v: float, a: float, d: float, pol: str, ag: str = "none") -> Emotion:
    return Emotion(v, a, d, pol, ag)


P, N, AMB = "positive", "negative", "ambiguous"

# GoEmotions: the 27 emotions + neutral, in the order of labels.txt.
GOEMOTIONS: dict[str, Emotion] = {
    "admiration": _e(0.60, 0.20, 0.15, P),
    "amusement": _e(0.60, 0.45, 0.30, P, "high"),
    "anger": _e(-0.65, 0.70, 0.30, N, "high"),
    "annoyance": _e(-0.45, 0.40, 0.15, N, "high"),
    "approval": _e(0.40, -0.05, 0.25, P),
    "caring": _e(0.55, -0.20, 0.20, P, "low"),
    "confusion": _e(-0.20, 0.20, -0.35, AMB),
    "curiosity": _e(0.25, 0.30, 0.05, AMB),
    "desire": _e(0.40, 0.45, 0.00, P),
    "disappointment": _e(-0.55, -0.30, -0.30, N, "low"),
    "disapproval": _e(-0.45, 0.10, 0.20, N),
    "disgust": _e(-0.65, 0.35, 0.15, N),
    "embarrassment": _e(-0.45, 0.30, -0.50, N),
    "excitement": _e(0.70, 0.80, 0.30, P, "high"),
    "fear": _e(-0.65, 0.70, -0.60, N, "high"),
    "gratitude": _e(0.70, 0.05, 0.10, P),
    "grief": _e(-0.85, -0.30, -0.60, N, "low"),
    "joy": _e(0.80, 0.50, 0.40, P, "high"),
    "love": _e(0.80, 0.30, 0.20, P),
    "nervousness": _e(-0.45, 0.60, -0.50, N, "high"),
    "optimism": _e(0.60, 0.20, 0.30, P),
    "pride": _e(0.65, 0.35, 0.60, P),
    "realization": _e(0.00, 0.10, 0.10, AMB),
    "relief": _e(0.55, -0.50, 0.20, P, "low"),
    "remorse": _e(-0.55, -0.20, -0.40, N, "low"),
    "sadness": _e(-0.70, -0.40, -0.40, N, "low"),
    "surprise": _e(0.10, 0.70, -0.10, AMB, "high"),
    "neutral": _e(0.0, 0.0, 0.0, "neutral"),
}

# XED: Plutchik's eight + neutral; the file's ids are 1..8, neutral lines carry 9.
XED: dict[str, Emotion] = {
    "anger": GOEMOTIONS["anger"],
    "anticipation": _e(0.30, 0.40, 0.15, AMB),
    "disgust": GOEMOTIONS["disgust"],
    "fear": GOEMOTIONS["fear"],
    "joy": GOEMOTIONS["joy"],
    "sadness": GOEMOTIONS["sadness"],
    "surprise": GOEMOTIONS["surprise"],
    "trust": _e(0.55, -0.20, 0.20, P, "low"),
    "neutral": GOEMOTIONS["neutral"],
}
XED_IDS = ("", "anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")

# Both tables under one name, for readers who want "the" table.
EMOTIONS: dict[str, dict[str, Emotion]] = {"goemotions": GOEMOTIONS, "xed": XED}


class Labelled(NamedTuple):
    """A labelled set: texts, V/A/D targets (n, 3) on -1..1, AUC groups and raw labels."""

    texts: list[str]
    vad: np.ndarray
    polarity: np.ndarray  # positive | negative | mixed | ambiguous | neutral | none
    arousal: np.ndarray  # high | low | mixed | none
    labels: list[tuple[str, ...]]


def _group(values: Iterable[str], empty: str) -> str:
    found = set(values)
    if not found:
        return empty
    return found.pop() if len(found) == 1 else "mixed"


def targets(labels: Sequence[str], table: dict[str, Emotion]) -> tuple[np.ndarray, str, str]:
    """V/A/D target and (polarity, arousal) groups of one item with ``labels``.

    Raises ``KeyError`` for a label not in ``table``.
    """
    rows = [table[x] for x in labels]
    vad = np.array([[r.valence, r.arousal, r.dominance] for r in rows], dtype=np.float32)
    emotional = [r for r in rows if r.polarity != "neutral"]
    if not emotional:
        return vad.mean(axis=0), "neutral", "none"
    pol = _group((r.polarity for r in emotional if r.polarity != AMB), AMB)
    aro = _group((r.arousal_group for r in emotional if r.arousal_group != "none"), "none")
    return vad.mean(axis=0), pol, aro


def _build(texts: list[str], labels: list[tuple[str, ...]], table: dict[str, Emotion]) -> Labelled:
    vads, pols, aros = [], [], []
    for lab in labels:
        v, p, a = targets(lab, table)
        vads.append(v)
        pols.append(p)
        aros.append(a)
    vad = np.asarray(vads, dtype=np.float32).reshape(len(texts), 3)
    return Labelled(texts, vad, np.asarray(pols), np.asarray(aros), labels)


def goemotions(split: Literal["train", "dev", "test"], root: Path | None = None) -> Labelled:
    """GoEmotions ``split`` (Apache-2.0, Demszky et al. 2020) with table targets."""
    folder = (root or data_dir()) / "goemotions"
    names = (folder / "labels.txt").read_text(encoding="utf-8").split()
    texts: list[str] = []
    labels: list[tuple[str, ...]] = []
    with (folder / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.append(row[0])
            labels.append(tuple(names[int(i)] for i in row[1].split(",")))
    return _build(texts, labels, GOEMOTIONS)


_SPACE_RE = re.compile(r"\s+")
_LETTER_RE = re.compile(r"[^\W\d_]")
HELDOUT_SHARE = 10  # percent of XED held back from training


def normalise(text: str) -> str:
    """The text as the XED split sees it: lower case, white space collapsed, stripped."""
    return _SPACE_RE.sub(" ", text).strip().lower()


def xed_part(text: str) -> Literal["train", "heldout"]:
    """Which part of XED ``text`` belongs to: a stable hash of :func:`normalise` (≈10 % held)."""
    digest = hashlib.sha256(normalise(text).encode("utf-8")).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") % 100 < HELDOUT_SHARE else "train"


def xed_dev(text: str) -> bool:
    """Whether a ``train`` line of XED is one of the ≈10 % that heads fitted on top of the
    trained network are tuned on (a second stable hash of :func:`normalise`).

    The network itself trained on these lines too; the ``heldout`` part stays the report.
    """
    digest = hashlib.sha256(normalise(text).encode("utf-8")).digest()
    return int.from_bytes(digest[8:16], "big") % 100 < HELDOUT_SHARE


def xed(
    part: Literal["train", "heldout", "all"], root: Path | None = None, neutral: bool = True
) -> Labelled:
    """XED English (CC BY 4.0, Öhman et al. 2020): annotated lines (+ neutral lines).

    Lines without a letter (``"!"``, ``", ..."``) are dropped; ``part`` picks the side of
    :func:`xed_part` (``all`` for both).
    """
    folder = (root or data_dir()) / "xed"
    texts: list[str] = []
    labels: list[tuple[str, ...]] = []

    def keep(text: str) -> bool:
        return bool(_LETTER_RE.search(text)) and (part == "all" or xed_part(text) == part)

    with (folder / "en-annotated.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            text, _, ids = line.rstrip("\n").rpartition("\t")
            if keep(text):
                texts.append(text.strip())
                labels.append(tuple(XED_IDS[int(i)] for i in ids.split(",")))
    if neutral:
        with (folder / "neu_en.txt").open(encoding="utf-8") as fh:
            for line in fh:
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 2 or fields[0] != "9":
                    continue
                text = fields[1]
                if keep(text):
                    texts.append(text.strip())
                    labels.append(("neutral",))
    return _build(texts, labels, XED)


def emobank(split: Literal["train", "dev"], path: Path | None = None) -> Labelled:
    """EmoBank ``split`` (CC-BY-SA 4.0): V/A/D mapped from 1..5 to -1..1 as (x - 3) / 2.

    Groups are ``none`` (EmoBank has graded ratings, not emotion labels).
    """
    texts: list[str] = []
    vad: list[list[float]] = []
    with (path or data_dir() / "emobank_train_dev.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["split"] == split:
                texts.append(row["text"])
                vad.append([(float(row[k]) - 3.0) / 2.0 for k in ("V", "A", "D")])
    n = len(texts)
    none = np.full(n, "none")
    return Labelled(texts, np.asarray(vad, dtype=np.float32).reshape(n, 3), none, none, [()] * n)


# --- our own evaluation sets (tests/mood/data) ----------------------------------------

STORIES = ROOT / "tests" / "mood" / "data" / "stories"
MOMENTS = ROOT / "tests" / "mood" / "data" / "moments.tsv"
QUADRANTS = ("tender", "joyful", "grieving", "frantic")  # +V-A, +V+A, -V-A, -V+A
TURN_TOLERANCE = 3  # a boundary within this many messages of a marked turn finds it
TURN_MIN_MOVE = 0.3  # the segments' valence must move at least this much, the right way


class Story(NamedTuple):
    """A story chat: its export file, split, marked turns and each turn's direction."""

    id: str
    path: Path
    split: str
    kind: str
    turns: tuple[int, ...]
    directions: tuple[str, ...]  # "up" | "down", one per turn
    messages: tuple[tuple[str, str], ...]  # (speaker, text) as written


def stories(split: Literal["dev", "test", "all"] = "all") -> list[Story]:
    """The story chats of ``tests/mood/data/stories/index.json`` in ``split``."""
    import json

    index = json.loads((STORIES / "index.json").read_text(encoding="utf-8"))["stories"]
    return [
        Story(
            s["id"],
            STORIES / s["file"],
            s["split"],
            s["kind"],
            tuple(s["turns"]),
            tuple(s["directions"]),
            tuple((a, b) for a, b in s["messages"]),
        )
        for s in index
        if split in ("all", s["split"])
    ]


class TurnResult(NamedTuple):
    """How the arc's segments met one marked turn."""

    found: bool  # a segment boundary within TURN_TOLERANCE messages
    boundary: int | None  # the nearest such boundary
    move: float  # valence after minus before that boundary (0.0 when none)
    right: bool  # found, and move has the expected sign and size >= TURN_MIN_MOVE


def turn_results(
    bounds: Sequence[tuple[int, int, float]], turns: Sequence[int], directions: Sequence[str]
) -> list[TurnResult]:
    """Score segments ``(start, end, valence)`` against marked ``turns``.

    For each turn the nearest segment start (other than 0) within :data:`TURN_TOLERANCE`
    is its boundary; the move is the valence of the segment that starts there minus the
    one that ends there.
    """
    starts = {a: i for i, (a, _, _) in enumerate(bounds) if i > 0}
    out = []
    for t, d in zip(turns, directions, strict=True):
        near = sorted((abs(b - t), b) for b in starts if abs(b - t) <= TURN_TOLERANCE)
        if not near:
            out.append(TurnResult(False, None, 0.0, False))
            continue
        b = near[0][1]
        i = starts[b]
        move = bounds[i][2] - bounds[i - 1][2]
        sign = 1.0 if d == "up" else -1.0
        out.append(TurnResult(True, b, move, sign * move >= TURN_MIN_MOVE))
    return out


class Moment(NamedTuple):
    """A one-line moment and the quadrant it was written for."""

    text: str
    quadrant: str  # tender | joyful | grieving | frantic
    split: str


def moments(split: Literal["dev", "test", "all"] = "all", path: Path | None = None) -> list[Moment]:
    """The moments of ``tests/mood/data/moments.tsv`` (``text<TAB>quadrant<TAB>split``).

    The file's first line is that header; quadrants are tender (+V -A), joyful (+V +A),
    grieving (-V -A) and frantic (-V +A).
    """
    out = []
    lines = (path or MOMENTS).read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if not line.strip() or line.startswith("#"):
            continue
        text, quadrant, part = line.split("\t")
        if split in ("all", part):
            out.append(Moment(text, quadrant, part))
    return out


def auc(pos: Sequence[float] | np.ndarray, neg: Sequence[float] | np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half).

    The one AUC of the mood benches, training scripts and tests; NaN when a side is empty.
    """
    p, n = np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64)
    if not len(p) or not len(n):
        return float("nan")
    both = np.concatenate([p, n])
    ranks = np.empty(len(both))
    ranks[np.argsort(both, kind="mergesort")] = np.arange(1, len(both) + 1)
    _, inv, counts = np.unique(both, return_inverse=True, return_counts=True)
    ranks = (np.bincount(inv, weights=ranks) / counts)[inv]  # average ranks over ties
    return float((ranks[: len(p)].sum() - len(p) * (len(p) + 1) / 2) / (len(p) * len(n)))


def auc_of(score: np.ndarray, label: np.ndarray) -> float:
    """:func:`auc` of ``score`` for ``label`` 1 against 0 (other labels left out)."""
    score, label = np.asarray(score), np.asarray(label)
    return auc(score[label == 1], score[label == 0])
