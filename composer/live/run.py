"""``photograph live``: messages from a stream of ``speaker: text`` lines, music as they come.

Lines from standard input or a followed file arrive on the wall clock (the session plays
in real time: the growing audio and MIDI in the work folder keep pace with it); a plain
file is replayed on a simulated clock, one message every ``gap`` seconds, rendered as
fast as the machine can. When the input ends (or on Ctrl-C) the conversation ends, the
final cadence is rendered and the whole song is saved to the album.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

import numpy as np

from composer.album import TMP_PREFIX, Album, Record, host_tag
from composer.errors import InputError
from composer.live.save import save
from composer.live.session import RATE, LiveSession
from composer.music.live import LiveOptions

LINE = re.compile(r"^\s*([^:\n]{1,64}?)\s*:\s*(.+?)\s*$")
LOOKAHEAD_S = 0.3  # audio rendered ahead of the playback clock
MAX_LINE = 4000  # characters of a line that are read
MIDI_EVERY_S = 5.0  # the growing song.mid is rewritten this often
FOLLOW_POLL_S = 0.2

Warn = Callable[[str], None]


def parse_line(line: str) -> tuple[str, str] | None:
    """``"Ana: see you"`` → ``("Ana", "see you")``; a line of a chat export with its
    time (``"[12/06/2024, 23:41] Sam: hi"``, WhatsApp and the like) is read by the chat
    importers; None for a blank or any other line."""
    line = line[:MAX_LINE]
    if line[:1].isdigit() or line[:1] == "[":  # a time stamp first: an export's line
        from composer import chat
        from composer.errors import ComposerError

        try:
            parsed = chat.parse(line + "\n", "auto")
        except ComposerError:
            parsed = None
        if parsed is not None and len(parsed.messages) == 1:
            m = parsed.messages[0]
            if m.speaker != "unknown" and m.text.strip():
                return m.speaker, m.text
    found = LINE.match(line)
    return (found.group(1), found.group(2)) if found else None


def _lines(stream: IO[str], follow: bool) -> Iterator[str]:
    """Lines as they arrive; with ``follow``, wait for more at the end of the file."""
    while True:
        line = stream.readline()
        if line:
            yield line
        elif follow:
            time.sleep(FOLLOW_POLL_S)
        else:
            return


def _reader(stream: IO[str], follow: bool, out: queue.Queue[str | None]) -> None:
    try:
        for line in _lines(stream, follow):
            out.put(line)
    except (OSError, ValueError, UnicodeDecodeError):
        pass  # a closed or undecodable stream ends the conversation
    out.put(None)


class _Growing:
    """The session's work folder in the album: audio (WAV) and MIDI as they grow."""

    def __init__(self, album: Album) -> None:
        import soundfile

        # named like the album's own temp folders (host and pid): a clean-up on another
        # machine sharing the folder leaves it alone
        self.dir = album.root / f"{TMP_PREFIX}{host_tag()}-{os.getpid()}-live"
        self.dir.mkdir(exist_ok=True)
        self._wav = soundfile.SoundFile(self.dir / "song.wav", "w", RATE, 2, "PCM_16")
        self._midi_at = 0.0

    def add(self, session: LiveSession, samples: np.ndarray) -> None:
        self._wav.write(samples)
        if session.rendered_s - self._midi_at >= MIDI_EVERY_S:
            self.finish(session)

    def finish(self, session: LiveSession) -> None:
        """Flush the audio and rewrite song.mid with everything played so far."""
        from composer.midi import to_midi

        self._wav.flush()
        part = self.dir / "song.mid.part"
        part.write_bytes(to_midi(session.composer.song()))
        part.replace(self.dir / "song.mid")
        self._midi_at = session.rendered_s

    def close(self) -> None:
        self._wav.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(
    stream: IO[str],
    album: Album,
    *,
    options: LiveOptions,
    fmt: str,
    realtime: bool,
    follow: bool = False,
    gap_s: float = 2.0,
    warn: Warn = lambda _m: None,
) -> Record:
    """Play a live session from ``stream`` and save it (see the module docstring).

    Raises
    ------
    InputError
        No line of the input was a ``speaker: text`` message.
    """
    session = LiveSession(options)
    grow = _Growing(album)
    try:
        warn(f"live: playing; growing audio and MIDI in {grow.dir}")
        try:
            if realtime:
                _realtime(session, stream, follow, grow, warn)
            else:
                _replay(session, stream, gap_s, grow, warn)
        except KeyboardInterrupt:
            warn("live: interrupted; ending the song")
        if session.composer.end_beat is None:
            session.end(session.rendered_s)
        while not session.done:
            grow.add(session, session.render().samples)
        grow.finish(session)
        if not session.messages:
            raise InputError("no 'speaker: text' line in the input: nothing to play")
        return save(session, album, fmt=fmt)
    finally:
        grow.close()
        session.close()


def _take(session: LiveSession, line: str, at_s: float, count: list[int], warn: Warn) -> None:
    count[0] += 1
    parsed = parse_line(line)
    if parsed is None:
        if line.strip():
            warn(f"live: line {count[0]} ignored: not 'speaker: text'")
        return
    session.message(parsed[0], parsed[1], at_s)


def _replay(
    session: LiveSession, stream: IO[str], gap_s: float, grow: _Growing, warn: Warn
) -> None:
    count = [0]
    at = 0.0
    for line in _lines(stream, False):
        at += gap_s if session.messages else 0.0
        while session.rendered_s < at:
            grow.add(session, session.render().samples)
        _take(session, line, at, count, warn)
    session.end(max(at, session.rendered_s))


def _realtime(
    session: LiveSession, stream: IO[str], follow: bool, grow: _Growing, warn: Warn
) -> None:
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(stream, follow, lines), daemon=True).start()
    start = time.monotonic()
    count = [0]
    while True:
        now = time.monotonic() - start
        try:
            while (line := lines.get_nowait()) is not None:
                _take(session, line, now, count, warn)
            session.end(now)
            return
        except queue.Empty:
            pass
        while session.rendered_s < now + LOOKAHEAD_S:
            grow.add(session, session.render().samples)
        time.sleep(0.05)
