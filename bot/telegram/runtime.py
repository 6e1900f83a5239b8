"""Everything the handlers share (``context.runtime``, see context.py).

The serving SearchService sits in a ``ServiceHolder``: questions borrow the current one for
the duration of a call, a reload swaps in a new one atomically, and the old one is closed
only after the last question that borrowed it has finished. ``Runtime.reload`` is the one
way to rebuild: admins' /reload and uploads and the dialogue runner all go through it.

Replicas share the documents folder, the index folder and the state store. A rebuild holds
the store's "rebuild" lock (one replica at a time) and publishes a new index version (the
index_dir symlink); every replica checks that link each second (``follow``) and swaps to a
version another replica published. Button state, context, rate limits, votes and the
question log live in the state store (``state``), never in this process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engine.lifecycle import open_service, rebuild
from bot.engine.service import SearchService
from bot.engine.types import ReloadReport, Turn
from bot.serving.batcher import AskBatcher
from bot.state import AsyncState, LogEntry
from bot.telegram.state import AnswerRef, new_key
from config.settings import Settings
from embeddings import Encoder

if TYPE_CHECKING:
    from bot.telegram.inbox import Inbox

log = logging.getLogger(__name__)
FOLLOW_EVERY = 1.0  # seconds between checks for an index version another replica published
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


def published_version(index_dir: Path) -> str:
    """The index version the index_dir symlink points at ("" when it is not a symlink)."""
    try:
        return str(index_dir.readlink())
    except OSError:
        return ""


@dataclass
class Runtime:
    """Settings, the serving index, locks, the state store and counters of one Application."""

    settings: Settings
    encoder: Encoder | None = None
    holder: ServiceHolder = field(default_factory=ServiceHolder)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stats: Stats = field(default_factory=Stats)
    batcher: AskBatcher = field(default_factory=AskBatcher)
    state: AsyncState | None = None  # opened by post_init
    serving: str = ""  # the published index version being served
    inbox: Inbox | None = None  # set by ``running``

    @property
    def db(self) -> AsyncState:
        """The state store (NotReady before post_init opened it)."""
        if self.state is None:
            raise NotReady("state store not open")
        return self.state

    def is_admin(self, user_id: int | None) -> bool:
        """Whether ``user_id`` is in settings.telegram.admin_ids."""
        return user_id is not None and user_id in self.settings.telegram.admin_ids

    async def rate_wait(self, user_id: int) -> int:
        """Count a question (or 更多段落) of ``user_id``: 0 when allowed, else seconds to wait.
        Admins are exempt."""
        if self.is_admin(user_id):
            return 0
        db = self.db
        return await db.run(db.store.rate_check, user_id, self.settings.telegram.rate_limit_per_minute)

    async def context_of(self, chat_id: int) -> Turn | None:
        """The chat's last turn while fresh ([conversation] context_minutes)."""
        db = self.db
        return await db.run(db.store.get_turn, chat_id, self.settings.conversation.context_minutes * 60)

    async def record(self, entry: LogEntry, turn: Turn | None, ref: AnswerRef | None) -> str | None:
        """Log a question, keep its chat's context and its buttons' state in one transaction;
        returns the buttons' key (None without ``ref``)."""
        key = new_key() if ref is not None else None
        button = None if ref is None or key is None else (key, ref.to_json())
        db = self.db
        await db.run(db.store.record_answer, replace(entry, answer_key=key), turn, button)
        return key

    async def remember(self, ref: AnswerRef) -> str:
        """Keep the state of a new keyboard; returns its key."""
        key, db = new_key(), self.db
        await db.run(db.store.put_button, key, ref.to_json())
        return key

    async def buttons(self, key: str) -> AnswerRef | None:
        """What the keyboard ``key`` refers to (None: unknown, expired or unreadable)."""
        db = self.db
        text = await db.run(db.store.get_button, key, self.settings.state.button_days * 86400)
        if text is None:
            return None
        try:
            return AnswerRef.from_json(text)
        except ValueError as exc:
            log.warning("button %s: %s", key, exc)
            return None

    async def open(self) -> None:
        """Open the index (building it when stale, one replica at a time) at start."""
        db = self.db

        def work() -> tuple[SearchService, str]:
            with db.store.exclusive("rebuild"):
                return open_service(self.settings, self.encoder), published_version(self.settings.index_dir)

        service, self.serving = await asyncio.to_thread(work)
        self.holder.swap(service)

    async def reload(self, change: Callable[[], Undo] | None = None) -> ReloadReport:
        """Rebuild from the documents folder off the event loop and swap the new index in.

        ``change`` (run first, in the worker thread, under the reload locks) edits the
        documents folder and returns how to undo the edit; the undo runs when the rebuild
        fails. On failure ReloadError propagates and the old index keeps serving. The shared
        "rebuild" lock keeps other replicas from rebuilding at the same time; they swap to the
        published version within a second or two (``follow``).
        """
        async with self.reload_lock:
            db, current = self.db, self.holder.current

            def work() -> tuple[SearchService, ReloadReport, str]:
                with db.store.exclusive("rebuild"):
                    undo = change() if change is not None else None
                    try:
                        service, report = rebuild(self.settings, current)
                    except BaseException:
                        if undo is not None:
                            undo()
                        raise
                    return service, report, published_version(self.settings.index_dir)

            service, report, self.serving = await asyncio.to_thread(work)
            self.holder.swap(service)
        log.info(
            "reloaded: %d documents, %d paragraphs, %d re-embedded, %.2f s",
            report.documents, report.paragraphs, report.reembedded, report.seconds,
        )  # fmt: skip
        return report

    async def follow(self) -> bool:
        """Swap to an index version another replica published; True when swapped."""
        index_dir = self.settings.index_dir
        if self.reload_lock.locked() or not self.holder.ready:
            return False
        if published_version(index_dir) in ("", self.serving):
            return False
        async with self.reload_lock:
            db, current = self.db, self.holder.current

            def work() -> tuple[SearchService, str]:
                with db.store.exclusive("rebuild"):
                    service = open_service(self.settings, current.encoder, current.second)
                    return service, published_version(index_dir)

            service, self.serving = await asyncio.to_thread(work)
            self.holder.swap(service)
        log.info("now serving index %s (published by another replica)", self.serving)
        return True

    async def follow_forever(self) -> None:
        """``follow`` every FOLLOW_EVERY seconds; a failed swap is logged once per version."""
        failed = ""
        while True:
            await asyncio.sleep(FOLLOW_EVERY)
            try:
                await self.follow()
            except Exception as exc:
                version = published_version(self.settings.index_dir)
                if version != failed:
                    log.warning("could not load index %s (%r); still serving %s", version, exc, self.serving)
                    failed = version
