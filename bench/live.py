"""Live photograph figures, measured offline on a simulated playback clock.

A scripted conversation (three speakers; turns every 4-25 s, and bursts of 3-6 messages
within two seconds) is replayed against :class:`composer.live.session.LiveSession` the
way the server plays it: audio is rendered in 100 ms blocks, ``--lookahead`` seconds
ahead of the playback clock, and every block is encoded to Opus packets. Prints
``name: value`` lines:

    latency_heard_p50/p95/max_ms   message arrival → first sample of the answering beat on
                                   the playback clock (the listener hears it then)
    latency_sent_p95_ms            ... → that sample leaves the server (rendered and
                                   encoded: ``lookahead`` earlier than heard)
    latency_p95_beats              the heard latency in beats
    bar_change_p95_ms              arrival → the start of the first bar written after it
                                   (its texture and dynamics follow the new mood), heard;
                                   bar_change_sent_p95_ms: its first sample leaves the server
    render_x_realtime              audio seconds / wall seconds for compose + render +
                                   Opus encode of the whole session (one core)
    first_audio_s                  session created (SoundFont load included) → the first
                                   100 ms block rendered
    concurrent_sessions, concurrent_underruns, concurrent_min_ahead_ms
                                   N sessions paced in real time side by side (threads)
                                   for ``--paced-s``; an underrun is a block not ready
                                   when the playback clock reaches it (300 ms buffer)
    in_key_pct                     notes whose pitch class is in the section's key
                                   (harmonic minor's leading tone counts), outside the
                                   phrases either side of a planned change of mode
    motif_gap_max_bars             longest stretch between two literal statements of the
                                   leading motif, found in the notes (onset pattern)
    tempo_offset_*_max_frames      the bar lines' largest offset from the ideal grid of the
                                   MIDI tempo (microseconds per beat), in the first 50
                                   bars, the last 50 and all: events play on 64-frame synth
                                   blocks, so rounding alone gives ≤ 32; no drift means the
                                   last bars are no further off than the first
    join_clicks                    joins where the joined stream is not the one-shot
                                   render of the session's song.mid (the whole MIDI
                                   rendered in one piece by a fresh synth): a click is a
                                   jump at a join that the unjoined audio does not have
    joins_above_p999               the issue's own measure: joins whose jump exceeds the
                                   p99.9 of the jumps inside blocks; in a seamless stream
                                   chance alone puts ~0.1 % of joins there
                                   (joins_above_p999_by_chance: that expectation)
    transport_kbit_s               Opus packets (20 ms) plus the frame headers

Run: ``.venv/bin/python bench/live.py [--minutes 30] [--sessions 8] [--paced-s 60]``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import threading
import time

import numpy as np

from composer.audio import opusframes, synth
from composer.audio.synth import render_midi
from composer.live.session import RATE, LiveSession
from composer.midi import to_midi
from composer.music.live import LiveOptions
from composer.music.model import Key

LINES = {
    "Ana": [
        "hey! are you coming tonight?", "I can't wait to see you all", "haha yes",
        "ok", "this is the best day ever!!", "oh no, I just heard the bad news",
        "I'm really upset about it", "thank you, that means a lot", "lol", "see you soon",
        "I feel so lonely tonight", "wait, that's amazing news!",
    ],
    "Ben": [
        "yes of course, wouldn't miss it", "traffic is terrible, running late", "sure",
        "I'm so sorry, that's awful", "we'll get through this together",
        "guess what, I got the job!!", "calm down, it's fine", "hmm", "love you all",
        "that was a long and tiring week",
    ],
    "Cleo": [
        "what time is dinner?", "I'm bringing dessert", "yay!", "nobody listens to me",
        "this is so frustrating", "ok fine", "let's just enjoy the evening",
        "I miss the old days", "best friends forever",
    ],
}  # fmt: skip


def script(minutes: float, seed: int = 1) -> list[tuple[float, str, str]]:
    """(arrival s, speaker, text): turns every 4-25 s, a burst now and then, quiet gaps."""
    rng = random.Random(seed)
    out: list[tuple[float, str, str]] = []
    t = 3.0
    names = list(LINES)
    while t < minutes * 60 - 10:
        who = rng.choice(names)
        if rng.random() < 0.15:  # a burst: several lines within two seconds
            for _ in range(rng.randint(3, 6)):
                out.append((round(t, 3), who, rng.choice(LINES[who])))
                t += rng.uniform(0.1, 0.5)
                who = rng.choice(names)
        else:
            out.append((round(t, 3), who, rng.choice(LINES[who])))
        t += rng.uniform(4, 25) if rng.random() < 0.9 else rng.uniform(40, 90)
    return out


class Joins:
    """Sample-to-sample jumps at block joins and inside blocks (log histogram)."""

    BINS = np.logspace(-12, 1, 2601)

    def __init__(self) -> None:
        self.inside = np.zeros(len(self.BINS) - 1)
        self.at_joins: list[float] = []
        self.last: float | None = None
        self.frames = 0  # frames joined so far
        self.edges: list[tuple[int, np.ndarray]] = []  # (join frame, the two frames at it)
        self.tail: np.ndarray | None = None  # the last frame so far, both channels

    def add(self, x: np.ndarray) -> None:
        if self.tail is not None and len(x):
            self.edges.append((self.frames, np.stack([self.tail, x[0]]).astype(np.float32)))
        if len(x):
            self.tail = np.array(x[-1], dtype=np.float32)
        self.frames += len(x)
        left = x[:, 0].astype(np.float64)
        if self.last is not None:
            self.at_joins.append(abs(left[0] - self.last))
        self.inside += np.histogram(np.abs(np.diff(left)) + 1e-12, self.BINS)[0]
        self.last = float(left[-1])

    def above_p999(self) -> tuple[int, int]:
        """Joins whose jump exceeds the p99.9 of the jumps inside blocks, and the joins."""
        cum = np.cumsum(self.inside) / self.inside.sum()
        p999 = self.BINS[int(np.searchsorted(cum, 0.999)) + 1]
        return sum(j > p999 for j in self.at_joins), len(self.at_joins)

    def clicks(self, reference: np.ndarray) -> int:
        """Joins where the stream differs from ``reference`` (the one-shot render) in the
        frame before or at the join: a jump there that the unjoined audio does not have.
        Joins past the reference's end count as clicks (an upper bound: a stream that
        drifted from the reference would count every join after)."""
        n = len(reference)
        return sum(
            at >= n or float(np.abs(pair - reference[at - 1 : at + 1]).max()) > 1e-6
            for at, pair in self.edges
        )


def play(minutes: float, lookahead: float, seed: int) -> dict[str, float]:
    t0 = time.perf_counter()
    s = LiveSession(LiveOptions(seed=seed), keep_audio=False)
    enc = opusframes.Encoder()
    joins = Joins()
    first = s.render()
    first_audio = time.perf_counter() - t0
    todo = script(minutes, seed)
    heard, sent, bars, beats = [], [], [], []
    nbytes, frames = 0, 0
    beat_s = 60.0 / s.tempo
    bar_s = beat_s * s.composer.bar_beats
    block = first
    busy = 0.0  # seconds spent composing, rendering and encoding (not measuring)
    while True:
        joins.add(block.samples)
        t = time.perf_counter()
        packets = enc.encode(block.samples)
        busy += time.perf_counter() - t
        nbytes += 4 + sum(2 + len(p) for p in packets)
        frames += block.samples.shape[0]
        if s.done:
            break
        clock = s.rendered_s - lookahead  # the playback clock when this block is due
        while todo and todo[0][0] <= clock + 0.1:
            at, who, text = todo.pop(0)
            at = max(at, clock)
            written = s.composer.realised_bars  # the first bar written after the message
            t = time.perf_counter()
            r = s.message(who, text, at)
            busy += time.perf_counter() - t
            heard.append(s.seconds(r.beat) - at)
            sent.append(max(0.0, s.seconds(r.beat) - lookahead - at))
            beats.append(heard[-1] / beat_s)
            bars.append(s.seconds(written * s.composer.bar_beats) - at)
        if not todo and s.composer.end_beat is None and clock >= minutes * 60 - 8:
            s.end(clock)
        t = time.perf_counter()
        block = s.render()
        busy += time.perf_counter() - t
    above, njoins = joins.above_p999()
    # The service caps one render at 20 min; the bench renders the whole session at once.
    cap = synth.MAX_DURATION_S
    synth.MAX_DURATION_S = max(cap, s.rendered_s + 60.0)
    try:
        ref = render_midi(to_midi(s.composer.song()), sample_rate=RATE, tail_s=2.0, threads=1)
    finally:
        synth.MAX_DURATION_S = cap
    clicks = joins.clicks(ref.samples)
    del ref
    out = {
        "messages": len(heard),
        "latency_heard_p50_ms": 1000 * statistics.median(heard),
        "latency_heard_p95_ms": 1000 * float(np.quantile(heard, 0.95)),
        "latency_heard_max_ms": 1000 * max(heard),
        "latency_sent_p95_ms": 1000 * float(np.quantile(sent, 0.95)),
        "latency_p95_beats": float(np.quantile(beats, 0.95)),
        "beat_ms": 1000 * beat_s,
        "bar_change_p95_ms": 1000 * float(np.quantile(bars, 0.95)),
        "bar_change_sent_p95_ms": 1000 * float(np.quantile(bars, 0.95)) - 1000 * lookahead,
        "bar_ms": 1000 * bar_s,
        "audio_s": frames / RATE,
        "render_x_realtime": frames / RATE / busy,
        "first_audio_s": first_audio,
        "join_clicks": clicks,
        "joins": njoins,
        "joins_above_p999": above,
        "joins_above_p999_by_chance": round(0.001 * njoins, 1),
        "transport_kbit_s": nbytes * 8 / 1000 / (frames / RATE),
    }
    out.update(continuity(s))
    s.close()
    return out


def _in_key(pitch: int, key: Key) -> bool:
    pcs = set(key.scale)
    if not key.is_major:
        pcs.add((key.tonic + 11) % 12)
    return pitch % 12 in pcs


def continuity(s: LiveSession) -> dict[str, float]:
    c = s.composer
    song = c.song()
    bb = c.bar_beats
    key_at = {}
    for sec in song.sections:
        for b in range(sec.start_bar - 1, sec.start_bar - 1 + sec.bars):
            key_at[b] = sec.key
    planned = {b + d for b, *_ in c.modulations for d in range(-4, 4)}
    notes = [n for p in song.parts for n in p.notes]
    counted = [n for n in notes if int(n.start // bb) not in planned]
    inkey = sum(_in_key(n.pitch, key_at[int(n.start // bb)]) for n in counted)
    # literal statements of the leading motif, found in the melody's onsets
    rh = sorted(song.parts[0].notes, key=lambda n: n.start)
    found = []
    for bar, lead in c.leads:
        onsets = []
        t = bar * bb
        for _step, d in c.motif_of(lead):
            onsets.append(round(t, 3))
            t += d
        have = {round(n.start, 3) for n in rh if bar * bb <= n.start < (bar + 1) * bb}
        if set(onsets) <= have:
            found.append(bar)
    gaps = [b - a for a, b in itertools.pairwise(found)]
    last = int(song.duration_beats // bb)
    lines = [s.frame_of(b * bb) - b * bb * s.tempo_us / 1e6 * RATE for b in range(last)]
    first, late = np.abs(lines[:50]), np.abs(lines[-50:])
    return {
        "in_key_pct": 100.0 * inkey / max(1, len(counted)),
        "modulations": len(c.modulations),
        "motif_gap_max_bars": max(gaps) if gaps else float("nan"),
        "motif_statements": len(found),
        "phrases": len(c.leads),
        "tempo_offset_first50_max_frames": float(first.max()),
        "tempo_offset_last50_max_frames": float(late.max()),
        "tempo_offset_all_max_frames": float(np.abs(lines).max()),
        "bars": last,
    }


def concurrent(n: int, seconds: float, lookahead: float) -> dict[str, float]:
    """``n`` sessions side by side, each paced by the wall clock."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    sessions = [LiveSession(LiveOptions(seed=i), keep_audio=False) for i in range(n)]

    def one(i: int) -> None:
        s = sessions[i]
        enc = opusframes.Encoder()
        todo = script(seconds / 60 + 1, seed=100 + i)
        while s.rendered_s < lookahead:  # the music starts once its buffer is ready
            enc.encode(s.render().samples)
        start = time.perf_counter()
        underruns, worst = 0, 1e9
        while (clock := time.perf_counter() - start) < seconds:
            while todo and todo[0][0] <= clock:
                at, who, text = todo.pop(0)
                s.message(who, text, at)
            ahead = s.rendered_s - clock
            worst = min(worst, ahead)
            if ahead < 0:
                underruns += 1
            while s.rendered_s < clock + lookahead:
                enc.encode(s.render().samples)
            time.sleep(0.02)
        with lock:
            results.append((underruns, worst))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sessions:
        s.close()
    return {
        "concurrent_sessions": n,
        "concurrent_underruns": sum(u for u, _ in results),
        "concurrent_min_ahead_ms": 1000 * min(w for _, w in results),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="length of the session")
    ap.add_argument("--lookahead", type=float, default=0.3, help="seconds rendered ahead")
    ap.add_argument("--sessions", type=int, default=8, help="concurrent sessions")
    ap.add_argument("--paced-s", type=float, default=60.0, help="seconds they run, paced")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    figures = play(args.minutes, args.lookahead, args.seed)
    if args.sessions > 0 and args.paced_s > 0:
        figures.update(concurrent(args.sessions, args.paced_s, args.lookahead))
    for name, value in figures.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
