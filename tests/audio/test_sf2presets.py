"""Reading which presets of a SoundFont send to the chorus."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from composer.audio import soundfont as sf_module
from composer.audio.sf2presets import preset_sends


def sends(path: Path) -> tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]]]:
    return preset_sends(str(path), path.stat().st_mtime_ns)


def test_fluidr3_presets() -> None:
    path = next((p for p in sf_module.DEFAULT_SOUNDFONTS if p.is_file()), None)
    if path is None:
        pytest.skip("FluidR3_GM.sf2 is not installed")
    every, chorus = sends(path)
    assert {(0, program) for program in range(128)} <= every
    assert (128, 0) in every  # standard drum kit
    assert {(0, 4), (0, 16), (0, 89)} <= chorus  # Rhodes EP, drawbar organ, warm pad
    assert not {(0, 0), (0, 33), (0, 48), (128, 0)} & chorus  # piano, bass, strings, drums
    assert chorus <= every


def test_bundled_bank_presets() -> None:
    spec = importlib.util.find_spec(sf_module.FALLBACK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pretty_midi is not installed")
    path = Path(spec.submodule_search_locations[0]) / sf_module.FALLBACK_NAME
    every, chorus = sends(path)
    assert len(every) > 100 and chorus and chorus <= every


@pytest.mark.parametrize("content", [b"", b"RIFF\x10\x00\x00\x00sfbkLIST", b"not a soundfont"])
def test_unreadable_files_give_empty_sets(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.sf2"
    path.write_bytes(content)
    assert sends(path) == (frozenset(), frozenset())
    assert preset_sends(str(tmp_path / "missing.sf2"), 0) == (frozenset(), frozenset())
