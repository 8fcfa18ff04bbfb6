"""JSON views of moods and songs (what ``--json``, ``score.json`` and the API show).

Their shapes are the typed dictionaries of :mod:`composer.score` (``score.schema.json``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from composer.chat.model import Chat
from composer.mood.model import VAD, Mood
from composer.music.model import Song

if TYPE_CHECKING:  # types only: the default path does not import the schema module
    from composer import score


def _vad(v: VAD) -> score.VAD:
    return {
        "valence": round(v.valence, 4),
        "arousal": round(v.arousal, 4),
        "dominance": round(v.dominance, 4),
    }


def mood_summary(mood: Mood) -> score.MoodSummary:
    """The overall mood vector."""
    return {**_vad(mood.overall), "tension": round(mood.tension, 4), "model": mood.model}


def mood_view(chat: Chat, mood: Mood) -> score.MoodView:
    """Everything ``photograph mood --json`` prints: overall, per message, speakers, arc."""
    messages: list[score.MessageMood] = []
    for msg, mm in zip(chat.messages, mood.messages, strict=True):
        messages.append(
            {
                "speaker": msg.speaker,
                "time": msg.time.isoformat() if msg.time else None,
                "text": msg.text,
                **_vad(mm.vad),
            }
        )
    segments: list[score.Segment] = []
    for seg in mood.segments:
        segments.append(
            {
                "start": seg.start,
                "end": seg.end,
                **_vad(seg.vad),
                "dominant_speaker": seg.dominant_speaker,
                "drivers": [
                    {
                        "index": i,
                        "speaker": chat.messages[i].speaker,
                        "text": chat.messages[i].text[:200],
                    }
                    for i in seg.drivers
                ],
            }
        )
    return {
        "mood": mood_summary(mood),
        "messages": messages,
        "speakers": {
            s.name: {"messages": s.messages, "share": round(s.share, 4), **_vad(s.vad)}
            for s in mood.speakers
        },
        "arc": [_vad(v) for v in mood.arc],
        "segments": segments,
        "format": chat.format,
    }


def song_view(song: Song) -> score.SongView:
    """Every musical choice of a song."""
    num, den = song.time_signature
    return {
        "title": song.title,
        "key": song.key.name,
        "tempo": song.tempo,
        "time_signature": f"{num}/{den}",
        "style": song.style,
        "seed": song.seed,
        "bars": song.bars,
        "duration_s": round(song.duration_s, 3),
        "sections": [
            {
                "name": s.name,
                "start_bar": s.start_bar,
                "bars": s.bars,
                "key": s.key.name,
                "valence": s.valence,
                "arousal": s.arousal,
            }
            for s in song.sections
        ],
        "speakers": [
            {
                "name": sp.name,
                "motif": [[step, beats] for step, beats in sp.motif],
                "appearances": [{"section": sec, "bar": b} for sec, b in sp.appearances],
            }
            for sp in song.speakers
        ],
        "tempo_changes": [[beat, bpm] for beat, bpm in song.tempo_changes],
        "timeline": [
            {"bar": b.bar, "section": b.section, "messages": list(b.messages)}
            for b in song.timeline
        ],
        "chords": [
            {"start": c.start, "beats": c.duration, "symbol": c.symbol} for c in song.chords
        ],
        "parts": [
            {
                "name": p.name,
                "program": p.program,
                "channel": p.channel,
                "notes": len(p.notes),
                "pedal": bool(p.pedal),
            }
            for p in song.parts
        ],
    }


def notes_view(song: Song) -> list[score.NoteEvent]:
    """All notes in seconds, for a piano roll: part index, pitch, start, duration, velocity."""
    out: list[score.NoteEvent] = []
    for i, p in enumerate(song.parts):
        for n in p.notes:
            on = song.seconds(n.start)  # through the tempo changes (the ritardando)
            out.append(
                {
                    "part": i,
                    "pitch": n.pitch,
                    "start": round(on, 4),
                    "duration": round(song.seconds(n.end) - on, 4),
                    "velocity": n.velocity,
                }
            )
    return out
