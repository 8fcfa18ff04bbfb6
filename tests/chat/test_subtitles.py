"""SubRip and WebVTT cues: speakers, tags, timings."""

from __future__ import annotations

from datetime import timedelta

from composer.chat import TIME_ONLY_DATE, UNKNOWN_SPEAKER, parse


def pairs(text: str, fmt: str = "auto") -> list[tuple[str, str]]:
    return [(m.speaker, m.text) for m in parse(text, fmt).messages]


SRT = """1
00:00:01,000 --> 00:00:03,000
<i>JOHN: Where are you</i>
going tonight?

2
00:00:03,500 --> 00:00:05,000
- Out.
- MARY: With whom?

3
01:02:03,4 --> 01:02:05,000
[door slams]
♪ la la ♪
"""


def test_srt_names_dashes_tags_and_sound_descriptions() -> None:
    chat = parse(SRT)
    assert chat.format == "srt"
    assert [(m.speaker, m.text) for m in chat.messages] == [
        ("JOHN", "Where are you going tonight?"),
        (UNKNOWN_SPEAKER, "Out."),
        ("MARY", "With whom?"),
        (UNKNOWN_SPEAKER, "la la"),
    ]
    assert chat.messages[-1].time == TIME_ONLY_DATE + timedelta(hours=1, minutes=2, seconds=3.4)


VTT = """WEBVTT
Kind: captions

STYLE
::cue { color: yellow }

NOTE a comment
that spans lines

intro
00:01.000 --> 00:02.500 align:start position:10%
<v.loud.angry Sam>Stop it!</v> <b>Now</b>
<v Priya>Why &amp; how?

00:00:03.000 --> 00:00:04.000
<c.yellow>no voice here</c>
"""


def test_vtt_voices_classes_optional_hours_and_entities() -> None:
    chat = parse(VTT)
    assert chat.format == "vtt"
    assert [(m.speaker, m.text) for m in chat.messages] == [
        ("Sam", "Stop it! Now"),
        ("Priya", "Why & how?"),
        (UNKNOWN_SPEAKER, "no voice here"),
    ]
    assert chat.messages[0].time == TIME_ONLY_DATE + timedelta(seconds=1)


def test_vtt_without_header_is_vtt_by_filename_hint_or_when_forced() -> None:
    body = VTT.split("intro\n", 1)[1]
    assert parse(body).format == "srt"
    assert parse(body, filename="clip.vtt").format == "vtt"
    assert pairs(body, "vtt")[0] == ("Sam", "Stop it! Now")


def test_overlapping_cues_keep_file_order() -> None:
    text = "1\n00:00:05,000 --> 00:00:08,000\nlater\n\n2\n00:00:01,000 --> 00:00:09,000\nearlier\n"
    assert [t for _, t in pairs(text)] == ["later", "earlier"]
