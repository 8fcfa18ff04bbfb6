"""The synth engine's render_encoded, the pipeline using it, and prewarm."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from composer.album import Album
from composer.audio.fluid import load_library
from composer.engines import synth as synth_engine
from composer.errors import EngineUnavailableError
from composer.music.compose import SongOptions
from composer.pipeline import Composition, Request, compose, save

try:
    load_library()
except EngineUnavailableError as exc:
    pytest.skip(str(exc), allow_module_level=True)

soundfile = pytest.importorskip("soundfile")
pyln = pytest.importorskip("pyloudnorm")


@pytest.fixture(scope="module")
def composition() -> tuple[Request, Composition]:
    request = Request(moment="a slow walk home in the rain", song=SongOptions(length_s=12.0))
    return request, compose(request)


def test_pipeline_keeps_the_file_encoded_while_rendering(
    composition: tuple[Request, Composition], tmp_path: Path
) -> None:
    request, comp = composition
    assert comp.audio is not None and comp.audio_file is not None
    samples = comp.audio.samples
    decoded, rate = soundfile.read(io.BytesIO(comp.audio_file), always_2d=True)
    assert rate == 44100 and decoded.shape == samples.shape
    loudness = pyln.Meter(44100).integrated_loudness(samples.astype(np.float64))
    assert loudness == pytest.approx(synth_engine.TARGET_LUFS, abs=0.5)
    assert np.abs(samples).max() <= 10 ** (synth_engine.CEILING_DBFS / 20)

    record = save(comp, request, Album(tmp_path))
    assert record.audio is not None and record.audio.read_bytes() == comp.audio_file
    levels = json.loads(record.score.read_text())["audio"]
    assert levels["loudness_lufs"] == pytest.approx(loudness, abs=0.1)
    assert levels["peak_dbfs"] <= synth_engine.CEILING_DBFS


def test_engine_render_encoded_matches_render(composition: tuple[Request, Composition]) -> None:
    _, comp = composition
    engine = synth_engine.create()
    stages: list[str] = []
    rendered = engine.render_encoded(
        comp.song,
        comp.midi,
        "wav",
        progress=lambda s, d, t: stages.append(s),
    )
    plain = engine.render(comp.song, comp.midi)
    assert rendered.fmt == "wav" and rendered.audio.samples.shape == plain.samples.shape
    assert abs(rendered.loudness_lufs - synth_engine.TARGET_LUFS) <= 0.5
    assert stages[0] == "render" and stages[-1] == "normalize"


def test_prewarm_runs_in_the_background_and_swallows_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from composer.audio import stream, synth

    monkeypatch.setattr(synth, "_slots", {})
    synth_engine.prewarm({}).join(timeout=30)
    warmed = {key[1:] for key, slot in synth._slots.items() if slot.synth}
    parts = {(stream.PREPASS_RATE, 1, part) for part in range(stream.PREPASS_PARTS)}
    assert warmed == {(44100, stream.STREAM_THREADS, 0), *parts}
    bad = synth_engine.prewarm({"soundfont": "/no/such/file.sf2"})
    bad.join(timeout=30)
    assert not bad.is_alive()
