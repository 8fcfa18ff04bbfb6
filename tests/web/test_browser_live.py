"""The Live page in a real browser against a real ``photograph serve``: 60 s of a scripted
chat typed into the page; the audio clock advances with no underrun, the piano roll and
the mood line grow, and the album gets the song."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .test_browser import ARGS, CHROMIUM, COUNT_OPAQUE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = [
    ("Ana", "hey! are you coming tonight?"),
    ("Ben", "yes, can't wait, it's going to be so much fun"),
    ("Ana", "great"),
    ("Ben", "oh no, I just heard it's cancelled"),
    ("Ana", "that's terrible, I'm so sad"),
    ("Ben", "wait, they moved it to next week!"),
    ("Ana", "yay!! amazing"),
    ("Ben", "see you then"),
]
PLAY_S = 60.0


def test_live_mode_plays_grows_and_saves(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            problems: list[str] = []
            foreign: list[str] = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith((server, server.replace("http", "ws"), "data:", "blob:"))
                    else foreign.append(r.url)
                ),
            )
            page.goto(server + "/")
            page.click("#live-start")
            page.wait_for_selector("#live-form:not([hidden])", timeout=30_000)
            page.wait_for_function("() => window.photographLive().scheduled > 5", timeout=10_000)
            first = page.evaluate("() => window.photographLive()")
            start = time.monotonic()
            for i, (who, text) in enumerate(SCRIPT):
                page.wait_for_timeout(
                    max(0.0, start + i * PLAY_S / len(SCRIPT) - time.monotonic()) * 1000
                )
                page.fill("#live-speaker", who)
                page.fill("#live-text", text)
                page.click("#live-send")
            page.wait_for_timeout(max(0.0, start + PLAY_S - time.monotonic()) * 1000)
            now = page.evaluate("() => window.photographLive()")
            assert now["clock"] - first["clock"] > PLAY_S * 0.9  # the AudioContext clock ran
            assert now["music"] > PLAY_S * 0.9
            assert now["underruns"] == 0, now
            assert now["scheduled"] >= PLAY_S / 0.02 * 0.9  # 20 ms packets, all scheduled
            assert now["responses"] == len(SCRIPT)
            assert now["notes"] > 100 and now["bars"] > 10
            assert page.evaluate(COUNT_OPAQUE, "live-roll") > 300
            assert page.evaluate(COUNT_OPAQUE, "live-mood") > 100
            page.click("#live-end")
            page.wait_for_function("() => window.photographLive().saved", timeout=60_000)
            song = page.evaluate("() => window.photographLive().saved")
            page.wait_for_selector(f'#album-list li[data-id="{song}"]', timeout=10_000)
            page.screenshot(path=str(tmp_path / "live.png"), full_page=True)
            assert not problems, problems
            assert not foreign, foreign
        finally:
            browser.close()
