"""The engine protocols: what the pipeline calls, asked for by type (no attribute probing)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from composer import engines
from composer.audio.model import Audio
from composer.engines import EncodingEngine, Engine, load_engine
from composer.engines.synth import SynthEngine
from composer.music.compose import SongOptions
from composer.music.model import Song
from composer.pipeline import Request, compose
from composer.progress import Progress


class PlainEngine:
    """An engine that only renders (no encoder), and learns of a notice while it does."""

    name = "plain"

    def __init__(self) -> None:
        self.warnings: list[str] = ["before"]
        self.renders = 0

    def render(self, song: Song, midi: bytes, *, seed: int, progress: Progress) -> Audio:
        self.renders += 1
        progress("render", 1.0, 1.0)
        self.warnings.append("found while rendering")
        return Audio(np.zeros((4410, 2), dtype=np.float32), 44100)


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> PlainEngine:
    engine = PlainEngine()
    module = types.ModuleType("photograph_test_plain_engine")
    module.create = lambda **options: engine  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(engines.ENGINES, "plain", module.__name__)
    return engine


def test_synth_engine_is_an_encoding_engine() -> None:
    engine = SynthEngine(soundfont=Path("x.sf2"), note="using the small SoundFont")
    assert isinstance(engine, Engine) and isinstance(engine, EncodingEngine)
    assert engine.warnings == ("using the small SoundFont",)
    assert SynthEngine(soundfont=Path("x.sf2")).warnings == ()


def test_a_plain_engine_is_rendered_and_its_notices_read_after(plain: PlainEngine) -> None:
    assert isinstance(plain, Engine) and not isinstance(plain, EncodingEngine)
    request = Request(moment="a quiet morning", engine="plain", song=SongOptions(length_s=10))
    comp = compose(request)
    assert plain.renders == 1
    assert comp.audio is not None and comp.audio_file is None  # encoded later, by save()
    assert comp.notes == ("before", "found while rendering")


def test_load_engine_refuses_an_object_that_is_no_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("photograph_test_no_engine")
    module.create = lambda **options: object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(engines.ENGINES, "nothing", module.__name__)
    with pytest.raises(TypeError, match="Engine protocol"):
        load_engine("nothing")
