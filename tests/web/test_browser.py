"""The playback page in a real browser against a real ``photograph serve`` (real pipeline).

Drives Debian's Chromium (``/usr/bin/chromium``, never a downloaded one) headless through
Playwright: paste a chat, compose, wait for the song, then check the audio, the piano
roll, the mood chart and the MIDI download. A screenshot is left in the test's tmp dir.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import mido
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]

# Pixels of a canvas with at least this alpha: notes are drawn opaque (≥ 0.6), the grid
# and the playhead faintly (≤ 0.35), so only notes and lines of data count.
COUNT_OPAQUE = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] >= 128) n++;
  return n;
}"""
ROLL_SIGNATURE = """() => {
  const c = document.getElementById('roll');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] >= 128) h = (h * 31 + i) % 1000000007;
  return h;
}"""


def test_compose_and_play_in_the_browser(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    chat = (ROOT / "examples" / "chat.txt").read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1100, "height": 900}, accept_downloads=True
            )
            page = context.new_page()
            problems: list[str] = []
            foreign: list[str] = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on(
                "request",
                lambda r: (
                    None if r.url.startswith((server, "data:", "blob:")) else foreign.append(r.url)
                ),
            )
            page.goto(server + "/")
            page.fill("#chat", chat)
            page.eval_on_selector(
                "#length", "e => { e.value = '30'; e.dispatchEvent(new Event('input')); }"
            )
            page.click("#compose-button")
            page.wait_for_selector("#song:not([hidden])", timeout=180_000)

            duration = page.wait_for_function(
                "() => { const a = document.getElementById('player');"
                " return isFinite(a.duration) && a.duration > 0 ? a.duration : false; }",
                timeout=30_000,
            ).json_value()
            assert 20 < duration < 45  # asked for 30 s (plus the reverb's tail)

            page.wait_for_function(f"() => ({COUNT_OPAQUE})('roll') > 0", timeout=10_000)
            notes_pixels = page.evaluate(COUNT_OPAQUE, "roll")
            chart_pixels = page.evaluate(COUNT_OPAQUE, "mood-chart")
            assert notes_pixels > 500, notes_pixels
            assert chart_pixels > 300, chart_pixels

            # The roll follows the music: at 8 s it shows other notes than at 0 s.
            before = page.evaluate(ROLL_SIGNATURE)
            page.evaluate(
                "() => new Promise(r => { const a = document.getElementById('player');"
                " a.addEventListener('seeked', () => setTimeout(r, 50), {once: true});"
                " a.currentTime = 8; })"
            )
            assert page.evaluate(ROLL_SIGNATURE) != before

            assert page.locator("#speakers li").count() >= 2
            song_id = page.evaluate("location.hash").removeprefix("#song=")
            assert page.locator(f'#album-list li[data-id="{song_id}"]').count() == 1
            title = page.text_content("#song-title")
            assert title and title.strip()

            with page.expect_download() as download_info:
                page.click("#dl-midi")
            download = download_info.value
            assert download.suggested_filename.endswith(".mid")
            midi = mido.MidiFile(file=io.BytesIO(Path(download.path()).read_bytes()))
            assert sum(1 for m in midi if m.type == "note_on" and m.velocity > 0) > 20
            assert midi.length > 20

            page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
            assert not problems, problems
            assert not foreign, foreign
        finally:
            browser.close()
    print(f"screenshots: {tmp_path / 'page.png'} {tmp_path / 'phone.png'}", file=sys.stderr)
    assert os.path.getsize(tmp_path / "page.png") > 10_000
