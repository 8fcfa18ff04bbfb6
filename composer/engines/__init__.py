"""Audio engines, loaded by name on first use (mido-style backends).

An engine turns a :class:`~composer.music.model.Song` (and its MIDI bytes, the source of
truth) into :class:`~composer.audio.model.Audio`. Optional engines import their heavy
dependencies (torch, transformers, audiocraft) only inside their module, so asking for
``synth`` never pays for them.

Each engine module defines ``create(**options) -> Engine``.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from composer.audio.model import Audio
from composer.errors import OptionError
from composer.music.model import Song
from composer.progress import Progress

# name -> module path; the module is imported only when the engine is asked for.
ENGINES: dict[str, str] = {
    "synth": "composer.engines.synth",
    "musicgen": "composer.engines.musicgen",
    "audiocraft": "composer.engines.audiocraft",
}


class Engine(Protocol):
    """What every engine provides."""

    name: str

    def render(self, song: Song, midi: bytes, *, seed: int, progress: Progress) -> Audio:
        """Render the song to audio; report progress as (stage, done, total)."""
        ...


def load_engine(name: str, **options: Any) -> Engine:
    """Import the engine module by name and create the engine.

    Raises
    ------
    OptionError
        Unknown engine name.
    EngineUnavailableError
        The engine's optional dependencies or model files are missing (raised by the module).
    """
    try:
        module_path = ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        raise OptionError(f"unknown engine {name!r}; choose one of: {known}") from None
    module = importlib.import_module(module_path)
    engine: Engine = module.create(**options)
    return engine
