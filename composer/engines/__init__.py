"""Audio engines, loaded by name on first use (mido-style backends).

An engine turns a :class:`~composer.music.model.Song` (and its MIDI bytes, the source of
truth) into :class:`~composer.audio.model.Audio`. Optional engines import their heavy
dependencies (torch, transformers, audiocraft) only inside their module, so asking for
``synth`` never pays for them.

Each engine module defines ``create(**options) -> Engine``. An engine that also encodes
while it renders is an :class:`EncodingEngine`, one that renders several songs as one batch
a :class:`BatchEngine`; the pipeline asks for those by type.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from composer.audio.model import Audio
from composer.errors import OptionError
from composer.music.model import Song
from composer.progress import Progress

if TYPE_CHECKING:
    from composer.audio.stream import Rendered

# name -> module path; the module is imported only when the engine is asked for.
ENGINES: dict[str, str] = {
    "synth": "composer.engines.synth",
    "musicgen": "composer.engines.musicgen",
    "audiocraft": "composer.engines.audiocraft",
}


@runtime_checkable
class Engine(Protocol):
    """What every engine provides: everything :mod:`composer.pipeline` calls."""

    @property
    def name(self) -> str:
        """The engine's name (a key of :data:`ENGINES`)."""
        ...

    @property
    def warnings(self) -> Sequence[str]:
        """One-line notices for the user (a fallback SoundFont, a slow device...); read
        after :meth:`render`, which may add some."""
        ...

    def render(self, song: Song, midi: bytes, *, seed: int, progress: Progress) -> Audio:
        """Render the song to audio; report progress as (stage, done, total)."""
        ...


@runtime_checkable
class EncodingEngine(Engine, Protocol):
    """An engine that encodes the audio file while it renders (see composer.audio.stream)."""

    def render_encoded(
        self, song: Song, midi: bytes, fmt: str, *, seed: int, progress: Progress
    ) -> Rendered:
        """:meth:`render`, plus the file in ``fmt`` and its measured loudness and peak."""
        ...


@runtime_checkable
class BatchEngine(Engine, Protocol):
    """An engine that renders several songs as one batch (MusicGen on the ``gpu`` queue)."""

    def render_batch(self, songs: Sequence[Any]) -> list[Audio]:
        """Render ``BatchSong``s (song, seed, progress; :mod:`composer.engines.musicgen_batch`)
        together; each song's audio does not depend on the others."""
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
    engine = module.create(**options)
    if not isinstance(engine, Engine):  # a programming error in the engine module
        raise TypeError(f"engine {name!r} does not provide the Engine protocol")
    return engine


if TYPE_CHECKING:  # mypy checks that every engine provides the protocols it claims
    from composer.engines.audiocraft import AudiocraftEngine
    from composer.engines.musicgen import MusicgenEngine
    from composer.engines.synth import SynthEngine

    _PLAIN: tuple[type[Engine], ...] = (MusicgenEngine, AudiocraftEngine)
    _ENCODING: tuple[type[EncodingEngine], ...] = (SynthEngine,)
    _BATCH: tuple[type[BatchEngine], ...] = (MusicgenEngine,)
