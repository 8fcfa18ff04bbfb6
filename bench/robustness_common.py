"""What ``bench/robustness.py`` and ``bench/robustness_concurrency.py`` share.

The command that runs the real CLI, the words moments and chats are made of, and the
check that a song folder is complete. Neither script is imported here (``robustness.py``
runs as ``__main__``).
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHOTOGRAPH = ROOT / ".venv" / "bin" / "photograph"
CLI = [str(PHOTOGRAPH)] if PHOTOGRAPH.exists() else [sys.executable, "-m", "composer.cli"]
WORDS = ("love", "sorry", "why", "happy", "angry", "miss you", "tonight", "home", "ok", "ugh")


def song_problem(song: Path) -> str:
    """Empty for a complete song; else what is missing or broken."""
    import mido
    import soundfile

    try:
        mid = mido.MidiFile(file=io.BytesIO((song / "song.mid").read_bytes()), clip=False)
        if not mid.tracks or any(t[-1].type != "end_of_track" for t in mid.tracks):
            return "song.mid is not closed"
        files = json.loads((song / "score.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, EOFError) as exc:
        return f"{type(exc).__name__}: {exc}"
    for role, name in files.items():
        if not (song / name).is_file():
            return f"lists {name} but lacks it"
        if role == "audio":
            try:
                if soundfile.info(str(song / name)).frames <= 0:
                    return f"{name} is empty"
            except (RuntimeError, soundfile.LibsndfileError) as exc:
                return f"{name} unreadable: {exc}"
    return ""
