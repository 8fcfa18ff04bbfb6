"""The synth engine: create(), render() at -16 LUFS, the fallback note, the registry."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import mido
import numpy as np
import pytest

from composer.audio import soundfont as sf_module
from composer.audio.fluid import load_library
from composer.engines import load_engine
from composer.engines import synth as synth_engine
from composer.errors import EngineUnavailableError, NotFoundError, OptionError
from composer.music.model import Key, Song

try:
    load_library()
except EngineUnavailableError as exc:
    pytest.skip(str(exc), allow_module_level=True)

pyln = pytest.importorskip("pyloudnorm")

SONG = Song(
    title="t", key=Key(0, "major"), tempo=100, time_signature=(4, 4), sections=(), chords=(),
    parts=(), speakers=(), seed=1, style="test",
)  # fmt: skip


def piano_with_pedal() -> bytes:
    """Two bars of C-major arpeggios with the sustain pedal, plus a string pad."""
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    piano = mido.MidiTrack([mido.Message("program_change", channel=0, program=0)])
    piano.append(mido.Message("control_change", channel=0, control=64, value=127))
    for i, pitch in enumerate([60, 64, 67, 72, 67, 64, 60, 55] * 2):
        piano.append(mido.Message("note_on", channel=0, note=pitch, velocity=60 + 4 * i, time=0))
        piano.append(mido.Message("note_off", channel=0, note=pitch, time=240))
    piano.append(mido.Message("control_change", channel=0, control=64, value=0))
    strings = mido.MidiTrack([mido.Message("program_change", channel=1, program=48)])
    for pitch in (48, 55, 64):
        strings.append(mido.Message("note_on", channel=1, note=pitch, velocity=50))
    strings.append(mido.Message("note_off", channel=1, note=48, time=8 * 240))
    strings.extend(mido.Message("note_off", channel=1, note=p) for p in (55, 64))
    mid.tracks.extend([piano, strings])
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


def test_create_finds_the_soundfont_and_library() -> None:
    engine = synth_engine.create()
    assert engine.name == "synth"
    assert engine.soundfont.is_file()
    assert engine.sample_rate == 44100


def test_registry_loads_the_synth_engine() -> None:
    engine = load_engine("synth", sample_rate=22050)
    assert isinstance(engine, synth_engine.SynthEngine) and engine.sample_rate == 22050


def test_render_is_normalised_to_minus_16_lufs_under_the_ceiling() -> None:
    stages: list[str] = []
    engine = synth_engine.create()
    audio = engine.render(
        SONG, piano_with_pedal(), seed=3, progress=lambda s, d, t: stages.append(s)
    )
    assert audio.sample_rate == 44100 and audio.samples.shape[1] == 2
    assert audio.samples.shape[0] == round((4.0 + 2.0) * 44100)  # 16 eighths at 120 BPM + tail
    loudness = pyln.Meter(44100).integrated_loudness(audio.samples.astype(np.float64))
    assert loudness == pytest.approx(synth_engine.TARGET_LUFS, abs=0.5)
    assert np.abs(audio.samples).max() <= 10 ** (synth_engine.CEILING_DBFS / 20)
    assert stages[0] == "render" and stages[-1] == "normalize"


def test_render_is_deterministic_and_ignores_the_seed() -> None:
    engine = synth_engine.create()
    first = engine.render(SONG, piano_with_pedal(), seed=1, progress=lambda *a: None)
    second = engine.render(SONG, piano_with_pedal(), seed=2, progress=lambda *a: None)
    np.testing.assert_array_equal(first.samples, second.samples)


def test_fallback_soundfont_sets_the_note(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if importlib.util.find_spec(sf_module.FALLBACK_PACKAGE) is None:
        pytest.skip("pretty_midi (which bundles TimGM6mb.sf2) is not installed")
    monkeypatch.delenv(sf_module.ENV_VAR, raising=False)
    monkeypatch.setattr(sf_module, "DEFAULT_SOUNDFONTS", (tmp_path / "FluidR3_GM.sf2",))
    engine = synth_engine.create()
    assert engine.note is not None and "TimGM6mb" in engine.note
    assert engine.soundfont.name == "TimGM6mb.sf2"
    audio = engine.render(SONG, piano_with_pedal(), seed=0, progress=lambda *a: None)
    assert np.abs(audio.samples).max() > 0.1


def test_default_bank_has_no_note() -> None:
    engine = synth_engine.create()
    if engine.soundfont.name != "FluidR3_GM.sf2":
        pytest.skip("FluidR3_GM.sf2 is not installed here")
    assert engine.note is None


def test_missing_explicit_soundfont_and_bad_rate(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        synth_engine.create(soundfont=str(tmp_path / "missing.sf2"))
    with pytest.raises(OptionError):
        synth_engine.create(sample_rate=4000)


def test_warm_loads_once() -> None:
    engine = synth_engine.create()
    engine.warm()
    engine.warm()
    audio = engine.render(SONG, piano_with_pedal(), seed=0, progress=lambda *a: None)
    assert audio.duration_s == pytest.approx(6.0)
