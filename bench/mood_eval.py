"""Figures for the mood reader, side by side with the lexicon, on every evaluation set.

Usage::

    .venv/bin/python bench/mood_eval.py [path/to/emobank_train_dev.csv] [--skip-rss]
    PHOTOGRAPH_MOOD_MODEL_DIR=models/other .venv/bin/python bench/mood_eval.py
    .venv/bin/python bench/mood_eval.py --compare /tmp/v5   # today's reader beside it

Prints one ``name  lexicon  [compared]  lines-only  reader  no-context  (note)`` line per
accuracy figure, the reader being the default one (``composer/data/mood/``, or the folder
named by ``PHOTOGRAPH_MOOD_MODEL_DIR``): it reads utterances as chat messages
(``score_messages``: the message head) and EmoBank's prose as sentences (``score_texts``);
``lines-only`` is the same model reading everything as sentences (no message head: the
ablation of ``composer/mood/dialogue.py``); ``no-context`` reads every message of a story
alone (the ablation of ``composer/mood/context.py``). Then the reader's speed and memory as
``name value`` lines. The sets (``models/mood_data.py`` loads them and holds the emotion
table that defines the groups):

* GoEmotions dev and test: valence AUC, positive vs negative comments (mixed-sign ones
  left out); arousal AUC, high vs low arousal emotions (``high``/``low`` groups).
* XED English, the held-back 10 % (``mood_data.xed_part``): the same two AUCs.
* Story chats (``tests/mood/data/stories``), per split: share of marked turns with a
  segment boundary within 3 messages; share where the segments' valence also moves the
  marked way by >= 0.3; boundaries away from any turn per chat.
* Moments (``tests/mood/data/moments.tsv``), per split: valence sign right (tender and
  joyful +, grieving and frantic -); valence AUC warm vs dark; arousal AUC joyful and
  frantic vs tender and grieving.
* EmoBank dev: Pearson r of V, A, D read as sentences, and of V, A read as chat messages;
  our hand-labelled chat lines: valence AUC.

The reader reads utterances one by one as chat messages (``score_messages``; ``score_texts``
for ``lines-only``), moments one by one through ``analyse(moment(text))`` (the user's path)
and story chats whole (``analyse``), so a reader that uses the previous turns shows it on
the stories. Readings of one text may differ in the third decimal with the batch it is
read in (int8 activations are quantised per batch).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models"))

import mood_data  # noqa: E402
from mood_chats import make_chat  # noqa: E402
from mood_data import auc  # noqa: E402

from composer.chat import moment, parse  # noqa: E402
from composer.chat.model import Chat, Message  # noqa: E402
from composer.mood import Mood, analyse, lexicon, model_name, score_messages, score_texts  # noqa: E402
from composer.mood.arc import build_mood  # noqa: E402

DEFAULT_CSV = mood_data.data_dir() / "emobank_train_dev.csv"
CHAT_LINES = ROOT / "tests" / "mood" / "data" / "chat_lines.tsv"


@dataclass(frozen=True)
class Reader:
    """A way to read lines, moments and whole chats."""

    name: str
    lines: Callable[[Sequence[str]], np.ndarray]  # utterances of dialogue
    moment: Callable[[str], np.ndarray]
    chat: Callable[[Chat], Mood]
    sentences: Callable[[Sequence[str]], np.ndarray] | None = None  # prose (EmoBank)


def _lexicon_chat(chat: Chat) -> Mood:
    texts = [m.text for m in chat.messages]
    own = lexicon.score_texts(texts)
    return build_mood([m.speaker for m in chat.messages], texts, own, lexicon.NAME)


def _moment_vad(reader: Callable[[Chat], Mood], text: str) -> np.ndarray:
    o = reader(moment(text)).overall
    return np.array([o.valence, o.arousal, o.dominance])


LEXICON = Reader(
    lexicon.NAME,
    lexicon.score_texts,
    lambda t: _moment_vad(_lexicon_chat, t),
    _lexicon_chat,
)


def default_reader() -> Reader:
    """Utterances read as messages (the message head), prose as sentences, chats whole."""
    moment_vad = lambda t: _moment_vad(analyse, t)  # noqa: E731 - one line
    return Reader(model_name(), score_messages, moment_vad, analyse, sentences=score_texts)


def line_reader() -> Reader:
    """The default model without its message head: every line read as a sentence (v6)."""

    def chat(c: Chat) -> Mood:
        texts = [m.text for m in c.messages]
        return build_mood([m.speaker for m in c.messages], texts, score_texts(texts), "")

    return Reader("lines-only", score_texts, lambda t: _moment_vad(analyse, t), chat)


def without_context() -> Reader:
    """The default reader with each message read alone (the context ablation)."""

    def chat(c: Chat) -> Mood:
        texts = [m.text for m in c.messages]
        own = score_messages(texts)
        return build_mood([m.speaker for m in c.messages], texts, own, "", context=False)

    moment_vad = lambda t: _moment_vad(analyse, t)  # noqa: E731 - one line
    return Reader("no-context", score_messages, moment_vad, chat, sentences=score_texts)


def folder_reader(folder: Path) -> Reader:
    """A reader from another model folder (e.g. version 5 from git), side by side."""
    from composer.mood import onnx_reader

    r = onnx_reader._load(folder)
    if isinstance(r, str):
        raise SystemExit(f"--compare {folder}: {r}")

    def chat(c: Chat) -> Mood:
        texts = [m.text for m in c.messages]
        own = r.score_moments(texts) if c.format == "moment" else r.score_texts(texts)
        return build_mood([m.speaker for m in c.messages], texts, own, r.name)

    return Reader(r.name, r.score_texts, lambda t: _moment_vad(chat, t), chat)


def _chat(lines: list[tuple[str, str]]) -> Chat:
    return Chat(tuple(Message(s, t) for s, t in lines), "bench")


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


Row = tuple[str, list[str], str]


def _row(rows: list[Row], name: str, values: list[float], note: str, fmt: str = "{:.3f}") -> None:
    rows.append((name, [fmt.format(v) for v in values], note))


def labelled_aucs(
    rows: list[Row], readers: list[Reader], tag: str, data: mood_data.Labelled
) -> None:
    pos, neg = data.polarity == "positive", data.polarity == "negative"
    hi, lo = data.arousal == "high", data.arousal == "low"
    keep = pos | neg | hi | lo
    texts = [t for t, k in zip(data.texts, keep, strict=True) if k]
    vals, aros = [], []
    for r in readers:
        pred = np.asarray(r.lines(texts))
        full = np.zeros((len(data.texts), 3))
        full[keep] = pred
        vals.append(auc(full[pos, 0], full[neg, 0]))
        aros.append(auc(full[hi, 1], full[lo, 1]))
    _row(rows, f"auc_valence_{tag}", vals, f"positive vs negative, {pos.sum()} / {neg.sum()}")
    _row(rows, f"auc_arousal_{tag}", aros, f"high vs low emotions, {hi.sum()} / {lo.sum()}")


def story_figures(rows: list[Row], readers: list[Reader], split: str) -> None:
    stories = mood_data.stories(split)  # type: ignore[arg-type]
    chats = [parse(s.path.read_bytes(), filename=s.path.name) for s in stories]
    found, right, extra, moves = [], [], [], []
    for r in readers:
        res: list[mood_data.TurnResult] = []
        spare = 0
        for s, chat in zip(stories, chats, strict=True):
            segs = r.chat(chat).segments
            bounds = [(g.start, g.end, g.vad.valence) for g in segs]
            res += mood_data.turn_results(bounds, s.turns, s.directions)
            tol = mood_data.TURN_TOLERANCE
            spare += sum(1 for g in segs[1:] if all(abs(g.start - t) > tol for t in s.turns))
        signs = [1.0 if d == "up" else -1.0 for s in stories for d in s.directions]
        found.append(100.0 * sum(x.found for x in res) / len(res))
        right.append(100.0 * sum(x.right for x in res) / len(res))
        extra.append(spare / len(stories))
        moves.append(float(np.mean([sg * x.move for sg, x in zip(signs, res, strict=True)])))
    n = sum(len(s.turns) for s in stories)
    note = f"{len(stories)} chats, {n} turns"
    _row(rows, f"story_turns_found_pct_{split}", found, f"boundary within ±3; {note}", "{:.0f}")
    _row(
        rows,
        f"story_direction_right_pct_{split}",
        right,
        "and valence moves >= 0.3 the marked way",
        "{:.0f}",
    )
    _row(
        rows,
        f"story_spare_boundaries_per_chat_{split}",
        extra,
        "boundaries > 3 from any turn",
        "{:.2f}",
    )
    _row(
        rows,
        f"story_mean_move_{split}",
        moves,
        "signed valence move at found turns (0 if none)",
        "{:+.2f}",
    )


def moment_figures(rows: list[Row], readers: list[Reader], split: str) -> None:
    ms = mood_data.moments(split)  # type: ignore[arg-type]
    q = np.array([m.quadrant for m in ms])
    warm = np.isin(q, ["tender", "joyful"])
    high = np.isin(q, ["joyful", "frantic"])
    sign, vauc, aauc = [], [], []
    for r in readers:
        pred = np.array([r.moment(m.text) for m in ms])
        sign.append(100.0 * float(np.mean((pred[:, 0] > 0) == warm)))
        vauc.append(auc(pred[warm, 0], pred[~warm, 0]))
        aauc.append(auc(pred[high, 1], pred[~high, 1]))
    note = f"{len(ms)} moments"
    _row(rows, f"moments_valence_sign_right_pct_{split}", sign, note, "{:.0f}")
    _row(rows, f"moments_auc_valence_{split}", vauc, "warm (tender, joyful) vs dark")
    _row(rows, f"moments_auc_arousal_{split}", aauc, "joyful, frantic vs tender, grieving")


def emobank_dev(rows: list[Row], readers: list[Reader], path: Path) -> None:
    data = mood_data.emobank("dev", path)
    preds = [np.asarray((r.sentences or r.lines)(data.texts)) for r in readers]
    for j, name in enumerate(("valence", "arousal", "dominance")):
        values = [_pearson(p[:, j], data.vad[:, j]) for p in preds]
        _row(rows, f"r_{name}_emobank_dev", values, f"n={len(data.texts)}, sentences")
    preds = [np.asarray(r.lines(data.texts)) for r in readers]
    for j, name in enumerate(("valence", "arousal")):
        values = [_pearson(p[:, j], data.vad[:, j]) for p in preds]
        _row(rows, f"r_{name}_emobank_dev_as_messages", values, "read as chat messages")


def chat_lines_auc(rows: list[Row], readers: list[Reader]) -> None:
    pos: list[str] = []
    neg: list[str] = []
    for line in CHAT_LINES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            (pos if label == "pos" else neg).append(text)
    values = []
    for r in readers:
        v = np.asarray(r.lines(pos + neg))[:, 0]
        values.append(auc(v[: len(pos)], v[len(pos) :]))
    _row(rows, "auc_valence_chat_lines", values, f"ours, hand-labelled, {len(pos)} / {len(neg)}")


def accuracy(readers: list[Reader], csv_path: Path, sets: set[str]) -> None:
    rows: list[Row] = []
    if "goemotions" in sets:
        for split in ("dev", "test"):
            labelled_aucs(rows, readers, f"goemotions_{split}", mood_data.goemotions(split))
    if "xed" in sets:
        labelled_aucs(rows, readers, "xed_heldout", mood_data.xed("heldout"))
    if "stories" in sets:
        for split in ("dev", "test"):
            story_figures(rows, readers, split)
    if "moments" in sets and mood_data.MOMENTS.is_file():
        for split in ("dev", "test"):
            moment_figures(rows, readers, split)
    if "emobank" in sets:
        emobank_dev(rows, readers, csv_path)
        chat_lines_auc(rows, readers)
    width = max(len(r[0]) for r in rows)
    cols = [max(len(r.name), 7) for r in readers]
    print(" ".join([" " * width, *(r.name.rjust(c) for r, c in zip(readers, cols, strict=True))]))
    for name, values, note in rows:
        cells = [v.rjust(c) for v, c in zip(values, cols, strict=True)]
        print(" ".join([name.ljust(width), *cells, f" ({note})"]))


def warm_speed() -> None:
    analyse(_chat(make_chat(2000, seed=1)))  # load the model, warm the session
    lines = make_chat(20_000, seed=2)
    t0, c0 = time.perf_counter(), time.process_time()
    score_texts([t for _, t in lines])
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"warm_score_texts_msgs_per_s {len(lines) / dt:.0f}  (20,000 new chat lines)")
    print(f"warm_score_texts_msgs_per_cpu_s {len(lines) / dc:.0f}  (per CPU-second, all threads)")
    lines = make_chat(20_000, seed=6)
    t0 = time.perf_counter()
    score_messages([t for _, t in lines])
    dt = time.perf_counter() - t0
    print(f"warm_score_messages_msgs_per_s {len(lines) / dt:.0f}  (20,000 new lines, message head)")
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


SETS = ("goemotions", "xed", "stories", "moments", "emobank")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--skip-rss", action="store_true", help="skip the 100,000-message run")
    ap.add_argument("--skip-speed", action="store_true", help="accuracy only")
    ap.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated subset of " + ",".join(SETS)
    )
    ap.add_argument(
        "--compare", type=Path, help="another model folder to read side by side (e.g. v5)"
    )
    args = ap.parse_args()
    sets = set(args.sets.split(","))
    if not sets <= set(SETS):
        ap.error(f"unknown set(s): {', '.join(sorted(sets - set(SETS)))}")
    print(f"model {model_name()}")
    print(f"load_average_at_start {os.getloadavg()[0]:.2f}  (on {os.cpu_count()} CPUs)")
    readers = [LEXICON, *([folder_reader(args.compare)] if args.compare else [])]
    accuracy([*readers, line_reader(), default_reader(), without_context()], args.csv, sets)
    if args.skip_speed:
        return
    warm_speed()
    cold_start()
    if not args.skip_rss:
        peak_rss()


if __name__ == "__main__":
    main()
