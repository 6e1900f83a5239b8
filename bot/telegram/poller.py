"""Receiving updates by long polling, on exactly one replica at a time.

The poller runs only on the replica holding the store's "poller" lock (a PostgreSQL advisory
lock or a flock: dropped at once when its holder dies, so a standby replica takes over
within a second). Each getUpdates batch is committed to the inbox (``commit``, one
transaction) before the next getUpdates confirms it with the offset (last update_id + 1);
an update already in the inbox is dropped there, and a batch the store cannot take is not
confirmed, so Telegram keeps it for us. A new poller starts from the highest committed id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.state import AsyncState, InboxUpdate, Lock

log = logging.getLogger(__name__)
QAApp = Application[Any, Any, Any, Any, Any, Any]
Commit = Callable[[Sequence[InboxUpdate]], Awaitable[int]]
LEADER_RETRY = 1.0  # seconds between attempts to become the poller


def chat_of(update: Update) -> int | None:
    """The chat an update belongs to (its replies must stay in order), if any."""
    chat = update.effective_chat
    return chat.id if chat is not None else None


class Poller:
    """getUpdates → ``commit`` while this replica holds the poller lock."""

    def __init__(
        self, app: QAApp, state: AsyncState, replica: str, commit: Commit,
        poll_timeout: float = 10, allowed_updates: Sequence[str] | None = None,
    ) -> None:
        """Configure (not start)."""
        self.app, self.state, self.replica, self.commit = app, state, replica, commit
        self.poll_timeout = poll_timeout
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.leader = False
        self.polled = 0  # updates received by getUpdates
        self.conflicts = 0  # getUpdates answered 409
        self._lock: Lock | None = None

    async def run(self) -> None:
        """Poll while leader, try to become it otherwise; until cancelled."""
        self._lock = lock = self.state.store.leader_lock(f"poller.{self.state.store.bot_id}")
        offset: int | None = None
        while True:
            if not await asyncio.to_thread(lock.held):
                if self.leader:
                    log.warning("lost the poller lock; another replica polls now")
                self.leader = await asyncio.to_thread(lock.try_acquire)
                if not self.leader:
                    await asyncio.sleep(LEADER_RETRY)
                    continue
                offset = await self._become_leader()
            try:
                updates = await self.app.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=self.allowed_updates
                )
            except Conflict as exc:
                self.conflicts += 1
                log.warning("getUpdates conflict (%s); retrying in %.0f s", exc, LEADER_RETRY)
                await asyncio.sleep(LEADER_RETRY)
                continue
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except TimedOut:
                continue
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            if not updates:
                continue
            self.polled += len(updates)
            rows = [InboxUpdate(u.update_id, chat_of(u), u.to_json()) for u in updates]
            try:
                await self.commit(rows)
            except Exception as exc:  # store down: do not confirm; Telegram keeps them for us
                log.error("could not commit %d updates (%r); they will be fetched again", len(rows), exc)
                await asyncio.sleep(1.0)
                continue
            offset = max(u.update_id for u in updates) + 1

    async def release(self) -> None:
        """Give up the poller lock (at shutdown), so a standby replica polls at once."""
        if self._lock is not None:
            await asyncio.to_thread(self._lock.release)
        self.leader = False

    async def _become_leader(self) -> int | None:
        log.info("replica %s polls Telegram now", self.replica)
        with contextlib.suppress(TelegramError):
            await self.app.bot.delete_webhook(drop_pending_updates=False)
        last = await self.state.run(self.state.store.last_update_id)
        return None if last is None else last + 1


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
