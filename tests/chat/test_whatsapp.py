"""WhatsApp exports: timestamps, date order, multi-line messages, placeholders, zips."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime

import pytest

from composer.chat import parse
from composer.errors import InputError


def texts(data: bytes | str) -> list[tuple[str, str]]:
    return [(m.speaker, m.text) for m in parse(data).messages]


def times(data: str) -> list[datetime | None]:
    return [m.time for m in parse(data).messages]


US = "12/24/23, 9:15 PM - Ann: merry eve\n1/2/24, 8:00 AM - Bob: happy new year\n"
EU = "24/12/2023, 21:15 - Ann: merry eve\n01/02/2024, 08:00 - Bob: see you in February\n"


def test_us_file_is_read_month_first() -> None:
    assert times(US) == [datetime(2023, 12, 24, 21, 15), datetime(2024, 1, 2, 8, 0)]


def test_eu_file_is_read_day_first() -> None:
    assert times(EU) == [datetime(2023, 12, 24, 21, 15), datetime(2024, 2, 1, 8, 0)]


def test_one_unambiguous_date_settles_the_whole_file() -> None:
    late = "3/4/24, 10:00 - Ann: a\n5/6/24, 10:00 - Bob: b\n7/13/24, 10:00 - Ann: c\n"
    assert [t.month for t in times(late) if t] == [3, 5, 7]
    early = "3/4/24, 10:00 - Ann: a\n5/6/24, 10:00 - Bob: b\n13/7/24, 10:00 - Ann: c\n"
    assert [t.month for t in times(early) if t] == [4, 6, 7]


def test_ambiguous_dates_follow_the_order_that_keeps_them_increasing() -> None:
    # Read day-first these would go 1 Feb -> 3 Jan (backwards); month-first they increase.
    chat = "1/2/22, 10:00 - Ann: a\n3/1/22, 10:00 - Bob: b\n"
    assert times(chat) == [datetime(2022, 1, 2, 10), datetime(2022, 3, 1, 10)]


def test_iso_dates_and_finnish_klo_format() -> None:
    assert times("2019-01-01 12:00 - Ann: hi\n2019-01-02 13:05 - Bob: yo\n") == [
        datetime(2019, 1, 1, 12),
        datetime(2019, 1, 2, 13, 5),
    ]
    fi = "[12.3.2022 klo 14.08.18] Matti: Moi\n[13.3.2022 klo 9.01.02] Liisa: Hei\n"
    assert texts(fi) == [("Matti", "Moi"), ("Liisa", "Hei")]
    assert times(fi) == [datetime(2022, 3, 12, 14, 8, 18), datetime(2022, 3, 13, 9, 1, 2)]


def test_narrow_nbsp_and_lrm_are_handled() -> None:
    chat = (
        "\u200e[5/17/24, 8:02:41\u202fAM] Sam: \u200eimage omitted\n"
        "[5/17/24, 8:03:00\u202fPM] Sam: hi\n"
    )
    assert texts(chat) == [("Sam", "hi")]
    assert times(chat) == [datetime(2024, 5, 17, 20, 3)]


def test_narrow_nbsp_saved_in_a_legacy_code_page_is_read() -> None:
    # U+202F written to cp1252/latin-1 with replacement becomes "?" (found by a property test)
    chat = "3/2/24, 9:40\u202fPM - Maya: GUESS WHAT\n3/2/24, 9:41\u202fPM - Leo: no way\n"
    data = chat.encode("cp1252", "replace")
    assert b"9:40?PM" in data
    assert texts(data) == [("Maya", "GUESS WHAT"), ("Leo", "no way")]
    assert times(chat.replace("\u202f", "?")) == [
        datetime(2024, 3, 2, 21, 40),
        datetime(2024, 3, 2, 21, 41),
    ]


def test_multi_line_message_and_crlf() -> None:
    chat = "17/05/2024, 08:02 - Sam: first line\r\nsecond line\r\n\r\nafter a blank\r\n"
    chat += "17/05/2024, 08:03 - Priya: ok\r\n"
    assert texts(chat.encode()) == [
        ("Sam", "first line\nsecond line\n\nafter a blank"),
        ("Priya", "ok"),
    ]


@pytest.mark.parametrize(
    "placeholder",
    [
        "<Media omitted>",
        "This message was deleted",
        "You deleted this message",
        "image omitted",
        "GIF omitted",
        "Contact card omitted",
        "report.pdf • 3 pages document omitted",
        "<attached: 00000012-AUDIO-2024-05-17-08-04-19.opus>",
        "null",
        "Missed voice call",
    ],
)
def test_placeholders_are_skipped(placeholder: str) -> None:
    chat = f"17/05/2024, 08:02 - Sam: hello\n17/05/2024, 08:03 - Sam: {placeholder}\n"
    assert texts(chat) == [("Sam", "hello")]


def test_edited_suffix_is_stripped_and_caption_kept() -> None:
    chat = (
        "17/05/2024, 08:02 - Sam: sorry I was late <This message was edited>\n"
        "17/05/2024, 08:03 - Sam: IMG-20240517-WA0001.jpg (file attached)\nlook at this\n"
    )
    assert texts(chat) == [("Sam", "sorry I was late"), ("Sam", "look at this")]


def test_authors_with_spaces_emoji_phone_numbers_and_colons_in_text() -> None:
    chat = (
        "17/05/2024, 08:02 - +1 (555) 010-0000: meet at 10:30: ok?\n"
        "17/05/2024, 08:03 - Mary Ann 🌸: Note: bring snacks\n"
        "17/05/2024, 08:03 - ~\u202fKim: not in contacts\n"
        '17/05/2024, 08:04 - Ann changed the subject to "Plans: summer"\n'
        '17/05/2024, 08:05 - Ann created group "Trip"\n'
    )
    assert texts(chat) == [
        ("+1 (555) 010-0000", "meet at 10:30: ok?"),
        ("Mary Ann 🌸", "Note: bring snacks"),
        ("Kim", "not in contacts"),
    ]


def test_ios_system_lines_marked_with_lrm_are_skipped(read_fixture: Callable[[str], bytes]) -> None:
    data = read_fixture("whatsapp_ios_joy.txt").decode()
    assert "encrypted" not in " ".join(t for _, t in texts(data))
    assert "encrypted" in data


def test_zip_export_with_chat_txt_and_media() -> None:
    chat = "24/12/2023, 21:15 - Ann: merry eve\n24/12/2023, 21:16 - Bob: <Media omitted>\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("WhatsApp Chat with Bob.txt", chat)
        z.writestr("IMG-20231224-WA0001.jpg", b"\xff\xd8\xff\xe0" + bytes(200))
    result = parse(buf.getvalue())
    assert result.format == "whatsapp"
    assert result.title == "Bob"
    assert [(m.speaker, m.text) for m in result.messages] == [("Ann", "merry eve")]


def test_title_from_filename_hint_is_a_name_only() -> None:
    chat = parse(EU, filename="/no/such/dir/WhatsApp Chat with Ann.txt")
    assert chat.title == "Ann"


def test_forced_whatsapp_on_a_plain_transcript_fails() -> None:
    with pytest.raises(InputError):
        parse("Ann: hi\nBob: hello\n", "whatsapp")
