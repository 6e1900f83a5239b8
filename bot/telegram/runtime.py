"""Everything the handlers share (``context.runtime``, see context.py).

``Runtime.engine`` is the serving layer (bot/serving/engine.py): handlers ask through
``engine.ask`` and admins' /reload and uploads rebuild through ``engine.reload``. Button
state, context, rate limits, votes and the question log live in the state store
(``Runtime.state``), never in this process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.engine.types import Teaching, Turn
from bot.serving.engine import ServedEngine
from bot.serving.holder import NotReady
from bot.state import AsyncState, LogEntry
from bot.state.published import index_source
from bot.telegram.metrics import Metrics
from bot.telegram.refs import AnswerRef, new_key
from config.settings import Settings
from embeddings import Encoder

if TYPE_CHECKING:
    from bot.telegram.inbox import Inbox

log = logging.getLogger(__name__)


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
    """Settings, the serving index, locks, the state store and counters of one Application."""

    settings: Settings
    engine: ServedEngine
    stats: Stats = field(default_factory=Stats)
    open_state: AsyncState | None = None  # the state store once post_init opened it (see ``state``)
    inbox: Inbox | None = None  # set by ``running``
    metrics: Metrics = field(default_factory=Metrics)
    draining: bool = False  # stopping: /readyz answers 503, no new updates are taken

    @classmethod
    def create(cls, settings: Settings, encoder: Encoder | None = None) -> Runtime:
        """A runtime whose engine rebuilds under the state store's "rebuild" lock and takes
        the published index from the database with PostgreSQL (else from the folders)."""
        runtime = cls(settings, ServedEngine(settings, encoder))
        runtime.engine.shared_lock = lambda: runtime.state.store.exclusive("rebuild")
        runtime.engine.source = index_source(settings)  # the folders, or the database
        runtime.engine.swapped = runtime.metrics.swapped
        runtime.engine.teachings = runtime.taught
        return runtime

    async def taught(self) -> tuple[Teaching, ...]:
        """What admins taught (the state store's teachings)."""
        return await self.state.run(self.state.store.taught)

    @property
    def state(self) -> AsyncState:
        """The state store (NotReady before post_init opened it)."""
        if self.open_state is None:
            raise NotReady("state store not open")
        return self.open_state

    def is_admin(self, user_id: int | None) -> bool:
        """Whether ``user_id`` is in settings.telegram.admin_ids."""
        return user_id is not None and user_id in self.settings.telegram.admin_ids

    async def rate_wait(self, user_id: int) -> int:
        """Count a question (or 更多段落) of ``user_id``: 0 when allowed, else seconds to wait.
        Admins are exempt."""
        if self.is_admin(user_id):
            return 0
        limit = self.settings.telegram.rate_limit_per_minute
        wait = await self.state.run(self.state.store.rate_check, user_id, limit)
        if wait:
            self.metrics.question("rate_limited")
        return wait

    async def context_of(self, chat_id: int) -> Turn | None:
        """The chat's last turn while fresh ([conversation] context_minutes)."""
        fresh = self.settings.conversation.context_minutes * 60
        return await self.state.run(self.state.store.get_turn, chat_id, fresh)

    async def record(self, entry: LogEntry, turn: Turn | None, ref: AnswerRef | None) -> str | None:
        """Log a question, keep its chat's context and its buttons' state in one transaction;
        returns the buttons' key (None without ``ref``)."""
        key = new_key() if ref is not None else None
        button = None if ref is None or key is None else (key, ref.to_json())
        await self.state.run(self.state.store.record_answer, replace(entry, answer_key=key), turn, button)
        self.metrics.question(entry.status, entry.ms / 1000)
        return key

    async def remember(self, ref: AnswerRef) -> str:
        """Keep the state of a new keyboard; returns its key."""
        key = new_key()
        await self.state.run(self.state.store.put_button, key, ref.to_json())
        return key

    async def buttons(self, key: str) -> AnswerRef | None:
        """What the keyboard ``key`` refers to (None: unknown, expired or unreadable)."""
        text = await self.state.run(self.state.store.get_button, key, self.settings.state.button_days * 86400)
        if text is None:
            return None
        try:
            return AnswerRef.from_json(text)
        except ValueError as exc:
            log.warning("button %s: %s", key, exc)
            return None
