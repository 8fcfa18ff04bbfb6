"""find_soundfont's search order and errors, and libfluidsynth loading errors."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from composer.audio import fluid
from composer.audio import soundfont as sf_module
from composer.audio.soundfont import find_soundfont
from composer.errors import EngineUnavailableError, NotFoundError


@pytest.fixture
def fake_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A default bank that exists, and no environment override."""
    bank = tmp_path / "FluidR3_GM.sf2"
    bank.write_bytes(b"RIFF")
    monkeypatch.delenv(sf_module.ENV_VAR, raising=False)
    monkeypatch.setattr(sf_module, "DEFAULT_SOUNDFONTS", (tmp_path / "absent.sf2", bank))
    return bank


def test_default_bank_is_used_without_a_note(fake_default: Path) -> None:
    assert find_soundfont() == (fake_default, None)


def test_explicit_path_wins_over_environment_and_default(
    fake_default: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_bank = tmp_path / "env.sf2"
    env_bank.write_bytes(b"RIFF")
    chosen = tmp_path / "chosen.sf2"
    chosen.write_bytes(b"RIFF")
    monkeypatch.setenv(sf_module.ENV_VAR, str(env_bank))
    assert find_soundfont(chosen) == (chosen, None)
    assert find_soundfont(str(chosen)) == (chosen, None)
    assert find_soundfont() == (env_bank, None)


def test_missing_explicit_or_environment_path_is_not_found(
    fake_default: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError, match=r"missing\.sf2"):
        find_soundfont(tmp_path / "missing.sf2")
    monkeypatch.setenv(sf_module.ENV_VAR, str(tmp_path / "gone.sf2"))
    with pytest.raises(NotFoundError, match=sf_module.ENV_VAR):
        find_soundfont()


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        find_soundfont(42)  # type: ignore[arg-type]


def test_fallback_to_the_bundled_bank_with_a_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "fakemidi"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (package / sf_module.FALLBACK_NAME).write_bytes(b"RIFF")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(sf_module.ENV_VAR, raising=False)
    monkeypatch.setattr(sf_module, "DEFAULT_SOUNDFONTS", (tmp_path / "FluidR3_GM.sf2",))
    monkeypatch.setattr(sf_module, "FALLBACK_PACKAGE", "fakemidi")
    path, note = find_soundfont()
    assert path == package / sf_module.FALLBACK_NAME
    assert note is not None and "FluidR3_GM.sf2 not found" in note and "apt-get" in note
    assert "fakemidi" not in sys.modules


def test_real_pretty_midi_bank_is_found_without_importing_pretty_midi() -> None:
    code = (
        "import sys; from composer.audio.soundfont import _bundled_fallback as f; p = f(); "
        "print(p is not None and p.is_file(), 'pretty_midi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    if out.stdout.split()[0] == "False":
        pytest.skip("pretty_midi is not installed")
    assert out.stdout.split() == ["True", "False"]


def test_no_soundfont_at_all_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(sf_module.ENV_VAR, raising=False)
    monkeypatch.setattr(sf_module, "DEFAULT_SOUNDFONTS", (tmp_path / "FluidR3_GM.sf2",))
    monkeypatch.setattr(sf_module, "FALLBACK_PACKAGE", "no_such_package_for_photograph")
    with pytest.raises(EngineUnavailableError) as info:
        find_soundfont()
    assert "apt-get install fluidsynth fluid-soundfont-gm" in str(info.value)
    assert "\n" not in str(info.value)


def _no_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fluid, "_lib", None)
    monkeypatch.setattr(fluid, "_SONAMES", {sys.platform: ("libno-such-fluidsynth.so.9",)})


def test_missing_library_and_pyfluidsynth(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_library(monkeypatch)
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # import fluidsynth fails
    with pytest.raises(EngineUnavailableError) as info:
        fluid.load_library()
    message = str(info.value)
    assert "apt-get install fluidsynth" in message and "pip install pyfluidsynth" in message


def test_missing_library_reported_by_pyfluidsynth(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_library(monkeypatch)
    broken = types.ModuleType("fluidsynth")
    broken.lib = "/nonexistent/libfluidsynth.so.3"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fluidsynth", broken)
    with pytest.raises(EngineUnavailableError, match="apt-get install fluidsynth"):
        fluid.load_library()
