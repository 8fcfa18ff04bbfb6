"""Plain transcripts (Name: text, [HH:MM] Name: text, IRC) and prose."""

from __future__ import annotations

from composer.chat import TIME_ONLY_DATE, UNKNOWN_SPEAKER, parse


def pairs(text: str) -> list[tuple[str, str]]:
    chat = parse(text)
    assert chat.format == "plain"
    return [(m.speaker, m.text) for m in chat.messages]


def test_colons_inside_text_and_label_lines() -> None:
    text = "Note: this is from last night\nMaya: we meet at 10:30: fine?\nLeo: sure\n"
    assert pairs(text) == [
        (UNKNOWN_SPEAKER, "Note: this is from last night"),
        ("Maya", "we meet at 10:30: fine?"),
        ("Leo", "sure"),
    ]


def test_wrapped_lines_continue_and_blank_lines_carry_the_speaker() -> None:
    text = "Maya: first line\nstill Maya\n\nafter a blank line\nLeo: ok\n"
    assert pairs(text) == [
        ("Maya", "first line\nstill Maya"),
        ("Maya", "after a blank line"),
        ("Leo", "ok"),
    ]


def test_multi_word_names_and_lowercase_sentences() -> None:
    text = "Dr. Jane Smith: hello\nJan van Dijk: hoi\nthen she said: go away\n"
    assert pairs(text) == [
        ("Dr. Jane Smith", "hello"),
        ("Jan van Dijk", "hoi\nthen she said: go away"),
    ]


def test_irc_with_stamps_modes_and_system_lines() -> None:
    text = (
        "[21:03] <@noor> hello all\n[21:04] -!- jonas has joined #tea\n[21:05] <+jonas> hi noor\n"
    )
    chat = parse(text)
    assert [(m.speaker, m.text) for m in chat.messages] == [
        ("noor", "hello all"),
        ("jonas", "hi noor"),
    ]
    assert chat.messages[1].time == TIME_ONLY_DATE.replace(hour=21, minute=5)


def test_prose_becomes_one_message_per_paragraph() -> None:
    text = (
        "The rain stopped just as we reached the top.\nEveryone was laughing: soaked, happy.\n\n"
        "Then the sun came out."
    )
    assert pairs(text) == [
        (
            UNKNOWN_SPEAKER,
            "The rain stopped just as we reached the top.\nEveryone was laughing: soaked, happy.",
        ),
        (UNKNOWN_SPEAKER, "Then the sun came out."),
    ]


def test_forced_plain_reads_whatsapp_lines_as_prose_not_crash() -> None:
    chat = parse("17/05/2024, 08:02 - Sam: hi\n", "plain")
    assert chat.format == "plain"
    assert len(chat.messages) == 1
