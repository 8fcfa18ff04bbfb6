"""The MusicGen engines without the GPU extra: light imports, clear errors, option checks."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from composer.engines import load_engine
from composer.engines.settings import check_settings
from composer.errors import EngineUnavailableError, OptionError

HEAVY = ("torch", "transformers", "huggingface_hub", "audiocraft")


def test_engine_modules_import_without_heavy_dependencies() -> None:
    code = (
        "import sys\n"
        "import composer.engines, composer.engines.musicgen, composer.engines.audiocraft\n"
        "import composer.engines.prompt, composer.engines.chroma, composer.engines.windows\n"
        "import composer.engines.weights, composer.engines.resample, composer.engines.settings\n"
        "import composer.engines.torchenv\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_torch_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(EngineUnavailableError) as err:
        load_engine("musicgen")
    assert "install the GPU extra: pip install -e '.[gpu]'" in str(err.value)
    assert "torch" in str(err.value)


def test_missing_transformers_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(EngineUnavailableError, match="transformers is missing"):
        load_engine("musicgen")


def test_missing_audiocraft_is_engine_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "audiocraft", None)
    monkeypatch.setitem(sys.modules, "audiocraft.models", None)
    with pytest.raises(EngineUnavailableError) as err:
        load_engine("audiocraft")
    assert "audiocraft is not installed" in str(err.value)
    assert "torch 2.1.0" in str(err.value)


GOOD: dict[str, Any] = {
    "model": "musicgen-melody",
    "dtype": None,
    "guidance_scale": 3.0,
    "window_s": 30.0,
    "overlap_s": 10.0,
    "optimize": None,
    "top_k": 250,
    "temperature": 1.0,
    "crossfade_s": 2.0,
    "cuda": False,
}


def test_defaults_pick_the_fast_path_on_cuda_only() -> None:
    assert check_settings(**GOOD).optimize == "off"
    assert check_settings(**{**GOOD, "cuda": True}).optimize == "graph"
    assert check_settings(**{**GOOD, "optimize": True}).optimize == "static"
    assert check_settings(**{**GOOD, "optimize": "compile"}).optimize == "compile"
    assert check_settings(**{**GOOD, "optimize": "stock"}).optimize == "off"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("guidance_scale", 0.5),
        ("window_s", 31.0),
        ("window_s", 0.1),
        ("overlap_s", 30.0),
        ("overlap_s", -1.0),
        ("top_k", -1),
        ("temperature", 0.0),
        ("crossfade_s", -0.1),
        ("optimize", "turbo"),
    ],
)
def test_out_of_range_options_are_option_errors(key: str, value: object) -> None:
    with pytest.raises(OptionError):
        check_settings(**{**GOOD, key: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [("guidance_scale", "3"), ("window_s", None), ("top_k", 2.5), ("optimize", 3), ("model", 5)],
)
def test_wrong_types_are_type_errors(key: str, value: object) -> None:
    with pytest.raises(TypeError):
        check_settings(**{**GOOD, key: value})
