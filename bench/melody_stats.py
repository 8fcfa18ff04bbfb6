"""Seven statistics of a melody, and the real-melody corpus they are compared with.

A melody is a list of ``(onset, pitch)`` pairs, onsets in quarter notes, one note per
onset (the skyline). The statistics (the "musicality envelope" of ``bench/musicality.py``):

- ``step``: share of intervals of 1–2 semitones;
- ``leap7``: share of intervals larger than 7 semitones (a fifth);
- ``repeat``: share of repeated notes (interval 0);
- ``range``: highest minus lowest pitch, semitones;
- ``interval_entropy``: Shannon entropy (bits) of the intervals (clipped to ±12);
- ``pc_entropy``: Shannon entropy (bits) of the pitch classes (by note count);
- ``rhythm_entropy``: Shannon entropy (bits) of the inter-onset intervals in 16ths
  (gaps over two bars are left out: a rest between phrases is not a rhythm).

The corpus is the folk songs bundled with music21 (the Essen folk-song collection,
``essenFolksong``: the files in :data:`CORPUS_FILES`, every tune in them), melody notes
as written (rests lengthen the previous inter-onset interval, as in our skyline).
``python bench/melody_stats.py`` rebuilds ``bench/results/melody_corpus.json`` (a few
minutes); the benches read that file.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections import Counter
from pathlib import Path

STATS = ("step", "leap7", "repeat", "range", "interval_entropy", "pc_entropy", "rhythm_entropy")
CORPUS_FILES = (
    "essenFolksong/altdeu10.abc",
    "essenFolksong/ballad10.abc",
    "essenFolksong/erk10.abc",
    "essenFolksong/kinder0.abc",
    "essenFolksong/boehme10.abc",
)
CORPUS_JSON = Path(__file__).resolve().parent / "results" / "melody_corpus.json"


def entropy(counts: Counter[int] | Counter[float]) -> float:
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values() if c) if total else 0.0


def statistics(melody: list[tuple[float, int]]) -> dict[str, float]:
    """The seven statistics of a skyline melody (see the module docstring)."""
    pitches = [p for _, p in melody]
    ivs = [b - a for a, b in itertools.pairwise(pitches)]
    n = max(1, len(ivs))
    iois = [round((b - a) * 4) for (a, _), (b, _) in itertools.pairwise(melody) if 0 < b - a <= 8.0]
    return {
        "step": sum(1 <= abs(i) <= 2 for i in ivs) / n,
        "leap7": sum(abs(i) > 7 for i in ivs) / n,
        "repeat": sum(i == 0 for i in ivs) / n,
        "range": float(max(pitches) - min(pitches)) if pitches else 0.0,
        "interval_entropy": entropy(Counter(max(-12, min(12, i)) for i in ivs)),
        "pc_entropy": entropy(Counter(p % 12 for p in pitches)),
        "rhythm_entropy": entropy(Counter(iois)),
    }


def build_corpus() -> list[dict[str, float]]:
    """Statistics of every tune of :data:`CORPUS_FILES` (music21's bundled corpus)."""
    from music21 import corpus

    rows = []
    for name in CORPUS_FILES:
        opus = corpus.parse(name)
        for score in opus.scores:
            notes = [n for n in score.flatten().notes if n.isNote]
            melody = [
                (float(n.offset), n.pitch.midi) for n in notes if not n.tie or n.tie.type == "start"
            ]
            if len(melody) >= 12:
                rows.append(statistics(melody))
        print(name, len(rows), file=sys.stderr)
    return rows


def band(
    rows: list[dict[str, float]], lo: float = 0.1, hi: float = 0.9
) -> dict[str, tuple[float, float]]:
    """Per statistic, the p10–p90 band of the rows."""
    out = {}
    for s in STATS:
        vals = sorted(r[s] for r in rows)
        out[s] = (vals[int(lo * (len(vals) - 1))], vals[int(hi * (len(vals) - 1))])
    return out


def corpus_band() -> dict[str, tuple[float, float]]:
    """The corpus's p10–p90 band per statistic, from the saved corpus file."""
    doc = json.loads(CORPUS_JSON.read_text())
    return {s: (float(lo), float(hi)) for s, (lo, hi) in doc["band"].items()}


def main() -> None:
    rows = build_corpus()
    doc = {"files": list(CORPUS_FILES), "tunes": len(rows), "band": band(rows)}
    doc["median"] = {s: sorted(r[s] for r in rows)[len(rows) // 2] for s in STATS}
    CORPUS_JSON.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
