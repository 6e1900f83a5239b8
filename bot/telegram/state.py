"""Server-side state behind inline buttons, duplicate-update and per-user rate guards.

callback_data is limited to 64 bytes (a Chinese character takes 3), so buttons carry only
"<action>:<key>"; the question and cited paragraphs live here, in a bounded LRU with a TTL.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.types import Hit

MAX_CALLBACK_BYTES = 64
Clock = Callable[[], float]


@dataclass(frozen=True)
class AnswerRef:
    """What the buttons under one reply refer to."""

    question: str
    lang: str
    hits: tuple[Hit, ...]
    next_offset: int  # ask(question, offset=next_offset) gives the next page
    chat_id: int
    shown: frozenset[tuple[str, int]] = frozenset()  # (document, ¶n) already sent


class ButtonStore:
    """Short random keys → AnswerRef; least recently used and expired entries are dropped."""

    def __init__(
        self, max_items: int = 10_000, ttl: float = 24 * 3600, clock: Clock = time.monotonic
    ) -> None:
        """Keep at most ``max_items`` entries, each for ``ttl`` seconds after it was stored."""
        self.max_items = max_items
        self.ttl = ttl
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, AnswerRef]] = OrderedDict()

    def __len__(self) -> int:
        """Entries currently held (expired ones may linger until touched)."""
        return len(self._items)

    def put(self, ref: AnswerRef) -> str:
        """Store ``ref`` and return its new key (8 URL-safe characters)."""
        key = secrets.token_urlsafe(6)
        while key in self._items:
            key = secrets.token_urlsafe(6)
        self._items[key] = (self._clock(), ref)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> AnswerRef | None:
        """The entry for ``key``, or None when unknown or expired."""
        item = self._items.get(key)
        if item is None:
            return None
        stored_at, ref = item
        if self._clock() - stored_at > self.ttl:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return ref


def callback_data(action: str, key: str) -> str:
    """``action:key``, checked against Telegram's 64-byte limit."""
    data = f"{action}:{key}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data {data!r} exceeds {MAX_CALLBACK_BYTES} bytes")
    return data


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """``(action, key)`` from callback_data, or None when it is not ours."""
    if not data or ":" not in data:
        return None
    action, _, key = data.partition(":")
    return (action, key) if action and key else None


class UpdateGuard:
    """Remembers recent update_ids so an update delivered twice is handled once."""

    def __init__(self, max_items: int = 50_000) -> None:
        """Remember at most ``max_items`` ids."""
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self.max_items = max_items

    def first_time(self, update_id: int) -> bool:
        """True the first time ``update_id`` is seen, False on repeats."""
        if update_id in self._seen:
            return False
        self._seen.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self.max_items:
            self._seen.discard(self._order.popleft())
        return True


class RateLimiter:
    """At most ``per_minute`` events per user in any 60-second window (0 = unlimited)."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic) -> None:
        """Allow ``per_minute`` events per user per sliding minute."""
        self.per_minute = per_minute
        self._clock = clock
        self._events: dict[int, deque[float]] = {}

    def check(self, user_id: int) -> int:
        """Record an event; return 0 when allowed, else whole seconds until the next is."""
        if self.per_minute <= 0:
            return 0
        now = self._clock()
        events = self._events.setdefault(user_id, deque())
        while events and now - events[0] >= 60:
            events.popleft()
        if len(events) >= self.per_minute:
            return max(1, int(60 - (now - events[0]) + 0.999))
        events.append(now)
        if len(self._events) > 10_000:
            self._prune(now)
        return 0

    def _prune(self, now: float) -> None:
        for user_id in [u for u, ev in self._events.items() if not ev or now - ev[-1] >= 60]:
            del self._events[user_id]
