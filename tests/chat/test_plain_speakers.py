"""Plain transcripts: a speaker who has not spoken before starts a new message (issue 18).

The excerpts are written for these tests in the style of published TV and film
transcripts (scene lines in brackets, stage directions in parentheses, pair and group
speakers, ALL-CAPS screenplay names); none is copied from a real show.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from composer.chat import UNKNOWN_SPEAKER, parse


def pairs(text: str) -> list[tuple[str, str]]:
    chat = parse(text)
    assert chat.format == "plain"
    return [(m.speaker, m.text) for m in chat.messages]


SITCOM = """\
[Scene: The coffee house. Priya is behind the counter, Owen is on the couch.]

Owen: Has anyone seen my other shoe? I have been wearing one shoe since noon.
Priya: (not looking up) Check the lost and found. It's mostly shoes.
Owen: That is deeply worrying.
Dana and Theo: (bursting in) We got the apartment!
Priya: No way! The one with the balcony?
Dana and Theo: The one with the balcony!
Mom & Dad: (from the doorway) Did somebody say balcony?
Owen: Oh good, the parents are here.
#ALL#: Surprise!
Theo: Wait, who is this party for?
"""


def test_new_pair_and_group_speakers_start_messages() -> None:
    assert pairs(SITCOM) == [
        (UNKNOWN_SPEAKER, SITCOM.splitlines()[0]),
        ("Owen", "Has anyone seen my other shoe? I have been wearing one shoe since noon."),
        ("Priya", "(not looking up) Check the lost and found. It's mostly shoes."),
        ("Owen", "That is deeply worrying."),
        ("Dana and Theo", "(bursting in) We got the apartment!"),
        ("Priya", "No way! The one with the balcony?"),
        ("Dana and Theo", "The one with the balcony!"),
        ("Mom & Dad", "(from the doorway) Did somebody say balcony?"),
        ("Owen", "Oh good, the parents are here."),
        ("ALL", "Surprise!"),
        ("Theo", "Wait, who is this party for?"),
    ]


SCREENPLAY = """\
MARGO: You said eight. It is twenty past nine.
LUIS: The bridge was up. The whole town was sitting in their cars.
MARGO AND THE KIDS: We ate without you.
LUIS: Fair.
EVERYONE: (singing badly) Happy birthday to you...
LUIS: Okay, okay. I deserve this.
"""


def test_all_caps_screenplay_names_each_start_a_message() -> None:
    assert [s for s, _ in pairs(SCREENPLAY)] == [
        "MARGO",
        "LUIS",
        "MARGO AND THE KIDS",
        "LUIS",
        "EVERYONE",
        "LUIS",
    ]


def test_a_speaker_whose_first_line_is_the_last_line() -> None:
    text = "Ana: did you bring the cake?\nBen: it's in the car\nAna + Ben: we are so late\n"
    assert pairs(text)[-1] == ("Ana + Ben", "we are so late")


def test_note_and_reported_speech_inside_a_message_stay_text() -> None:
    text = (
        "Kit: Gran, the recipe?\n"
        "Gran: I wrote it all down for you.\n"
        "Note: the oven runs hot, so take it out early.\n"
        "PS: don't tell your uncle.\n"
        "then she said: go away\n"
        "Kit: Thank you Gran!\n"
    )
    assert pairs(text) == [
        ("Kit", "Gran, the recipe?"),
        (
            "Gran",
            "I wrote it all down for you.\nNote: the oven runs hot, so take it out early.\n"
            "PS: don't tell your uncle.\nthen she said: go away",
        ),
        ("Kit", "Thank you Gran!"),
    ]


def test_a_lower_case_name_that_opens_two_lines_is_a_speaker() -> None:
    text = (
        "Jo: dinner sunday?\n"
        "mom and dad: yes!! we'll bring dessert\n"
        "Jo: great\n"
        "mom and dad: and the dog\n"
    )
    assert [s for s, _ in pairs(text)] == ["Jo", "mom and dad", "Jo", "mom and dad"]


def test_sentences_with_joiners_are_not_names() -> None:
    text = "Ana: so\nBread and butter: that's all we had\nBen: ha\n"
    assert pairs(text)[0] == ("Ana", "so\nBread and butter: that's all we had")


def test_prose_with_a_colon_stays_prose() -> None:
    text = "Rain and wind: the whole weekend at the lake, reading by the stove."
    assert pairs(text) == [(UNKNOWN_SPEAKER, text)]


WORD = st.sampled_from(["Ross", "RACHEL", "Mom", "Dad", "Dr.", "Ana", "Everyone", "Kid 2", "Jo"])
JOIN = st.sampled_from([" and ", " & ", " + ", " ", " AND "])


@st.composite
def speaker_names(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORD, min_size=1, max_size=2))
    name = words[0]
    for w in words[1:]:
        name += draw(JOIN) + w
    return name if len(name.split()) <= 4 else words[0]


@settings(max_examples=150, deadline=None)
@given(speaker_names(), st.sampled_from(["", "#"]))
def test_any_new_speaker_like_name_starts_a_message(name: str, tag: str) -> None:
    if tag and " " in name:
        tag = ""
    text = f"Sam: hello there\nLee: hi Sam\n{tag}{name}{tag}: we are here too\nSam: welcome\n"
    got = pairs(text)
    assert len(got) == 4
    assert got[2] == (name, "we are here too")
