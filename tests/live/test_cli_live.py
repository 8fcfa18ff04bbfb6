"""photograph live: stdin or a file of 'speaker: text' lines → a saved album entry."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from composer.cli import main
from composer.live.run import parse_line
from tests.audio.midi_helpers import needs_fluidsynth

needs_fluidsynth()

CHAT = "Ana: hey! are you coming tonight?\nBen: yes, can't wait\n\nAna: great\n"


def run(argv: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_stdin_ends_with_a_saved_album_entry(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(CHAT + "this line has no speaker\n"))
    code, out, err = run(["live", "-", "--json", "--scores", tmp_path], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["messages"] == 3
    score = json.loads(Path(doc["score"]).read_text(encoding="utf-8"))
    assert score["input"]["format"] == "live" and score["input"]["speakers"] == ["Ana", "Ben"]
    assert [r["message"] for r in score["live"]["responses"]] == [0, 1, 2]
    assert Path(doc["midi"]).read_bytes()[:4] == b"MThd"
    assert "line 5 ignored" in err  # (the blank line 4 is skipped silently)
    assert [p.name for p in tmp_path.iterdir()] == [doc["id"]]  # the work folder is gone


def test_a_file_is_replayed_and_the_same_file_gives_the_same_midi(tmp_path, capsys) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(CHAT, encoding="utf-8")
    mids = []
    for name in ("a", "b"):
        code, out, err = run(
            ["live", chat, "--json", "--gap", 3, "--scores", tmp_path / name], capsys
        )
        assert code == 0, err
        mids.append(Path(json.loads(out)["midi"]).read_bytes())
    assert mids[0] == mids[1]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["live", "-"], "no speaker here\n\n", "no 'speaker: text' line"),
        (["live", "missing.txt"], "", "no such file"),
        (["live", "-", "--follow"], "", "--follow needs a file"),
        (["live", "-", "--gap", "0"], "", "--gap must be"),
    ],
)
def test_bad_input_is_one_line_and_saves_nothing(
    tmp_path, capsys, monkeypatch, argv, stdin, message
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    monkeypatch.chdir(tmp_path)
    code, _out, err = run([*argv, "--scores", tmp_path / "album"], capsys)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("photograph: error:") and message in last
    assert "Traceback" not in err
    album = tmp_path / "album"
    assert not album.exists() or not [p for p in album.iterdir()]


def test_parse_line() -> None:
    assert parse_line("Ana: see you: soon") == ("Ana", "see you: soon")
    assert parse_line("  Ben :  ok ") == ("Ben", "ok")
    assert parse_line("no colon") is None
    assert parse_line(": no speaker") is None
    assert parse_line("[12/06/2024, 23:41] Sam: are you up?") == ("Sam", "are you up?")
    assert parse_line("12/06/2024, 23:41 - Sam: are you up?") == ("Sam", "are you up?")
    assert parse_line("[23:41] Sam: hi") == ("Sam", "hi")
    assert parse_line("12 monkeys") is None


def test_ctrl_c_saves_the_song_cleanly(tmp_path) -> None:
    """A real process: lines on stdin, then SIGINT while the input is still open."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "composer.cli", "live", "-", "--json", "--scores", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write("Ana: hello there, how are you today?\nBen: fine, a lovely day\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not any(p.name.endswith("-live") for p in tmp_path.iterdir()):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        time.sleep(1.5)  # the lines are read and answered
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "interrupted; ending the song" in err
    doc = json.loads(out)
    assert doc["messages"] == 2
    assert [p.name for p in tmp_path.iterdir()] == [doc["id"]]


def test_follow_reads_lines_appended_to_a_growing_file(tmp_path) -> None:
    import threading

    from composer.live.run import _lines

    path = tmp_path / "chat.txt"
    path.write_text("Ana: first\n", encoding="utf-8")
    got: list[str] = []
    with open(path, encoding="utf-8") as stream:
        lines = _lines(stream, follow=True)

        def read() -> None:
            for line in lines:
                got.append(line)
                if len(got) == 2:
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        with open(path, "a", encoding="utf-8") as out:
            out.write("Ben: second\n")
        reader.join(timeout=10)
    assert got == ["Ana: first\n", "Ben: second\n"]
