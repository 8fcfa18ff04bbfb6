"""Our MIDI imports cleanly in MuseScore 3 (Debian `musescore3`, run headless)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from composer.midi import to_midi
from composer.mood import analyse
from composer.music.compose import SongOptions, compose

MSCORE = shutil.which("mscore3") or shutil.which("musescore3")


@pytest.mark.skipif(
    MSCORE is None, reason="MuseScore 3 is not installed (apt-get install musescore3)"
)
@pytest.mark.parametrize("style", ["photograph", "ensemble"])
def test_musescore_imports_our_midi(tmp_path, argument_chat, style):
    song = compose(
        argument_chat, analyse(argument_chat), SongOptions(seed=2, length_s=40, style=style)
    )
    mid = tmp_path / "song.mid"
    mid.write_bytes(to_midi(song))
    out = tmp_path / "song.musicxml"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.run(
        [MSCORE, "-o", str(out), str(mid)], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    xml = out.read_text(encoding="utf-8")
    names = re.findall(r"<part-name>([^<]*)</part-name>", xml)
    # MuseScore names each part "<GM instrument>, <our track name>"
    assert [n.split(", ")[-1] for n in names] == [p.name for p in song.parts]
    # every note of ours arrives (MuseScore may split long notes into tied notes)
    sounding = len(re.findall(r"<note[ >]", xml)) - len(re.findall(r"<rest/>", xml))
    assert sounding >= sum(len(p.notes) for p in song.parts)
    assert "<fifths>" in xml and "<beats>" in xml
