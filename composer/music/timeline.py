"""Which chat messages each bar of the song comes from (the song as a photograph).

Body sections carry a stretch of the chat (their mood segment); consecutive sections on
the same stretch share its messages, laid over their bars in order, every bar at least
one message. The intro and the coda frame the conversation and come from none.
"""

from __future__ import annotations

import dataclasses

from composer.chat.model import Chat
from composer.mood.model import Mood
from composer.music.form import PlannedSection
from composer.music.model import Section, TimelineBar


def bars(mood: Mood, sections: tuple[PlannedSection, ...]) -> tuple[TimelineBar, ...]:
    """One :class:`TimelineBar` per bar of the song (bars 1-based, messages 0-based)."""
    out: list[TimelineBar] = []
    i = 0
    while i < len(sections):
        s = sections[i]
        if s.segment < 0:
            out += [TimelineBar(len(out) + 1 + k, s.name, ()) for k in range(s.bars)]
            i += 1
            continue
        group = [s]
        while i + len(group) < len(sections) and sections[i + len(group)].segment == s.segment:
            group.append(sections[i + len(group)])
        seg = mood.segments[s.segment]
        msgs = list(range(seg.start, seg.end))
        names = [g.name for g in group for _ in range(g.bars)]
        n = len(names)
        for j, name in enumerate(names):
            lo = j * len(msgs) // n
            hi = max(lo + 1, (j + 1) * len(msgs) // n) if msgs else 0
            out.append(TimelineBar(len(out) + 1, name, tuple(msgs[lo:hi])))
        i += len(group)
    return tuple(out)


def sourced(
    sections: tuple[Section, ...], timeline: tuple[TimelineBar, ...], chat: Chat
) -> tuple[Section, ...]:
    """The sections with their ``source``: the messages (1-based, as a reader counts)
    and the speakers they come from, e.g. ``"messages 4-9: Ana, Ben"``."""
    out = []
    for s in sections:
        msgs = sorted(
            {m for b in timeline[s.start_bar - 1 : s.start_bar - 1 + s.bars] for m in b.messages}
        )
        if not msgs:
            source = "the whole conversation"
        else:
            who: list[str] = []
            for m in msgs:
                if m < len(chat.messages) and chat.messages[m].speaker not in who:
                    who.append(chat.messages[m].speaker)
            span = (
                f"message {msgs[0] + 1}"
                if len(msgs) == 1
                else f"messages {msgs[0] + 1}-{msgs[-1] + 1}"
            )
            source = f"{span}: {', '.join(who[:3])}"
        out.append(dataclasses.replace(s, source=source))
    return tuple(out)
