"""Figures for the mood reader: accuracy on EmoBank dev, speed, cold start, memory.

Usage::

    .venv/bin/python bench/mood_eval.py [path/to/emobank_train_dev.csv]

Prints one ``name value`` line per figure. The CSV defaults to
``../shared/data/emobank_train_dev.csv`` relative to the project root.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from composer.chat.model import Chat, Message  # noqa: E402
from composer.mood import analyse, model_name, score_texts  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "emobank_train_dev.csv"
CHAT_LINES = ROOT / "tests" / "mood" / "data" / "chat_lines.tsv"

_WHO = ["I", "you", "we", "my mom", "the boss", "Sam", "this", "that movie", "the team", "he"]
_VERB = [
    "love", "hate", "miss", "can't believe", "just saw", "need", "want", "forgot", "finished",
    "lost", "found", "cancelled", "booked", "broke", "fixed", "called", "ignored", "won",
]  # fmt: skip
_WHAT = [
    "the tickets", "dinner", "the car", "my keys", "the game", "that song", "our trip",
    "the report", "your message", "the dog", "the party", "this weather", "the exam", "it",
]  # fmt: skip
_TAIL = ["", "", "", "!", "!!", "?", " lol", " 😂", "...", " haha", " :)", " tbh", " 😭", " ❤️"]
_SHORT = ["ok", "sure", "lol", "k", "yeah", "haha", "omg", "nooo", "yes!!", "wait what", "👍"]
_GLUE = [" and ", " but ", ", ", ". ", " because "]


def make_chat(n: int, seed: int) -> list[tuple[str, str]]:
    """A made-up chat of ``n`` (speaker, text) lines, nearly all distinct, chat-like lengths."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for _ in range(n):
        who = rng.choice(["Ana", "Ben", "Chloe"])
        if rng.random() < 0.12:
            out.append((who, rng.choice(_SHORT)))
            continue
        parts = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            clause = f"{rng.choice(_WHO)} {rng.choice(_VERB)} {rng.choice(_WHAT)}"
            if rng.random() < 0.4:
                clause += f" at {rng.randint(1, 12)}"
            parts.append(clause)
        text = parts[0]
        for p in parts[1:]:
            text += rng.choice(_GLUE) + p
        out.append((who, text[0].upper() + text[1:] + rng.choice(_TAIL)))
    return out


def _chat(lines: list[tuple[str, str]]) -> Chat:
    return Chat(tuple(Message(s, t) for s, t in lines), "bench")


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive line scores above a random negative one."""
    diff = pos[:, None] - neg[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())


def emobank_dev(path: Path) -> None:
    texts: list[str] = []
    gold: list[list[float]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["split"] == "dev":
                texts.append(row["text"])
                gold.append([(float(row[k]) - 3.0) / 2.0 for k in ("V", "A", "D")])
    pred = score_texts(texts)
    g = np.asarray(gold)
    for j, name in enumerate(("valence", "arousal", "dominance")):
        print(f"r_{name} {_pearson(pred[:, j], g[:, j]):.3f}  (EmoBank dev, n={len(texts)})")


def chat_lines_auc() -> None:
    pos: list[str] = []
    neg: list[str] = []
    for line in CHAT_LINES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            (pos if label == "pos" else neg).append(text)
    v = score_texts(pos + neg)[:, 0]
    auc = _auc(v[: len(pos)], v[len(pos) :])
    print(f"auc_valence_chat_lines {auc:.3f}  (hand-labelled, {len(pos)} pos / {len(neg)} neg)")


def warm_speed() -> None:
    analyse(_chat(make_chat(2000, seed=1)))  # load the model, warm the session
    lines = make_chat(20_000, seed=2)
    t0, c0 = time.perf_counter(), time.process_time()
    score_texts([t for _, t in lines])
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"warm_score_texts_msgs_per_s {len(lines) / dt:.0f}  (20,000 new chat lines)")
    print(f"warm_score_texts_msgs_per_cpu_s {len(lines) / dc:.0f}  (per CPU-second, all threads)")
    lines = make_chat(20_000, seed=3)
    t0 = time.perf_counter()
    analyse(_chat(lines))
    dt = time.perf_counter() - t0
    print(f"warm_analyse_msgs_per_s {len(lines) / dt:.0f}  (20,000-message chat, arc+segments)")


_COLD = (
    "import json, sys; from composer.chat.model import Chat, Message; "
    "from composer.mood import analyse; "
    "lines = json.load(open(sys.argv[1])); "
    "m = analyse(Chat(tuple(Message(s, t) for s, t in lines), 'bench')); "
    "print(len(m.messages), m.model)"
)


def cold_start(repeats: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.json"
        path.write_text(json.dumps(make_chat(1000, seed=4)), encoding="utf-8")
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", _COLD, str(path)], cwd=ROOT, check=True, capture_output=True
            )
            times.append(time.perf_counter() - t0)
    print(f"cold_1000_msgs_s {statistics.median(times):.2f}  (fresh python, median of {repeats})")


_RSS = (
    "import json, resource, sys; from composer.chat.model import Chat, Message; "
    "from composer.mood import analyse; "
    "lines = json.load(open(sys.argv[1])); "
    "m = analyse(Chat(tuple(Message(s, t) for s, t in lines), 'bench')); "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def peak_rss(n: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.json"
        path.write_text(json.dumps(make_chat(n, seed=5)), encoding="utf-8")
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _RSS, str(path)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        dt = time.perf_counter() - t0
    kib = int(done.stdout.split()[-1])
    print(f"peak_rss_100k_msgs_mb {kib / 1024:.0f}  (whole process, {dt:.1f} s wall)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--skip-rss", action="store_true", help="skip the 100,000-message run")
    args = ap.parse_args()
    print(f"model {model_name()}")
    print(f"load_average_at_start {os.getloadavg()[0]:.2f}  (on {os.cpu_count()} CPUs)")
    emobank_dev(args.csv)
    chat_lines_auc()
    warm_speed()
    cold_start()
    if not args.skip_rss:
        peak_rss()


if __name__ == "__main__":
    main()
