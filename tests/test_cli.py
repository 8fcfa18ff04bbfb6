"""The CLI as a user meets it: main(argv) -> exit code, one JSON object with --json."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import mido
import pytest

from composer.cli import main
from tests.conftest import EXAMPLE, ROOT

SUMMARY_KEYS = {
    "id",
    "dir",
    "midi",
    "audio",
    "score",
    "mood",
    "key",
    "tempo",
    "time_signature",
    "seed",
    "duration_s",
    "sections",
    "speakers",
}


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_compose_json_no_audio(tmp_path, capsys):
    code, out, err = run(
        [
            "compose",
            EXAMPLE,
            "--no-audio",
            "--json",
            "--scores",
            tmp_path,
            "--seed",
            7,
            "--length",
            40,
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)  # exactly one JSON object on stdout
    assert doc.keys() >= SUMMARY_KEYS
    assert {"valence", "arousal", "dominance"} <= doc["mood"].keys()
    assert doc["seed"] == 7 and doc["audio"] is None
    mid = mido.MidiFile(doc["midi"])
    assert mid.type == 1
    score = json.loads(Path(doc["score"]).read_text(encoding="utf-8"))
    assert score["seed"] == 7 and score["input"]["digest"]
    assert score["song"]["key"] == doc["key"]
    assert [s["name"] for s in doc["speakers"]] == ["Sam", "Theo"]
    for sp in doc["speakers"]:
        assert len(sp["appearances"]) >= 2
        assert {"section", "bar"} == set(sp["appearances"][0])


def test_same_input_same_seed_same_bytes(tmp_path, capsys):
    mids = []
    for name in ("one", "two"):
        code, out, _ = run(
            ["compose", EXAMPLE, "--no-audio", "--json", "--out", tmp_path / name, "--seed", 3],
            capsys,
        )
        assert code == 0
        mids.append(Path(json.loads(out)["midi"]).read_bytes())
    assert mids[0] == mids[1]
    # without --seed the seed comes from the input, so it is still reproducible
    seeds = set()
    for name in ("three", "four"):
        run(["compose", EXAMPLE, "--no-audio", "--json", "--out", tmp_path / name], capsys)
        seeds.add(json.loads((tmp_path / name / "score.json").read_text())["seed"])
    assert len(seeds) == 1


def test_moment_and_overrides(tmp_path, capsys):
    code, out, _ = run(
        [
            "compose",
            "--moment",
            "on the beach with you, the sun going down",
            "--no-audio",
            "--json",
            "--scores",
            tmp_path,
            "--valence",
            "-0.8",
            "--arousal",
            "0.9",
        ],
        capsys,
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["key"].endswith("minor") and doc["tempo"] >= 130
    assert doc["mood"]["valence"] != -0.8  # the analysed mood is reported; overrides shape music


def test_stdin(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(EXAMPLE.read_bytes())))
    code, out, _ = run(["mood", "-", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert len(doc["messages"]) == 17
    m = doc["messages"][0]
    assert {"speaker", "time", "text", "valence", "arousal", "dominance"} <= m.keys()
    assert all(-1 <= x["valence"] <= 1 and -1 <= x["arousal"] <= 1 for x in doc["messages"])
    assert set(doc["speakers"]) == {"Sam", "Theo"}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02" * 500,
        b"PK\x03\x04broken zip",
        b"\xff\xfe\x00",
        b'{"messages": [',
        b'{"a": 1}',
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, content):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    scores = tmp_path / "scores"
    code, out, err = run(["compose", bad, "--scores", scores, "--no-audio"], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("photograph: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert not scores.exists() or not any(scores.iterdir())


def test_zip_bomb_is_refused(tmp_path, capsys):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("users.json", "[]")
        z.writestr("general/2024-01-01.json", b"[" + b" " * 60_000_000 + b"]")
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(buf.getvalue())
    code, _, err = run(["compose", bomb, "--scores", tmp_path / "s", "--no-audio"], capsys)
    assert code == 2 and "limit" in err.lower()


def test_usage_errors_exit_2(capsys, tmp_path):
    for argv in (
        ["compose", EXAMPLE, "--valence", "3"],
        ["compose", EXAMPLE, "--style", "polka"],
        ["nonsense"],
        ["compose", EXAMPLE, "--length", "1", "--scores", tmp_path],
    ):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:  # argparse's own usage errors
            code = e.code
        assert code == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_out_never_overwrites(tmp_path, capsys):
    target = tmp_path / "beach"
    assert run(["compose", EXAMPLE, "--no-audio", "--out", target], capsys)[0] == 0
    before = (target / "song.mid").read_bytes()
    code, _, err = run(["compose", EXAMPLE, "--no-audio", "--out", target, "--seed", 99], capsys)
    assert code == 2 and "exists" in err
    assert (target / "song.mid").read_bytes() == before


def test_default_path_stays_light():
    code = (
        "import sys, composer.cli as c; c.build_parser();"
        "heavy=[m for m in ('torch','transformers','fastapi','music21','scipy','celery','redis',"
        "'boto3')"
        " if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_scores_on_a_file_and_render_into_missing_folder(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    code, _out, err = run(
        ["compose", "--moment", "hi", "--no-audio", "--scores", tmp_path / "file"], capsys
    )
    assert code == 5 and err.count("\n") == 1 and "album folder" in err
    mid = tmp_path / "x.mid"
    run(["compose", "--moment", "hi", "--no-audio", "--out", tmp_path / "s"], capsys)
    mid.write_bytes((tmp_path / "s" / "song.mid").read_bytes())
    code, _, err = run(["render", mid, "-o", tmp_path / "missing" / "x.wav"], capsys)
    assert code == 2 and "no such folder" in err


def test_broken_pipe_is_quiet():
    proc = subprocess.run(
        f"{sys.executable} -m composer.cli mood {EXAMPLE} --json | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert "Traceback" not in proc.stderr


def test_audio_opus_compose_and_render(tmp_path, capsys):
    soundfile = pytest.importorskip("soundfile")
    from composer.audio.files import writable

    if not writable("opus"):
        pytest.skip("this libsndfile has no Opus")
    argv = ["compose", "--moment", "first snow", "--length", 12, "--audio", "opus"]
    code, out, err = run([*argv, "--json", "--out", tmp_path / "s"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["audio"] == str(tmp_path / "s" / "song.opus")
    info = soundfile.info(doc["audio"])
    assert (info.subtype, info.samplerate) == ("OPUS", 48000)
    assert abs(info.duration - doc["duration_s"]) < 0.05
    score = json.loads(Path(doc["score"]).read_text(encoding="utf-8"))
    assert score["files"]["audio"] == "song.opus" and score["options"]["audio_format"] == "opus"
    code, out, err = run(["render", tmp_path / "s" / "song.mid", "-o", tmp_path / "r.opus"], capsys)
    assert code == 0, err
    assert soundfile.info(str(tmp_path / "r.opus")).samplerate == 48000
    code, _, err = run(["render", tmp_path / "s" / "song.mid", "-o", tmp_path / "r.aac"], capsys)
    assert code == 2 and ".opus" in err and err.count("\n") == 1


@pytest.mark.parametrize("missing", ["celery", "redis"])
@pytest.mark.parametrize("argv", [["worker"], ["serve"]])
def test_cluster_commands_without_the_cluster_extra_say_what_to_install(missing, argv):
    code = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "from composer.cli import main\n"
        f"sys.exit(main({argv!r} + ['--broker', 'redis://127.0.0.1:1/0']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        f"photograph: error: the cluster needs {missing}: pip install 'photograph[cluster]'"
    ]
