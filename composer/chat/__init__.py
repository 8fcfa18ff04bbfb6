"""Chat import: bytes or text in, a :class:`Chat` out.

Formats are detected automatically (``parse(data)``) or forced (``parse(data, fmt="slack")``).
"""

from __future__ import annotations

from composer.chat.model import Chat, Message

__all__ = ["Chat", "Message"]
