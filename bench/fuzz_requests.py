"""Hostile HTTP requests for the ``api`` target of ``bench/fuzz.py`` (``bench/fuzz_api.py``).

Plain functions of a ``random.Random`` seeded from the case, so that Hypothesis's stream
of cases (and the other targets' runs) stays the same with or without the api target.
"""

from __future__ import annotations

import json
import random

from bench.fuzz_corpus import RTL, ZERO_WIDTH
from bench.fuzz_inputs import Case

API_FIELDS: tuple[str, ...] = ("chat", "moment", "format", "seed", "length", "style")
API_FIELDS += ("engine", "valence", "arousal", "humanize", "musicxml")
HOSTILE_VALUES: tuple[object, ...] = (None, True, False, 0, -1, 1.5, 2**64, -(2**63), 1e308)
HOSTILE_VALUES += (float("nan"), float("inf"), "", " ", "\x00", "10", "1e3", "true", "null")
HOSTILE_VALUES += ("😀" * 50, "\u202e\u200b", "../../etc/passwd", [], {}, [1, "a"], {"a": {}})
HOSTILE_VALUES += ("x" * 5000, "synth\x00", "musicgen-xl", "%s%n", "<script>", "\ud800")
HOSTILE_IDS: tuple[str, ...] = ("../../etc/passwd", "..", ".", "...", "a/../../b", "~root")
HOSTILE_IDS += ("..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%00", "a\x00b", "\\..\\..\\boot.ini", "CON")
HOSTILE_IDS += ("song.mid", " ", ".hidden", "-rf", "a" * 96, "a" * 97, "x" * 5000, "😀", "\u202e")
HOSTILE_IDS += ("20250101-000000-chat-deadbeef", "20250101-000000-chat-deadbeef/../..")
HOSTILE_FILENAMES: tuple[str, ...] = ("../../etc/passwd", "..\\..\\boot.ini", "/etc/passwd")
HOSTILE_FILENAMES += ("a\x00b.txt", "x" * 5000, "", ".", "..", "CON", 'q"uote.txt', "😀.zip")
HOSTILE_FILENAMES += ("chat.txt\r\nX-Evil: 1", "\u202etxt.zip", "%2e%2e%2fpasswd", "chat.txt")
ID_ROUTES: tuple[str, ...] = ("", "/events", "/song.mid", "/score.json", "/song.musicxml")
ID_ROUTES += ("/audio.ogg", "/audio.wav", "/audio.flac", "/audio.mp3", "/audio.xyz", "/nothing")


def _nested(rng: random.Random) -> str:
    """JSON text nested ``depth`` deep (lists or objects), as a raw fragment."""
    depth = rng.choice([10, 100, 900, 5000, 100_000])
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def api_fields(case: Case, rng: random.Random) -> dict[str, object]:
    """The compose fields a client would send for ``case`` (chat given separately)."""
    fields: dict[str, object] = {"format": case.fmt, "length": case.length}
    if case.moment is not None:
        fields["moment"] = case.moment
    optional = {"style": case.style, "seed": case.seed, "valence": case.valence}
    optional |= {"arousal": case.arousal}
    fields |= {k: v for k, v in optional.items() if v is not None or rng.random() < 0.1}
    if case.humanize:
        fields["humanize"] = True
    return fields


def _mutate(fields: dict[str, object], rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.6:
            fields[rng.choice(API_FIELDS)] = rng.choice(HOSTILE_VALUES)
        elif roll < 0.8:
            fields[rng.choice(["file", "id", "__proto__", "chat ", "Chat", "x" * 300])] = 1
        else:
            fields.pop(rng.choice(API_FIELDS), None)


def api_json(case: Case, rng: random.Random) -> tuple[bytes, str]:
    """A JSON compose request body (often hostile) and its content type."""
    fields = api_fields(case, rng)
    if case.data is not None:
        fields["chat"] = case.data.decode("utf-8", "surrogateescape" if case.as_text else "replace")
    if rng.random() < 0.4:
        _mutate(fields, rng)
    ctype = "application/json"
    roll = rng.random()
    if roll < 0.03:
        return _nested(rng).encode(), ctype
    if roll < 0.05:
        key = rng.choice(API_FIELDS)
        return f'{{"{key}": {_nested(rng)}}}'.encode(), ctype
    if roll < 0.07:
        return case.data or b"", ctype  # the export itself, as if it were JSON
    if roll < 0.08:
        return json.dumps(rng.choice([[fields], "chat", 42, None])).encode(), ctype
    if roll < 0.09:
        fields["chat"] = "Ann: la " * 800_000  # over the 5 MB upload limit
    if roll < 0.11:
        ctype = rng.choice(["text/plain", "", "application/json; charset=utf-16", "app/json"])
    body = json.dumps(fields, ensure_ascii=rng.random() < 0.5, default=repr)
    if rng.random() < 0.03:
        body = body[: rng.randrange(len(body) + 1)]
    return body.encode("utf-8", "surrogatepass"), ctype


def _quote_filename(name: str, rng: random.Random) -> bytes:
    raw = name.encode("utf-8", "surrogatepass")
    if rng.random() < 0.8:  # as browsers send it; else raw quotes and line breaks
        raw = raw.replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")
    return raw


def api_multipart(case: Case, rng: random.Random) -> tuple[bytes, str]:
    """A multipart compose request (the case's bytes as ``file``) and its content type."""
    boundary = f"fuzz{rng.getrandbits(64):016x}"
    fields = api_fields(case, rng)
    if rng.random() < 0.4:
        _mutate(fields, rng)
    parts: list[tuple[str, bytes, bytes | None]] = []  # (name, value, filename)
    for key, value in fields.items():
        text = json.dumps(value) if isinstance(value, list | dict) else str(value)
        text = "" if value is None else text
        parts.append((key, text.encode("utf-8", "surrogatepass"), None))
    if case.data is not None:
        name = rng.choice([case.filename or "chat.txt", *HOSTILE_FILENAMES])
        parts.append(("file", case.data, _quote_filename(name, rng)))
    roll = rng.random()
    if roll < 0.05 and parts:
        parts.append(rng.choice(parts))  # a field or the file twice
    elif roll < 0.08:
        parts.append(("style", b"photograph", b"style.txt"))  # a field sent as a file
    elif roll < 0.10:
        parts += [(f"f{i}", b"1", None) for i in range(40)]  # more fields than allowed
    elif roll < 0.12 and case.data is not None:
        parts.append(("chat", b"Ann: hi", None))  # a file and a chat
    out = bytearray()
    for key, value, filename in parts:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"'.encode()
        if filename is not None:
            out += b'; filename="' + filename + b'"\r\nContent-Type: application/octet-stream'
        out += b"\r\n\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    ctype = f"multipart/form-data; boundary={boundary}"
    roll = rng.random()
    if roll < 0.03:
        return bytes(out[: rng.randrange(len(out) + 1)]), ctype  # cut short
    if roll < 0.05:
        return bytes(out), rng.choice(["multipart/form-data", "multipart/form-data; boundary=x"])
    return bytes(out), ctype


def hostile_id(rng: random.Random) -> str:
    """A song id a careless or hostile client could put in a URL."""
    if rng.random() < 0.6:
        return rng.choice(HOSTILE_IDS)
    pool = "abcXYZ019._-/%\\ \x00\t\n?#&=;:" + "".join(RTL + ZERO_WIDTH) + "é😀中"
    return "".join(rng.choice(pool) for _ in range(rng.choice([1, 8, 40, 120, 3000])))
