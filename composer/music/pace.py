"""Pace: how fast the conversation moved where each section comes from.

A burst of quick replies and a slow exchange with long silences carry the same words
differently, so each section gets a *pace* from the messages its bars were made from
(:func:`composer.music.timeline.bars`), measured against the chat's own pace:

- with timestamps, the gap before each message (geometric means: a section whose
  messages came 4× faster than the chat's usual gap reads +1, 4× slower reads -1);
- without them (a transcript, subtitles), the exchange itself: short lines that change
  speaker often are a fast exchange, long turns by one speaker a slow one.

The composer turns a burst into more, shorter notes (one density level up) and a slow
stretch into fewer, longer ones with a breath (a rest) after every phrase.
"""

from __future__ import annotations

import math
import statistics

from composer.chat.model import Chat
from composer.music.model import TimelineBar

BURST = 0.5  # pace at or above this: a burst (one density level up)
SLOW = -0.5  # at or below: a slow stretch (one level down, rests between phrases)
FASTEST_GAP_S = 20.0  # gaps are floored here (exports often keep only the minute)
TIMED = 2 / 3  # share of messages with a time for the gaps to count
MIN_MESSAGES = 4  # fewer: every section keeps the chat's own pace (0)


def _gaps(chat: Chat) -> list[float | None]:
    """Seconds before each message (None: the first, or a time is missing)."""
    out: list[float | None] = [None]
    for prev, m in zip(chat.messages, chat.messages[1:], strict=False):
        if prev.time is None or m.time is None:
            out.append(None)
        else:
            out.append(max(FASTEST_GAP_S, (m.time - prev.time).total_seconds()))
    return out


def _exchange(chat: Chat, idx: list[int]) -> float:
    """Speed of an exchange without times: turn changes per message, over line length
    (characters, a short line is a quick one)."""
    changes = [i > 0 and chat.messages[i].speaker != chat.messages[i - 1].speaker for i in idx]
    length = statistics.median(len(chat.messages[i].text) for i in idx)
    return (0.25 + statistics.fmean(changes)) / max(8.0, float(length))


def paces(chat: Chat, bars: tuple[TimelineBar, ...], spans: list[tuple[int, int]]) -> list[float]:
    """The pace (-1 slow … +1 burst) of each section, given as ``(first bar, bars)``
    (1-based first bar); 0 for a section made from no message (intro, coda)."""
    n = len(chat.messages)
    if n < MIN_MESSAGES:
        return [0.0] * len(spans)
    gaps = _gaps(chat)
    timed = [g for g in gaps if g is not None]
    use_time = len(timed) >= TIMED * (n - 1) and len(timed) >= 2
    ref = statistics.geometric_mean(timed) if use_time else _exchange(chat, list(range(n)))
    out = []
    for first, count in spans:
        idx = sorted({m for b in bars[first - 1 : first - 1 + count] for m in b.messages})
        idx = [i for i in idx if i < n]
        if not idx:
            out.append(0.0)
            continue
        if use_time:
            own = [g for g in (gaps[i] for i in idx) if g is not None]
            speed = math.log(ref / statistics.geometric_mean(own)) / math.log(4.0) if own else 0.0
        else:
            speed = math.log(_exchange(chat, idx) / ref) / math.log(2.0)
        out.append(max(-1.0, min(1.0, speed)))
    return out


def density(base: int, pace: float) -> int:
    """The melody's density level (0 calm … 3 lively) moved by the pace."""
    shift = 1 if pace >= BURST else (-1 if pace <= SLOW else 0)
    return max(0, min(3, base + shift))
