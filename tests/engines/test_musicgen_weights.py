"""Model files: resolve on disk (never download), pull through huggingface_hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from composer.engines import weights
from composer.engines.weights import MODELS, default_models_dir, has_weights, pull, resolve_model
from composer.errors import EngineUnavailableError, NotFoundError, OptionError


def fake_checkpoint(folder: Path, weights_name: str = "model.safetensors") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text("{}")
    (folder / weights_name).write_bytes(b"\0")
    return folder


@pytest.mark.parametrize("name", sorted(MODELS))
def test_missing_model_names_the_pull_command(tmp_path: Path, name: str) -> None:
    with pytest.raises(EngineUnavailableError) as err:
        resolve_model(name, tmp_path)
    message = str(err.value)
    assert f"photograph models pull {name}" in message
    assert "\n" not in message
    assert "CC-BY-NC" in message


def test_pulled_model_is_found(tmp_path: Path) -> None:
    folder = fake_checkpoint(tmp_path / "musicgen-small")
    assert resolve_model("musicgen-small", tmp_path) == folder


def test_config_without_weights_counts_as_missing(tmp_path: Path) -> None:
    folder = tmp_path / "musicgen-melody"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert not has_weights(folder)
    with pytest.raises(EngineUnavailableError):
        resolve_model("musicgen-melody", tmp_path)
    (folder / "pytorch_model.bin").write_bytes(b"\0")
    assert resolve_model("musicgen-melody", tmp_path) == folder


def test_explicit_directory(tmp_path: Path) -> None:
    folder = fake_checkpoint(tmp_path / "my-finetune")
    assert resolve_model(str(folder)) == folder
    assert resolve_model(folder) == folder
    with pytest.raises(NotFoundError):
        resolve_model(str(tmp_path / "nowhere"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NotFoundError):
        resolve_model(empty)


def test_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="musicgen-melody"):
        resolve_model("musicgen-huge", tmp_path)
    with pytest.raises(OptionError):
        pull("musicgen-huge", tmp_path)


def test_default_models_dir_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(weights.MODELS_ENV, str(tmp_path))
    assert default_models_dir() == tmp_path
    fake_checkpoint(tmp_path / "musicgen-medium")
    assert resolve_model("musicgen-medium") == tmp_path / "musicgen-medium"
    monkeypatch.delenv(weights.MODELS_ENV)
    assert default_models_dir() == Path("models")


class FakeHub:
    """Stands in for snapshot_download: writes files and drives the progress bar class."""

    def __init__(self, files_per_call: list[list[str]]) -> None:
        self.files_per_call = files_per_call
        self.calls: list[dict[str, Any]] = []

    def __call__(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append({"repo_id": repo_id, **kwargs})
        files = self.files_per_call[len(self.calls) - 1]
        bar = kwargs["tqdm_class"](
            total=100 * len(files), unit="B", desc="Downloading bytes", disable=True
        )
        target = Path(kwargs["local_dir"])
        for name in files:
            (target / name).write_bytes(b"\0")
            bar.update(100)
        bar.close()
        return str(target)


def test_pull_downloads_into_models_dir(tmp_path: Path) -> None:
    hub = FakeHub([["config.json", "model.safetensors", "tokenizer.json"]])
    seen: list[tuple[str, float, float]] = []
    path = pull("musicgen-small", tmp_path, lambda s, d, t: seen.append((s, d, t)), _download=hub)
    assert path == tmp_path / "musicgen-small"
    assert hub.calls[0]["repo_id"] == "facebook/musicgen-small"
    assert "*.safetensors" in hub.calls[0]["allow_patterns"]
    assert resolve_model("musicgen-small", tmp_path) == path
    assert seen and all(stage == "download" for stage, _, _ in seen)
    done = [d for _, d, _ in seen]
    assert done == sorted(done)
    assert seen[-1][1] == seen[-1][2] == 300.0


def test_pull_falls_back_to_bin_weights(tmp_path: Path) -> None:
    hub = FakeHub([["config.json"], ["pytorch_model.bin"]])
    pull("musicgen-melody", tmp_path, _download=hub)
    assert len(hub.calls) == 2
    assert hub.calls[1]["allow_patterns"] == ["*.bin"]
    assert has_weights(tmp_path / "musicgen-melody")


def test_pull_offline_is_one_clear_error(tmp_path: Path) -> None:
    def offline(repo_id: str, **kwargs: Any) -> str:
        raise OSError("Name or service not known\nmore detail")

    with pytest.raises(EngineUnavailableError) as err:
        pull("musicgen-melody", tmp_path, _download=offline)
    assert "facebook/musicgen-melody" in str(err.value)
    assert "\n" not in str(err.value)


def test_pull_incomplete_download(tmp_path: Path) -> None:
    hub = FakeHub([["config.json"], []])
    with pytest.raises(EngineUnavailableError, match="incomplete"):
        pull("musicgen-medium", tmp_path, _download=hub)


def test_models_pull_prints_the_licence_and_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole command, against a local fake of the Hub (no network)."""
    hub_module = pytest.importorskip("huggingface_hub")
    hub = FakeHub([["config.json", "model.safetensors", "tokenizer.json"]])
    monkeypatch.setattr(hub_module, "snapshot_download", hub)
    from composer.cli import main

    assert main(["models", "pull", "musicgen-melody", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    target = (tmp_path / "musicgen-melody").resolve()
    assert f"musicgen-melody is in {target}" in out
    assert "CC-BY-NC 4.0" in out and "creativecommons.org/licenses/by-nc/4.0" in out
    assert hub.calls[0]["repo_id"] == "facebook/musicgen-melody"
    assert has_weights(target)
