"""The installed product: wheel and sdist built, the wheel installed into a fresh venv,
``photograph`` run from a folder outside the checkout.

The fresh venv gets no network: the wheel goes in with ``--no-deps``, and the venv reads
its dependencies from this test's own environment through a ``.pth`` line (a plain path
line: the checkout's editable-install hook in that folder is not run). So every file of
``composer`` (code, mood model, page) comes from the wheel, never from the checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "composer" / "data"
pytestmark = pytest.mark.slow


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600, *, both: bool = False
) -> str:
    """Run ``cmd``; its stdout (``both``: stdout and stderr), after checking it succeeded."""
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{cmd[:3]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr if both else done.stdout


@pytest.fixture(scope="module")
def build_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sdist and the wheel built from it (``python -m build``, no network); the log."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    log = _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        cwd=ROOT,
        env=env,
        both=True,
    )
    return out, log


@pytest.fixture(scope="module")
def dist(build_log: tuple[Path, str]) -> Path:
    return build_log[0]


def test_the_build_prints_no_deprecation_warning(build_log: tuple[Path, str]) -> None:
    log = build_log[1]
    assert "Successfully built" in log
    assert not re.search(r"deprecat", log, re.I), log[-4000:]


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the wheel installed; (its bin folder, the env to run it in)."""
    home = tmp_path_factory.mktemp("venv")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PHOTOGRAPH_MOOD_MODEL_DIR", "VIRTUAL_ENV")
    }
    _run([sys.executable, "-m", "venv", "--without-pip", str(home)], cwd=home, env=env)
    py = home / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_photograph_test_deps.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8"
    )
    (wheel,) = dist.glob("photograph-*.whl")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            "-q",
            str(wheel),
        ],
        cwd=home,
        env=env,
    )
    return home / "bin", env


def _names(paths: list[str]) -> set[str]:
    return {p.split("composer/data/", 1)[1] for p in paths if "composer/data/" in p}


def test_wheel_and_sdist_hold_every_shipped_file(dist: Path) -> None:
    shipped = {
        str(p.relative_to(SHIPPED))
        for p in SHIPPED.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert {
        "mood/model.onnx",
        "mood/tokenizer.json",
        "mood/meta.json",
        "mood/moment.json",
        "mood/dialogue.json",
    } <= shipped
    assert "web/index.html" in shipped
    (wheel,) = dist.glob("photograph-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert _names(names) == shipped
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert re.search(r"^License-Expression: MIT AND CC-BY-SA-4\.0$", meta, re.M)
    assert re.search(r"^Requires-Dist: transformers.*<6.*extra == \"gpu\"", meta, re.M)
    # photograph[cluster]: serve --broker, worker, the S3 album
    for dep in ("celery", "celery-batches", "redis", "boto3"):
        assert re.search(rf"^Requires-Dist: {dep}.*extra == \"cluster\"", meta, re.M), dep
    assert any(n == "composer/cluster/tasks.py" for n in names)
    (sdist,) = dist.glob("photograph-*.tar.gz")
    with tarfile.open(sdist) as t:
        members = [m.name for m in t.getmembers() if m.isfile()]
    assert _names(members) == shipped
    assert any(m.endswith("/LICENSE") for m in members)


def test_installed_photograph_reads_moods_with_the_trained_model(
    venv: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = venv
    where = _run(
        [str(bin_dir / "python"), "-c", "import composer; print(composer.__file__)"],
        cwd=tmp_path,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(bin_dir.parent), where
    shipped = json.loads((SHIPPED / "mood" / "meta.json").read_text(encoding="utf-8"))
    trained = f"{shipped['name']}-{shipped['version']}"
    out = _run(
        [str(bin_dir / "photograph"), "mood", "--moment", "we did it, so happy", "--json"],
        cwd=tmp_path,
        env=env,
    )
    assert json.loads(out)["mood"]["model"] == trained + "+moment"  # read by the moment head
    out = _run(
        [
            str(bin_dir / "photograph"),
            "compose",
            "--moment",
            "rain on the window, together",
            "--length",
            "10",
            "--scores",
            str(tmp_path / "album"),
            "--json",
        ],
        cwd=tmp_path,
        env=env,
    )
    summary = json.loads(out)
    assert summary["mood"]["model"] == trained + "+moment"
    assert Path(summary["midi"]).read_bytes()[:4] == b"MThd"
    assert Path(summary["audio"]).stat().st_size > 1000


def test_installed_photograph_serves_the_page_and_docs(
    venv: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = venv
    server = subprocess.Popen(
        [str(bin_dir / "photograph"), "serve", "--port", "0", "--scores", str(tmp_path / "s")],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        url = ""
        for line in server.stderr:
            found = re.search(r"serving (http://\S+/)", line)
            if found:
                url = found.group(1)
                break
        assert url, "the server did not say where it listens"
        page = _get(url)
        assert "<html" in page.lower() and "app.js" in page
        assert "const " in _get(url + "app.js") or "function" in _get(url + "app.js")
        assert "swagger" in _get(url + "docs").lower()
        info = json.loads(_get(url + "api/info"))
        assert "photograph" in info["styles"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str, patience_s: float = 120.0) -> str:
    """GET ``url`` (the server may still be starting: connection refused is retried)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return str(r.read().decode("utf-8"))
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
