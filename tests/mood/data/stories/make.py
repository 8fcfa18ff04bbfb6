"""Render ``stories.txt`` into chat exports and write ``index.json`` (run from anywhere).

Usage::

    python tests/mood/data/stories/make.py

Each story becomes one file in its format (shapes as in ``../shared/chat-formats``:
WhatsApp Android US/EU and iOS, Telegram ``result.json``, DiscordChatExporter JSON/CSV,
plain ``Name: text`` with or without ``[HH:MM]``, SRT with ``NAME:`` or ``- ``, WebVTT
``<v Name>``). Times are made up and deterministic. The index lists, per story: file,
format, kind, style, split, the number of messages a parser must find, the speakers and
texts, the turning message indices and each turn's expected valence direction.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
NNBSP = "\u202f"
LRM = "\u200e"
NOTICE = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them."
)


@dataclass
class Story:
    id: str
    kind: str
    format: str
    style: str
    split: str
    messages: list[tuple[str, str]] = field(default_factory=list)
    turns: list[int] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)


def read_stories(path: Path) -> list[Story]:
    stories: list[Story] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("# "):
            continue
        if raw.startswith("## "):
            sid, kind, fmt, style, split = (x.strip() for x in raw[3:].split("|"))
            stories.append(Story(sid, kind, fmt, style, split))
            continue
        story = stories[-1]
        if raw.startswith(">"):
            direction, raw = raw[1:].split(" ", 1)
            story.turns.append(len(story.messages))
            story.directions.append(direction)
        speaker, text = raw.split(": ", 1)
        story.messages.append((speaker, text))
    return stories


def times(story: Story, number: int) -> list[datetime]:
    """One time per message: 1-3 minutes apart, 40 minutes before each turn."""
    t = datetime(2024, 3, 1, 18, 5) + timedelta(days=number, minutes=7 * number)
    out = []
    for i in range(len(story.messages)):
        if i in story.turns:
            t += timedelta(minutes=40)
        t += timedelta(minutes=1 + (i * 7) % 3, seconds=(i * 13) % 60)
        out.append(t)
    return out


def whatsapp_android(story: Story, ts: list[datetime], us: bool) -> str:
    def stamp(t: datetime) -> str:
        if us:
            hour = t.hour % 12 or 12
            ampm = "AM" if t.hour < 12 else "PM"
            return f"{t.month}/{t.day}/{t.year % 100}, {hour}:{t.minute:02d}{NNBSP}{ampm}"
        return f"{t.day:02d}/{t.month:02d}/{t.year}, {t.hour:02d}:{t.minute:02d}"

    lines = [f"{stamp(ts[0])} - {NOTICE} Tap to learn more."]
    lines += [f"{stamp(t)} - {s}: {x}" for t, (s, x) in zip(ts, story.messages, strict=True)]
    return "\n".join(lines) + "\n"


def whatsapp_ios(story: Story, ts: list[datetime]) -> str:
    def stamp(t: datetime) -> str:
        return f"[{t.day:02d}/{t.month:02d}/{t.year}, {t:%H:%M:%S}]"

    other = story.messages[1][0] if len(story.messages) > 1 else story.messages[0][0]
    lines = [f"{LRM}{stamp(ts[0])} {other}: {LRM}{NOTICE}"]
    lines += [f"{stamp(t)} {s}: {x}" for t, (s, x) in zip(ts, story.messages, strict=True)]
    return "\n".join(lines) + "\n"


def telegram(story: Story, ts: list[datetime]) -> str:
    people = list(dict.fromkeys(s for s, _ in story.messages))
    ids = {p: f"user{100010000 + 7919 * k}" for k, p in enumerate(people)}
    messages = [
        {
            "id": 2000 + i,
            "type": "message",
            "date": t.isoformat(timespec="seconds"),
            "date_unixtime": str(int((t - datetime(1970, 1, 1)).total_seconds())),
            "from": s,
            "from_id": ids[s],
            "text": x,
            "text_entities": [{"type": "plain", "text": x}],
        }
        for i, (t, (s, x)) in enumerate(zip(ts, story.messages, strict=True))
    ]
    kind = "personal_chat" if len(people) == 2 else "private_group"
    root = {"name": people[-1], "type": kind, "id": 4000 + len(story.id), "messages": messages}
    return json.dumps(root, ensure_ascii=False, indent=1) + "\n"


def _discord_stamp(t: datetime) -> str:
    return f"{t:%Y-%m-%dT%H:%M:%S}.000+00:00"


def discord_json(story: Story, ts: list[datetime]) -> str:
    people = list(dict.fromkeys(s for s, _ in story.messages))
    authors = {
        p: {
            "id": str(170000000000100000 + 9173 * k),
            "name": p.lower().replace(" ", "_"),
            "discriminator": "0000",
            "nickname": p,
            "color": None,
            "isBot": False,
            "roles": [],
            "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
        }
        for k, p in enumerate(people)
    }
    messages = [
        {
            "id": str(1214000000000000000 + i),
            "type": "Default",
            "timestamp": _discord_stamp(t),
            "timestampEdited": None,
            "callEndedTimestamp": None,
            "isPinned": False,
            "content": x,
            "author": authors[s],
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [],
            "inlineEmojis": [],
        }
        for i, (t, (s, x)) in enumerate(zip(ts, story.messages, strict=True))
    ]
    root = {
        "guild": {"id": "1214000000000000000", "name": "Story Server", "iconUrl": ""},
        "channel": {
            "id": "1214000000000000001",
            "type": "GuildTextChat",
            "categoryId": "1214000000000000002",
            "category": "Text Channels",
            "name": story.id,
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": _discord_stamp(ts[-1] + timedelta(days=1)),
        "messages": messages,
        "messageCount": len(messages),
    }
    return json.dumps(root, ensure_ascii=False, indent=2) + "\n"


def discord_csv(story: Story, ts: list[datetime]) -> str:
    people = list(dict.fromkeys(s for s, _ in story.messages))
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"])
    for t, (s, x) in zip(ts, story.messages, strict=True):
        author_id = str(170000000000200000 + 9173 * people.index(s))
        w.writerow([author_id, s, _discord_stamp(t), x, "", ""])
    return buf.getvalue().replace(
        '"AuthorID","Author","Date","Content","Attachments","Reactions"',
        "AuthorID,Author,Date,Content,Attachments,Reactions",
    )


def plain(story: Story, ts: list[datetime], stamped: bool) -> str:
    lines = []
    for t, (s, x) in zip(ts, story.messages, strict=True):
        lines.append(f"[{t:%H:%M}] {s}: {x}" if stamped else f"{s}: {x}")
    return "\n".join(lines) + "\n"


def _cue_times(story: Story) -> list[tuple[float, float]]:
    out, t = [], 1.0
    for _, x in story.messages:
        dur = 1.2 + 0.06 * len(x)
        out.append((t, t + dur))
        t += dur + 0.4
    return out


def _clock(sec: float, sep: str) -> str:
    ms = round(sec * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt(story: Story, names: bool) -> str:
    blocks = []
    for i, ((a, b), (s, x)) in enumerate(zip(_cue_times(story), story.messages, strict=True)):
        line = f"{s.upper()}: {x}" if names else f"- {x}"
        blocks.append(f"{i + 1}\n{_clock(a, ',')} --> {_clock(b, ',')}\n{line}\n")
    return "\n".join(blocks)


def vtt(story: Story) -> str:
    blocks = ["WEBVTT\n"]
    for (a, b), (s, x) in zip(_cue_times(story), story.messages, strict=True):
        blocks.append(f"{_clock(a, '.')} --> {_clock(b, '.')}\n<v {s}>{x}</v>\n")
    return "\n".join(blocks)


SUFFIX = {
    "whatsapp_android_us": ".txt",
    "whatsapp_android_eu": ".txt",
    "whatsapp_ios": ".txt",
    "telegram": ".json",
    "discord_json": ".json",
    "discord_csv": ".csv",
    "plain": ".txt",
    "plain_stamped": ".txt",
    "srt_names": ".srt",
    "srt_dash": ".srt",
    "vtt": ".vtt",
}


def render(story: Story, number: int) -> str:
    ts = times(story, number)
    fmt = story.format
    if fmt.startswith("whatsapp_android"):
        return whatsapp_android(story, ts, us=fmt.endswith("_us"))
    if fmt == "whatsapp_ios":
        return whatsapp_ios(story, ts)
    if fmt == "telegram":
        return telegram(story, ts)
    if fmt == "discord_json":
        return discord_json(story, ts)
    if fmt == "discord_csv":
        return discord_csv(story, ts)
    if fmt.startswith("plain"):
        return plain(story, ts, stamped=fmt == "plain_stamped")
    if fmt.startswith("srt"):
        return srt(story, names=fmt == "srt_names")
    if fmt == "vtt":
        return vtt(story)
    raise ValueError(f"unknown format {fmt!r}")


def main() -> None:
    stories = read_stories(HERE / "stories.txt")
    index = []
    for number, story in enumerate(stories):
        name = f"{story.id}_{story.format}{SUFFIX[story.format]}"
        (HERE / name).write_text(render(story, number), encoding="utf-8", newline="")
        index.append(
            {
                "id": story.id,
                "file": name,
                "format": story.format,
                "kind": story.kind,
                "style": story.style,
                "split": story.split,
                "n_messages": len(story.messages),
                "turns": story.turns,
                "directions": story.directions,
                "messages": [list(m) for m in story.messages],
            }
        )
    text = json.dumps({"stories": index}, ensure_ascii=False, indent=1)
    (HERE / "index.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(index)} stories written to {HERE}")


if __name__ == "__main__":
    main()
