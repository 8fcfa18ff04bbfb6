"""Form: how many bars, which sections, and which part of the conversation each one is.

The conversation's arc (mood segments) is laid over the song's time line: each body
section takes the mood of the segment at the same relative position, so the song moves
through the conversation in order. A single-mood chat gets a classic A–B–A′ shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from composer.mood.model import Mood
from composer.music import mapping
from composer.music.model import Key


@dataclass(frozen=True, slots=True)
class PlannedSection:
    """A section before notes: name, length, the mood it carries and who it features."""

    name: str
    bars: int
    role: str  # "intro", "theme", "contrast", "return", "climax", "coda"
    valence: float
    arousal: float
    dominance: float
    speaker: str | None
    segment: int = -1  # the mood segment it carries (-1: intro and coda)
    intensity: float = 0.0  # how intense that stretch of the chat is


def bars_for(length_s: float, tempo: int, bar_beats: float) -> int:
    """Whole bars that fill ``length_s`` seconds at ``tempo``."""
    return max(8, round(length_s * tempo / 60.0 / bar_beats))


def single_form(n: int) -> str:
    """Letters of ``n`` body sections for a one-mood song: A, AA, ABA, AABA, ABABA,
    AABABA …: themes return, contrasts are framed, and the song ends on a return."""
    if n % 2:
        return "AB" * (n // 2) + "A"
    return "A" + "AB" * ((n - 2) // 2) + "A"


def plan(
    mood: Mood, total_bars: int, valence: float, arousal: float, section_bars: int = 8
) -> list[PlannedSection]:
    """Plan intro, body sections (``section_bars`` = 8: periods, the last one 4 bars if
    the phrases do not pair up; 4: single phrases) and a coda.

    ``valence``/``arousal`` are the overall values (possibly overridden by the user);
    segment moods are shifted by the same amount as the override, so the arc survives.
    The climax is the full-length return of the opening theme nearest two thirds of the
    way through a one-mood song (never the last of several returns, which restates the
    theme as it was: the climax is behind it); in a song that follows an arc, the
    full-length section of the chat's most intense stretch (arousal + ½|valence|).
    The arc's segment moods are stretched to the chat's own range (:func:`stretch`).
    """
    dv = valence - mood.valence
    da = arousal - mood.arousal
    intro = 2 if total_bars < 24 else 4
    coda = 4
    stretch_v = stretch([s.vad.valence for s in mood.segments], 0.5, keep_sign=True)
    stretch_a = stretch([s.vad.arousal for s in mood.segments], 0.4)
    phrases = max(1, round((total_bars - intro - coda) / 4))
    if section_bars == 4:
        body = [4] * phrases
    else:
        body = [8] * (phrases // 2) + ([4] if phrases % 2 else [])
    segs = mood.segments
    single = len(segs) == 1
    shape = single_form(len(body))
    out = [
        PlannedSection("intro", intro, "intro", valence, clamp(arousal - 0.2), mood.dominance, None)
    ]
    letters = iter("ABCDEFGH")
    seen: dict[int, str] = {}
    count: dict[str, int] = {}
    for i, bars in enumerate(body):
        pos = (i + 0.5) / len(body)
        seg_index = min(len(segs) - 1, int(pos * len(segs)))
        seg = segs[seg_index]
        v, a = stretch_v(seg.vad.valence) + dv, stretch_a(seg.vad.arousal) + da
        if single:
            letter = shape[i]
        else:
            if seg_index not in seen:
                seen[seg_index] = next(letters, "X")
            letter = seen[seg_index]
        role = "contrast" if single and letter == "B" else "theme"
        if role == "contrast":
            # B sections contrast: more motion, a shade darker.
            a, v = a + 0.15, v - 0.1
        primes = count.get(letter, 0)
        count[letter] = primes + 1
        name = letter + ("'" * primes if primes < 3 else str(primes + 1))
        out.append(
            PlannedSection(
                name,
                bars,
                role,
                clamp(v),
                clamp(a),
                seg.vad.dominance,
                seg.dominant_speaker,
                seg_index,
                seg.vad.arousal + 0.5 * abs(seg.vad.valence),
            )
        )
    full = [j for j in range(1, len(out)) if out[j].bars == max(body)]
    returns = [j for j in full if single and j > 1 and out[j].name[0] == out[1].name[0]]
    if full:
        if not single:  # the climax lands on the most intense stretch of the chat
            j = max(full, key=lambda k: (round(out[k].intensity, 6), k))
        else:
            j = climax_index(out, returns) if len(returns) > 1 else (returns or full)[-1]
        s = out[j]
        out[j] = dataclasses.replace(s, role="climax", arousal=clamp(s.arousal + 0.1))
    last = out[-1]
    out.append(
        PlannedSection(
            "coda", coda, "coda", last.valence, clamp(last.arousal - 0.3), last.dominance, None
        )
    )
    return out


def stretch(values: list[float], half: float, keep_sign: bool = False) -> Callable[[float], float]:
    """Stretch a chat's segment moods to its own range: real chats vary little on an
    absolute scale, so the spread around their mean is widened to at least ``half``
    each way (at most four times), keeping the order and the mean. With ``keep_sign``
    a value stops at 0 rather than cross it (and 0, which the mood's own stretch gives a
    stretch that would have crossed, stays 0): a neutral or dark stretch of the chat (the
    comfort after a loss, read at -0.003) is not moved into a bright major by the
    stretch alone (it is heard lighter, not turned: see :func:`lighten`)."""
    if len(values) < 2:
        return lambda x: x
    mid = sum(values) / len(values)
    spread = max(abs(x - mid) for x in values)
    k = min(4.0, max(1.0, half / spread)) if spread > 1e-6 else 1.0

    def widen(x: float) -> float:
        y = mid + k * (x - mid)
        return 0.0 if keep_sign and (x * y < 0.0 or x == 0.0) else y  # neutral stays neutral

    return widen


def climax_index(out: list[PlannedSection], returns: list[int]) -> int:
    """Of the returns (indices into ``out``, the last one excluded), the one whose middle
    is nearest two thirds of the way through the sections planned so far."""
    starts = [0]
    for s in out:
        starts.append(starts[-1] + s.bars)
    golden = 2 / 3 * starts[-1]
    return min(returns[:-1], key=lambda j: (abs(starts[j] + out[j].bars / 2 - golden), -j))


def clamp(x: float) -> float:
    return max(-1.0, min(1.0, x))


def section_key(home: Key, valence: float, is_arc: bool, role: str, contrast: str) -> Key:
    """The key of a section.

    In a conversation that changes mood, a section moves to the relative key when its
    mood has crossed to the other mode; in a one-mood song, a contrasting (B) section
    goes where ``contrast`` says (the mood table's cue for the first B, "home" after).
    """
    if role in ("intro", "coda"):
        return home
    if is_arc:
        if (home.is_major and valence < -0.05) or (not home.is_major and valence > 0.05):
            return Key(home.tonic, "minor" if home.is_major else "major")
        return home
    if role == "contrast" and contrast == "relative":
        return mapping.relative_key(home)
    return home


def lighten(keys: list[Key], sections: list[PlannedSection]) -> list[Key]:
    """An arc's keys with every minor section that comes back :data:`mapping.ARC_STEP`
    or more brighter than an earlier minor one in the dorian (the raised sixth
    throughout: the quarrel, softened, is heard in a lighter mode, not only softer)."""
    out = list(keys)
    for i, (k, s) in enumerate(zip(keys, sections, strict=True)):
        if k.mode != "minor" or s.role in ("intro", "coda"):
            continue
        darker = [
            t
            for t, kt in zip(sections[:i], out[:i], strict=True)
            if kt == k and t.role not in ("intro", "coda")
        ]
        if any(s.valence - t.valence >= mapping.ARC_STEP for t in darker):
            out[i] = Key(k.tonic, "dorian")
    return out
