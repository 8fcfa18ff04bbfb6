"""Made-up chats for the mood reader's speed figures (``bench/mood_eval.py``).

Nearly all lines distinct, chat-like lengths, a few emoji and short replies: what the
reader sees in a real export, without any real person's words.
"""

from __future__ import annotations

import random

_WHO = ["I", "you", "we", "my mom", "the boss", "Sam", "this", "that movie", "the team", "he"]
_VERB = [
    "love", "hate", "miss", "can't believe", "just saw", "need", "want", "forgot", "finished",
    "lost", "found", "cancelled", "booked", "broke", "fixed", "called", "ignored", "won",
]  # fmt: skip
_WHAT = [
    "the tickets", "dinner", "the car", "my keys", "the game", "that song", "our trip",
    "the report", "your message", "the dog", "the party", "this weather", "the exam", "it",
]  # fmt: skip
_TAIL = ["", "", "", "!", "!!", "?", " lol", " 😂", "...", " haha", " :)", " tbh", " 😭", " ❤️"]
_SHORT = ["ok", "sure", "lol", "k", "yeah", "haha", "omg", "nooo", "yes!!", "wait what", "👍"]
_GLUE = [" and ", " but ", ", ", ". ", " because "]


def make_chat(n: int, seed: int) -> list[tuple[str, str]]:
    """A made-up chat of ``n`` (speaker, text) lines, nearly all distinct, chat-like lengths."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for _ in range(n):
        who = rng.choice(["Ana", "Ben", "Chloe"])
        if rng.random() < 0.12:
            out.append((who, rng.choice(_SHORT)))
            continue
        parts = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            clause = f"{rng.choice(_WHO)} {rng.choice(_VERB)} {rng.choice(_WHAT)}"
            if rng.random() < 0.4:
                clause += f" at {rng.randint(1, 12)}"
            parts.append(clause)
        text = parts[0]
        for p in parts[1:]:
            text += rng.choice(_GLUE) + p
        out.append((who, text[0].upper() + text[1:] + rng.choice(_TAIL)))
    return out
