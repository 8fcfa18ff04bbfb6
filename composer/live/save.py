"""A finished live session saved as a normal album entry.

``song.mid`` holds every note that was played, the audio file is what was streamed (the
same blocks, brought to the album's loudness by one gain and the limiter), and
``score.json`` is the usual document (the conversation read as a whole for ``mood``)
plus ``live``: which message led to which bar and response.
"""

from __future__ import annotations

import json
from dataclasses import replace

from composer.album import Record, new_song_id
from composer.audio.formats import DEFAULT_FORMAT, audio_format
from composer.audio.model import Audio
from composer.chat.model import Chat, Message
from composer.errors import InputError
from composer.live.session import RATE, LiveSession
from composer.music.options import SongOptions
from composer.pipeline import Composition, Request, digest_of, score_document
from composer.score import LiveTimeline
from composer.storage import Storage


def live_view(session: LiveSession) -> LiveTimeline:
    """The ``live`` part of ``score.json``."""
    c = session.composer
    return {
        "responses": [
            {
                "message": r.message,
                "speaker": r.speaker,
                "kind": r.kind,
                "arrived_s": round(session.messages[r.message][2], 3),
                "time_s": round(session.seconds(r.beat), 3),
                "beat": r.beat,
                "bar": r.bar + 1,
            }
            for r in c.responses
        ],
        "bars": [
            {
                "bar": b.bar + 1,
                "time_s": round(session.seconds(b.beat), 3),
                "section": b.section,
                "key": b.key,
                "chord": b.chord,
                "mood": {"valence": b.mood[0], "arousal": b.mood[1], "dominance": b.mood[2]},
            }
            for b in c.bars
            if c.end_beat is None or b.beat < c.end_beat
        ],
        "modulations": [
            {"bar": bar + 1, "from_key": old, "to_key": new, "pivot": pivot}
            for bar, old, new, pivot in c.modulations
        ],
    }


def save(
    session: LiveSession, album: Storage, *, fmt: str = DEFAULT_FORMAT, name: str | None = None
) -> Record:
    """Write the session's song into the album (atomically, as any song).

    Raises
    ------
    InputError
        Nobody wrote anything (there is no conversation to name the song after).
    StorageError, OptionError
        As the album's ``save`` (a folder or a bucket: :mod:`composer.storage`).
    """
    from composer.audio.files import encode_audio
    from composer.audio.loudness import integrated_loudness, normalize
    from composer.midi import to_midi
    from composer.mood import analyse

    audio_format(fmt)  # OptionError for an unknown format, before any work
    if not session.messages:
        raise InputError("nobody wrote anything: no live song to save")
    song = session.composer.song()
    midi = to_midi(song)
    chat = Chat(tuple(Message(s, t) for s, t, _ in session.messages), "live")
    mood = analyse(chat)
    audio = normalize(Audio(session.audio(), RATE))
    loudness = integrated_loudness(audio)
    peak = float(abs(audio.samples).max()) if audio.samples.size else 0.0
    import math

    levels = (loudness, 20 * math.log10(peak) if peak > 0 else -math.inf)
    digest = digest_of(chat)
    comp = Composition(chat, mood, song, midi, audio, digest, (), None, levels)
    o = session.composer.options
    length = round(min(600.0, max(10.0, song.duration_s)), 1)
    opts = replace(SongOptions(), seed=o.seed, style=o.style, title=o.title, length_s=length)
    request = Request(song=opts, audio_format=fmt, engine="synth")
    files: dict[str, bytes] = {"song.mid": midi}
    audio_name = "song" + audio_format(fmt).extension
    files[audio_name] = encode_audio(audio, fmt)
    sid = name or new_song_id(chat.messages[0].text, digest[:6])
    listing = {"midi": "song.mid", "audio": audio_name, "score": "score.json"}
    doc = score_document(comp, request, sid, listing)
    doc["live"] = live_view(session)
    files["score.json"] = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    return album.save(files, sid)
