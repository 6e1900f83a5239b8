"""Per-chat conversation context: the last turn, kept for a while (follow-up questions).

Telegram, the console chat and the dialogue runner all keep context here, so a follow-up
("最少的呢？") is understood the same way everywhere. A question the documents do not cover
(turn None: "红烧肉怎么做？" in between) leaves the thread as it was, so the follow-up after
it still follows the last answered one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.engine.types import Turn

Clock = Callable[[], float]


class Conversations:
    """chat id → last Turn; a turn older than ``ttl`` seconds is forgotten (0 = never kept)."""

    def __init__(self, ttl: float, max_items: int = 100_000, clock: Clock = time.monotonic) -> None:
        """Keep at most ``max_items`` chats, least recently used dropped first."""
        self.ttl = ttl
        self.max_items = max_items
        self._clock = clock
        self._items: OrderedDict[int, tuple[float, Turn]] = OrderedDict()

    def get(self, chat_id: int) -> Turn | None:
        """The chat's last turn while it is fresh, else None."""
        item = self._items.get(chat_id)
        if item is None:
            return None
        at, turn = item
        if self._clock() - at > self.ttl:
            del self._items[chat_id]
            return None
        return turn

    def put(self, chat_id: int, turn: Turn | None) -> None:
        """Remember ``turn`` as the chat's context from now on (None: a refused question,
        which keeps the context it came after, until it grows stale)."""
        if turn is None or self.ttl <= 0:
            return
        self._items.pop(chat_id, None)
        self._items[chat_id] = (self._clock(), turn)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
