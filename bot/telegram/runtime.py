"""Everything the handlers share (``context.runtime``, see context.py).

The serving SearchService sits in a ``ServiceHolder``: questions borrow the current one for
the duration of a call, a reload swaps in a new one atomically, and the old one is closed
only after the last question that borrowed it has finished. ``Runtime.reload`` is the one
way to rebuild: admins' /reload and uploads and the dialogue runner all go through it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.batcher import AskBatcher
from bot.service import SearchService, rebuild
from bot.state import Conversations
from bot.telegram.feedback import FeedbackStore
from bot.telegram.state import ButtonStore, RateLimiter, UpdateGuard
from bot.types import ReloadReport
from config.settings import Settings
from embeddings import Encoder

log = logging.getLogger(__name__)
Undo = Callable[[], None]


class NotReady(RuntimeError):
    """No index is loaded yet."""


class ServiceHolder:
    """The current SearchService plus borrow counts so replaced services close when idle."""

    def __init__(self) -> None:
        """Start empty; ``swap`` puts the first service in."""
        self._current: SearchService | None = None
        self._borrowed: dict[int, int] = {}
        self._retired: dict[int, SearchService] = {}

    @property
    def current(self) -> SearchService:
        """The serving service; NotReady before the first one is loaded."""
        if self._current is None:
            raise NotReady("no index loaded")
        return self._current

    @property
    def ready(self) -> bool:
        """Whether a service is serving."""
        return self._current is not None

    @contextmanager
    def borrow(self) -> Iterator[SearchService]:
        """Use the current service; a concurrent swap will not close it under you."""
        service = self.current
        ident = id(service)
        self._borrowed[ident] = self._borrowed.get(ident, 0) + 1
        try:
            yield service
        finally:
            self._borrowed[ident] -= 1
            if not self._borrowed[ident]:
                del self._borrowed[ident]
                retired = self._retired.pop(ident, None)
                if retired is not None:
                    retired.close()

    def swap(self, service: SearchService) -> None:
        """Serve ``service`` from now on; close the previous one once nobody uses it."""
        old, self._current = self._current, service
        if old is None or old is service:
            return
        if self._borrowed.get(id(old)):
            self._retired[id(old)] = old
        else:
            old.close()

    def close(self) -> None:
        """Close the current service (at shutdown)."""
        if self._current is not None:
            self._current.close()
            self._current = None


@dataclass
class Stats:
    """Counters since start."""

    answered: int = 0
    refused: int = 0
    started: float = field(default_factory=time.monotonic)

    def uptime(self) -> str:
        """Uptime as H:MM:SS (days prefixed when over a day)."""
        seconds = int(time.monotonic() - self.started)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        return f"{days}d {text}" if days else text


@dataclass
class Runtime:
    """Settings, the serving index, locks, stores and guards of one Application."""

    settings: Settings
    encoder: Encoder | None = None
    holder: ServiceHolder = field(default_factory=ServiceHolder)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    buttons: ButtonStore = field(default_factory=ButtonStore)
    updates: UpdateGuard = field(default_factory=UpdateGuard)
    stats: Stats = field(default_factory=Stats)
    feedback: FeedbackStore | None = None
    batcher: AskBatcher = field(default_factory=AskBatcher)
    limiter: RateLimiter = field(init=False)
    conversations: Conversations = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.settings.telegram.rate_limit_per_minute)
        self.conversations = Conversations(self.settings.conversation.context_minutes * 60)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether ``user_id`` is in settings.telegram.admin_ids."""
        return user_id is not None and user_id in self.settings.telegram.admin_ids

    async def reload(self, change: Callable[[], Undo] | None = None) -> ReloadReport:
        """Rebuild from the documents folder off the event loop and swap the new index in.

        ``change`` (run first, in a worker thread, under the reload lock) edits the
        documents folder and returns how to undo the edit; the undo runs when the rebuild
        fails. On failure ReloadError propagates and the old index keeps serving.
        """
        async with self.reload_lock:
            undo = await asyncio.to_thread(change) if change is not None else None
            try:
                service, report = await asyncio.to_thread(rebuild, self.settings, self.holder.current)
            except BaseException:
                if undo is not None:
                    await asyncio.shield(asyncio.to_thread(undo))
                raise
            self.holder.swap(service)
        log.info(
            "reloaded: %d documents, %d paragraphs, %d re-embedded, %.2f s",
            report.documents, report.paragraphs, report.reembedded, report.seconds,
        )  # fmt: skip
        return report
