"""What ``bench/fuzz.py`` checks in every outcome: MIDI files, audio files, tracebacks.

Shared by the runner (``bench/fuzz.py``) and the ``api`` target (``bench/fuzz_api.py``).
"""

from __future__ import annotations

import io
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class Outcome:
    """What one target did with one case."""

    code: int | None  # exit code; None when a traceback escaped
    problem: str = ""  # traceback summary, or what was wrong with stderr
    midi: list[bytes] = field(default_factory=list)
    audio: bool = False
    message: str = ""  # the error line a user saw, for the histogram


def summary(exc: BaseException) -> str:
    """One line: the exception, where in ``composer`` it was raised, its message."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/composer/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__} at {where}: {' '.join(str(exc).split())[:160]}"


def check_mido(data: bytes) -> str:
    """Empty when mido reads the file strictly and it is well-formed, else the problem."""
    import mido

    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=False)
    except Exception as exc:
        return f"mido cannot read it: {summary(exc)}"
    if mid.type != 1 or not mid.tracks:
        return f"type {mid.type} with {len(mid.tracks)} tracks"
    notes = 0
    for i, track in enumerate(mid.tracks):
        if not track or track[-1].type != "end_of_track":
            return f"track {i} does not end with end_of_track"
        sounding: Counter[tuple[int, int]] = Counter()
        for msg in track:
            if msg.type == "note_on" and msg.velocity > 0:
                sounding[(msg.channel, msg.note)] += 1
                notes += 1
            elif msg.type in ("note_on", "note_off"):
                sounding[(msg.channel, msg.note)] -= 1
        if any(v != 0 for v in sounding.values()):
            return f"track {i} has unbalanced note on/off"
    if notes == 0:
        return "no notes"
    again = io.BytesIO()
    mid.save(file=again)
    return "" if again.getvalue() == data else "not byte-identical when saved again"


def check_music21(data: bytes) -> str:
    """Empty when ``music21.converter.parse`` reads the file and finds notes."""
    import music21

    try:
        score = music21.converter.parse(data, format="midi")
        if not score.recurse().notes:
            return "music21 found no notes"
    except Exception as exc:
        return f"music21: {summary(exc)}"
    return ""


def audio_file_ok(path: Path) -> bool:
    """The audio file exists and soundfile reads frames from it."""
    import soundfile

    try:
        return path.is_file() and soundfile.info(str(path)).frames > 0
    except (RuntimeError, soundfile.LibsndfileError):
        return False


def audio_bytes_ok(data: bytes) -> bool:
    """Soundfile reads frames from the audio bytes."""
    import soundfile

    try:
        return soundfile.info(io.BytesIO(data)).frames > 0
    except (RuntimeError, soundfile.LibsndfileError):
        return False
