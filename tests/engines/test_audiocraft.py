"""The optional audiocraft adapter, driven through a stand-in ``audiocraft.models`` module.

audiocraft itself cannot be installed next to torch 2.13 (it pins torch 2.1.0), so the
adapter's own logic (prompt, melody, windows, seeds, progress, resampling, errors) is tested
against a fake ``MusicGen`` with audiocraft's API; with the real package the last test runs.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from composer.engines import audiocraft as adapter  # noqa: E402
from composer.engines.chroma import chroma_frames, score_chroma  # noqa: E402
from composer.engines.chroma_audio import audio_chroma  # noqa: E402
from composer.engines.prompt import build_prompt  # noqa: E402
from composer.engines.resample import resampled_length  # noqa: E402
from composer.errors import EngineUnavailableError, NotFoundError, OptionError  # noqa: E402
from composer.music.model import Key, Note, Part, Section, Song  # noqa: E402


class FakeMusicGen:
    """audiocraft.models.MusicGen's surface, generating seeded noise of the asked length."""

    loaded: ClassVar[list[tuple[str, dict[str, Any]]]] = []
    sample_rate = 32_000
    max_duration = 30.0

    def __init__(self, name: str, melody: bool) -> None:
        self.name = name
        conditioners = {"description": object()}
        if melody:
            conditioners["self_wav"] = object()
        self.lm = types.SimpleNamespace(
            condition_provider=types.SimpleNamespace(conditioners=conditioners)
        )
        self.params: dict[str, Any] = {}
        self.calls: list[tuple[str, Any]] = []
        self.callback: Any = None

    @classmethod
    def get_pretrained(cls, name: str, **kwargs: Any) -> FakeMusicGen:
        cls.loaded.append((name, kwargs))
        return cls(name, melody="melody" in name)

    def set_generation_params(self, **params: Any) -> None:
        self.params = params

    def set_custom_progress_callback(self, callback: Any) -> None:
        self.callback = callback

    def _audio(self) -> Any:
        total = int(self.params["duration"] * 50)
        for done in range(0, total + 1, 100):
            self.callback(done, total)
        self.callback(total, total)
        n = int(self.params["duration"] * self.sample_rate)
        return 0.1 * torch.randn(1, 1, n)

    def generate_with_chroma(
        self, descriptions: list[str], melody_wavs: Any, melody_sample_rate: int, progress: bool
    ) -> Any:
        self.calls.append(("chroma", (descriptions, melody_wavs, melody_sample_rate)))
        return self._audio()

    def generate(self, descriptions: list[str], progress: bool) -> Any:
        self.calls.append(("text", descriptions))
        return self._audio()


@pytest.fixture
def fake_audiocraft(monkeypatch: pytest.MonkeyPatch) -> type[FakeMusicGen]:
    package = types.ModuleType("audiocraft")
    models = types.ModuleType("audiocraft.models")
    models.MusicGen = FakeMusicGen  # type: ignore[attr-defined]
    package.models = models  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "audiocraft", package)
    monkeypatch.setitem(sys.modules, "audiocraft.models", models)
    FakeMusicGen.loaded = []
    return FakeMusicGen


def checkpoint(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in adapter.CHECKPOINT_FILES:
        (folder / name).write_bytes(b"\0")
    return folder


def make_song() -> Song:
    key = Key(7, "major")
    tune = tuple(Note(67 + (2 * i) % 7, float(i), 1.0, 90) for i in range(16))
    sections = (Section("A", 0, 4, key, 0.6, 0.2),)
    return Song("t", key, 96, (4, 4), sections, (), (Part("Melody", 0, 0, tune),), (), 3, "piano")


def test_renders_with_the_melody_and_our_prompt(
    fake_audiocraft: type[FakeMusicGen], tmp_path: Path
) -> None:
    folder = checkpoint(tmp_path / "musicgen-melody-ac")
    eng = adapter.create(model=str(folder), window_s=30.0, overlap_s=12.0, guidance_scale=4.0)
    song = make_song()  # 4 bars at 96 bpm = 10 s
    seen: list[tuple[str, float, float]] = []
    audio = eng.render(song, b"", seed=5, progress=lambda s, d, t: seen.append((s, d, t)))
    model = eng._model
    assert fake_audiocraft.loaded == [(str(folder), {})]
    assert model.params["duration"] == pytest.approx(song.duration_s)
    assert model.params["extend_stride"] == pytest.approx(18.0)
    assert model.params["cfg_coef"] == 4.0 and model.params["top_k"] == 250
    ((kind, (descriptions, wav, rate)),) = model.calls
    assert kind == "chroma" and descriptions == [build_prompt(song)] and rate == 32_000
    assert wav.shape[:2] == (1, 1)
    # The guide lasts the song, and the extractor reads it back as the score's chroma:
    # every frame centred in its own tone (not half a frame late), none left over.
    assert wav.shape[2] == round(song.duration_s * 32_000)
    back = audio_chroma(wav[0, 0].numpy())
    assert back.shape == (chroma_frames(song.duration_s), 12)
    assert np.mean(back.argmax(axis=1) == score_chroma(song).argmax(axis=1)) >= 0.98
    assert audio.sample_rate == 44_100 and audio.samples.dtype == np.float32
    n = resampled_length(int(song.duration_s * 32_000), 32_000, 44_100)
    assert audio.samples.shape == (n, 2)
    gen = [d for s, d, _ in seen if s == "generate"]
    assert gen == sorted(gen) and gen[-1] == 500
    assert seen[0] == ("load model", 0.0, 1.0)


def test_same_seed_same_audio(fake_audiocraft: type[FakeMusicGen], tmp_path: Path) -> None:
    eng = adapter.create(model=str(checkpoint(tmp_path / "melody")))
    a = eng.render(make_song(), b"", seed=1).samples
    b = eng.render(make_song(), b"", seed=1).samples
    c = eng.render(make_song(), b"", seed=2).samples
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_text_models_use_generate(
    fake_audiocraft: type[FakeMusicGen], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "hub-snapshot"
    checkpoint(folder)
    monkeypatch.setattr(adapter, "_cached_checkpoint", lambda repo_id: str(folder))
    eng = adapter.create(model="musicgen-small")
    assert eng.source == str(folder)
    eng.render(make_song(), b"", seed=0)
    assert [kind for kind, _ in eng._model.calls] == ["text"]


def test_model_not_in_the_cache_says_how_to_fetch_it(
    fake_audiocraft: type[FakeMusicGen], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter, "_cached_checkpoint", lambda repo_id: None)
    with pytest.raises(EngineUnavailableError, match="facebook/musicgen-melody") as err:
        adapter.create()
    assert "\n" not in str(err.value)


def test_bad_model_arguments(fake_audiocraft: type[FakeMusicGen], tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        adapter.create(model=str(tmp_path / "missing"))
    (tmp_path / "not-audiocraft").mkdir()
    with pytest.raises(NotFoundError):
        adapter.create(model=str(tmp_path / "not-audiocraft"))
    with pytest.raises(OptionError):
        adapter.create(model="musicgen-gigantic")
    with pytest.raises(OptionError):
        adapter.create(model=str(checkpoint(tmp_path / "ok")), overlap_s=40.0)


def test_real_audiocraft_is_found_when_installed() -> None:
    pytest.importorskip("audiocraft")
    assert adapter.require_audiocraft().__name__ == "MusicGen"
