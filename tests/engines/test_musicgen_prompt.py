"""The MusicGen text prompt built from a score (pure function, no torch)."""

from __future__ import annotations

import pytest

from composer.engines.prompt import (
    MOOD_WORDS,
    STYLE_PHRASES,
    build_prompt,
    instrumentation,
    span_mood,
    tempo_word,
)
from composer.music.model import Key, Note, Part, Section, Song
from composer.music.orchestra import STYLES

E_MINOR = Key(4, "minor")


def song(
    moods: list[tuple[float, float]],
    *,
    tempo: int = 64,
    style: str = "piano",
    key: Key = E_MINOR,
    parts: tuple[Part, ...] = (),
    bars: int = 4,
) -> Song:
    sections = tuple(
        Section(chr(ord("A") + i), i * bars, bars, key, v, a) for i, (v, a) in enumerate(moods)
    )
    if not parts:
        parts = (Part("Piano", 0, 0, (Note(64, 0.0, 1.0, 80),)),)
    return Song("t", key, tempo, (4, 4), sections, (), parts, (), 0, style)


def test_prompt_names_style_mood_tempo_and_key() -> None:
    text = build_prompt(song([(0.4, -0.6)]))
    assert text.startswith("intimate solo piano, ")
    assert "slow 64 bpm" in text
    assert "E minor" in text
    assert "warm" in text  # positive valence, low arousal
    assert "\n" not in text and len(text) < 200


@pytest.mark.parametrize(
    ("valence", "arousal", "word"),
    [
        (-0.8, -0.8, "melancholic"),
        (-0.8, 0.8, "tense"),
        (0.8, 0.8, "joyful"),
        (0.8, -0.8, "tender"),
        (0.0, 0.0, "contemplative"),
    ],
)
def test_mood_words_follow_valence_and_arousal(valence: float, arousal: float, word: str) -> None:
    assert word in build_prompt(song([(valence, arousal)]))


def test_each_mood_cell_reads_differently() -> None:
    prompts = {build_prompt(song([(v, a)])) for v in (-0.9, 0.0, 0.9) for a in (-0.9, 0.0, 0.9)}
    assert len(prompts) == 9
    assert len({w for row in MOOD_WORDS for w in row}) == 9


def test_texture_follows_arousal() -> None:
    assert "gentle arpeggios" in build_prompt(song([(0.0, -0.9)]))
    assert "driving" in build_prompt(song([(0.0, 0.9)]))


def test_span_describes_only_its_sections() -> None:
    s = song([(-0.8, -0.8), (0.8, 0.8)], tempo=120)  # 4 bars of 4/4 at 120 = 8 s each
    first = build_prompt(s, 0.0, 8.0)
    second = build_prompt(s, 8.0, 16.0)
    assert "melancholic" in first and "joyful" not in first
    assert "joyful" in second and "melancholic" not in second
    # Both windows keep the song's identity.
    for text in (first, second):
        assert "120 bpm" in text and "E minor" in text and "piano" in text


def test_span_mood_is_length_weighted() -> None:
    s = song([(-1.0, 0.0), (1.0, 0.0)], tempo=120)
    valence, _ = span_mood(s, 4.0, 16.0)  # 4 s of A (-1), 8 s of B (+1)
    assert valence == pytest.approx((-4.0 + 8.0) / 12.0)
    # Past the end describes the last section rather than nothing.
    assert span_mood(s, 100.0, 110.0) == (1.0, 0.0)


def test_arc_is_mentioned_for_the_whole_song_only() -> None:
    s = song([(-0.7, -0.5), (0.0, 0.0), (0.7, 0.3)])
    assert "hopeful ending" in build_prompt(s)
    assert "hopeful ending" not in build_prompt(s, 0.0, 5.0)
    assert "melancholy" in build_prompt(song([(0.7, 0.3), (-0.7, -0.5)]))


@pytest.mark.parametrize(
    ("bpm", "word"), [(58, "slow"), (72, "moderate"), (110, "upbeat"), (140, "fast")]
)
def test_tempo_words(bpm: int, word: str) -> None:
    assert tempo_word(bpm) == word
    assert f"{word} {bpm} bpm" in build_prompt(song([(0.0, 0.0)], tempo=bpm))


def test_key_and_mode_are_spelled_out() -> None:
    text = build_prompt(song([(0.0, 0.0)], key=Key(2, "dorian")))
    assert "D dorian" in text


def test_unknown_style_is_kept_and_instruments_come_from_programs() -> None:
    parts = (
        Part("Violin", 40, 0, (Note(76, 0.0, 1.0, 80),)),
        Part("Cello", 42, 1, (Note(48, 0.0, 1.0, 80),)),
        Part("Kit", 0, 9, (Note(36, 0.0, 1.0, 80),)),
    )
    assert instrumentation("Neo_Classical", parts) == "neo classical, strings and drums"
    assert instrumentation("", parts) == "strings and drums"
    assert instrumentation("", ()) == "solo piano"
    assert instrumentation("Lo-Fi", parts) == instrumentation("lofi", ())


@pytest.mark.parametrize("style", STYLES)
def test_composer_styles_reach_the_prompt_as_phrases_not_names(style: str) -> None:
    from composer.music.compose import SongOptions
    from composer.pipeline import Request, compose

    request = Request(
        moment="a slow morning with coffee",
        no_audio=True,
        song=SongOptions(style=style, length_s=20),
    )
    song = compose(request).song
    prompt = build_prompt(song)
    assert prompt.startswith(STYLE_PHRASES[style] + ", ")
    assert not prompt.startswith(style + ",")
    # A composer style left without a phrase falls back to its instruments, not its name.
    assert instrumentation(style, song.parts).startswith(STYLE_PHRASES[style])
    bare = {k: v for k, v in STYLE_PHRASES.items() if k != style}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("composer.engines.prompt.STYLE_PHRASES", bare)
        assert not instrumentation(style, song.parts).startswith(style)
        assert instrumentation(style, song.parts)
