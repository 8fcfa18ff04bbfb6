"""A fast stand-in for the pipeline: real MIDI and Ogg bytes, a score.json of the real shape.

Module-level functions, so a process pool can pickle them.
"""

from __future__ import annotations

import io
import json
import math

import mido
import numpy as np
import soundfile

from composer.album import Record
from composer.audio.files import encode_audio
from composer.audio.formats import audio_format
from composer.audio.model import Audio
from composer.errors import InputError
from composer.pipeline import Request
from composer.progress import Progress
from composer.score import MessageMood, NoteEvent, Score
from composer.storage import Storage

SAMPLE_RATE = 22050


def midi_bytes(pitches: list[int]) -> bytes:
    """A one-track Standard MIDI File with the given pitches, a quarter note each."""
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for p in pitches:
        track.append(mido.Message("note_on", note=p, velocity=70, time=0))
        track.append(mido.Message("note_off", note=p, velocity=0, time=480))
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def ogg_bytes(seconds: float, freq: float = 440.0) -> bytes:
    """A quiet sine tone as Ogg Vorbis."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = (0.2 * np.sin(2 * math.pi * freq * t)).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(
        out, np.stack([tone, tone], axis=1), SAMPLE_RATE, format="OGG", subtype="VORBIS"
    )
    return out.getvalue()


def audio_file(fmt: str, seconds: float) -> dict[str, bytes]:
    """``{"song.<ext>": bytes}``: the fake's tone in the requested format (Ogg: as above)."""
    spec = audio_format(fmt)
    if spec.name == "ogg":
        return {"song.ogg": ogg_bytes(seconds)}
    rate = spec.rate_for(SAMPLE_RATE)
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.2 * np.sin(2 * math.pi * 440.0 * t)).astype(np.float32)
    return {"song" + spec.extension: encode_audio(Audio(np.stack([tone, tone], 1), rate), fmt)}


def score_doc(song_id: str, text: str, seconds: float) -> Score:
    """A score.json of the pipeline's schema (``composer.score.Score``; tests/test_score.py
    checks it against that schema)."""
    words = text.split() or ["hello"]
    speakers = ["Ann", "Ben"]
    messages: list[MessageMood] = [
        {
            "speaker": speakers[i % 2],
            "time": None,
            "text": w,
            "valence": round(math.sin(i) / 2, 4),
            "arousal": round(math.cos(i) / 3, 4),
            "dominance": 0.0,
        }
        for i, w in enumerate(words)
    ]
    notes: list[NoteEvent] = [
        {
            "part": i % 2,
            "pitch": 60 + (i * 5) % 24,
            "start": i * 0.5,
            "duration": 0.45,
            "velocity": 80,
        }
        for i in range(int(seconds * 2))
    ]
    return {
        "id": song_id,
        "created": "2025-01-01T00:00:00+00:00",
        "input": {
            "digest": "0" * 64,
            "format": "plain",
            "messages": len(messages),
            "speakers": speakers,
        },
        "seed": 7,
        "options": {
            "seed": 7,
            "length_s": seconds,
            "style": "photograph",
            "valence": None,
            "arousal": None,
            "humanize": False,
            "title": "Fake",
            "audio_format": "ogg",
            "engine": "synth",
        },
        "mood": {
            "mood": {
                "valence": 0.25,
                "arousal": -0.1,
                "dominance": 0.0,
                "tension": 0.1,
                "model": "fake",
            },
            "messages": messages,
            "speakers": {
                s: {"messages": 1, "share": 0.5, "valence": 0.2, "arousal": 0.0, "dominance": 0.0}
                for s in speakers
            },
            "arc": [
                {"valence": m["valence"], "arousal": m["arousal"], "dominance": 0.0}
                for m in messages
            ],
            "segments": [
                {
                    "start": 0,
                    "end": len(messages),
                    "valence": 0.25,
                    "arousal": -0.1,
                    "dominance": 0.0,
                    "dominant_speaker": "Ann",
                    "drivers": [],
                }
            ],
            "format": "plain",
        },
        "song": {
            "title": "Fake",
            "key": "D minor",
            "tempo": 72,
            "time_signature": "3/4",
            "style": "photograph",
            "seed": 7,
            "bars": 8,
            "duration_s": seconds,
            "sections": [
                {
                    "name": "A",
                    "start_bar": 0,
                    "bars": 8,
                    "key": "D minor",
                    "valence": 0.25,
                    "arousal": -0.1,
                }
            ],
            "speakers": [
                {
                    "name": s,
                    "motif": [[0, 1.0], [2, 0.5], [4, 1.5]],
                    "appearances": [{"section": "A", "bar": 1}],
                }
                for s in speakers
            ],
            "tempo_changes": [[0.0, 72.0]],
            "timeline": [{"bar": 1, "section": "A", "messages": [0]}],
            "chords": [],
            "parts": [
                {"name": "piano", "program": 0, "channel": 0, "notes": len(notes), "pedal": True}
            ],
        },
        "notes": notes,
        "files": {"midi": "song.mid", "audio": "song.ogg", "score": "score.json"},
        "versions": {"photograph": "test"},
    }


def _text(request: Request) -> str:
    if request.moment is not None:
        return request.moment
    data = request.data
    if isinstance(data, bytes):
        if data.startswith(b"PK"):
            return "zip export"
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the input is not text") from None
    return data or ""


def fake_compose(request: Request, progress: Progress, album: Storage, name: str) -> Record:
    """Compose-and-save in a few milliseconds; ``FAIL`` in the text raises an InputError."""
    text = _text(request)
    if "FAIL" in text:
        raise InputError("this chat cannot be read (fake)")
    if "CRASH" in text:
        raise RuntimeError("a bug (fake)")
    for stage, done in (("reading", 0), ("mood", 1), ("composing", 2), ("rendering", 3)):
        progress(stage, done, 4)
    seconds = 2.0
    files = {
        "song.mid": midi_bytes([60, 64, 67, 72]),
        **audio_file(request.audio_format, seconds),
        "score.json": json.dumps(score_doc(name, text, seconds)).encode("utf-8"),
    }
    if request.musicxml:
        files["song.musicxml"] = b'<?xml version="1.0"?><score-partwise version="4.0"/>'
    return album.save(files, name, exclusive=True)
