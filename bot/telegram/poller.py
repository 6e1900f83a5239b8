"""Receiving updates by long polling, on exactly one replica at a time, supervised.

The poller runs only on the replica holding the store's "poller" lock (a PostgreSQL advisory
lock or a flock: dropped at once when its holder dies, so a standby replica takes over
within a second). Each getUpdates batch is fetched as JSON and handed to ``accept``
(Inbox.accept: every item parsed on its own, committed in one transaction) before the next
getUpdates confirms it with the offset (last update_id + 1); an update already in the
inbox is dropped there, and a batch the store cannot take is not confirmed, so Telegram
keeps it for us. A new poller starts from the highest committed id.

``supervise`` keeps it running: when the polling loop ends for any reason but shutdown,
or getUpdates fails FAILURES_TO_YIELD times in a row, it gives the lock back (another
replica may poll meanwhile), logs at ERROR, is ``down`` (/readyz 503, ``qabot_poller`` 0)
and starts again after a backoff. An empty answer that came back well before the long-poll
timeout waits EMPTY_PAUSE before the next getUpdates (a proxy or an emulator that ignores
``timeout`` must not make it spin).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram.error import Conflict, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.state import AsyncState, Lock

log = logging.getLogger(__name__)
QAApp = Application[Any, Any, Any, Any, Any, Any]
Accept = Callable[[Sequence[Any]], Awaitable[int | None]]  # raw batch → highest update_id kept
LEADER_RETRY = 1.0  # seconds between attempts to become the poller
EMPTY_PAUSE = 0.5  # seconds before the next getUpdates after an empty answer that came early
READ_SLACK = 5.0  # seconds a getUpdates answer may take beyond its long-poll timeout
FAILURES_TO_YIELD = 5  # getUpdates failures in a row after which the lock is given back
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before restarting a poller that stopped
STEADY = 60.0  # a poller that ran this long starts its backoff afresh when it stops
# Raw JSON is what we want from getUpdates here (see received.py); PTB warns on principle.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.get(U|_u)pdates'", category=PTBUserWarning)


class PollingFailed(RuntimeError):
    """getUpdates kept failing: let another replica try."""


class Poller:
    """getUpdates → ``accept`` while this replica holds the poller lock."""

    def __init__(
        self, app: QAApp, state: AsyncState, replica: str, accept: Accept,
        poll_timeout: float = 10, allowed_updates: Sequence[str] | None = None,
    ) -> None:
        """Configure (not start)."""
        self.app, self.state, self.replica, self.accept = app, state, replica, accept
        self.poll_timeout = poll_timeout
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.leader = False
        self.down: str | None = None  # why the poller is not running now (None: it is)
        self.polled = 0  # updates received by getUpdates
        self.conflicts = 0  # getUpdates answered 409
        self.restarts = 0  # times ``supervise`` started it again
        self._lock: Lock | None = None

    async def supervise(self) -> None:
        """``run``, started again after a backoff whenever it ends; until cancelled."""
        failures = 0
        while True:
            started = time.monotonic()
            try:
                await self.run()
                reason = "the polling loop returned"
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = repr(exc)
                log.error("the poller stopped: %s", reason, exc_info=not isinstance(exc, PollingFailed))
            self.down = reason
            try:
                await self.release()
            except Exception as exc:  # the supervisor itself must never stop
                self.leader = False
                log.error("could not give the poller lock back (%r)", exc)
            failures = 1 if time.monotonic() - started > STEADY else failures + 1
            pause = BACKOFF[min(failures, len(BACKOFF)) - 1]
            log.error("the poller is down (%s); the lock is given back, restarting in %.0f s", reason, pause)
            await asyncio.sleep(pause)
            self.restarts += 1

    async def run(self) -> None:
        """Poll while leader, try to become it otherwise; until cancelled."""
        self._lock = lock = self.state.store.leader_lock(f"poller.{self.state.store.bot_id}")
        offset: int | None = None
        failed = 0
        while True:
            if not await asyncio.to_thread(lock.held):
                if self.leader:
                    log.warning("lost the poller lock; another replica polls now")
                self.leader = await asyncio.to_thread(lock.try_acquire)
                if not self.leader:
                    self.down = None  # another replica polls: nothing is missing
                    await asyncio.sleep(LEADER_RETRY)
                    continue
                offset = await self._become_leader()
            asked = time.monotonic()
            try:
                batch = await self._get_updates(offset)
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
                failed += 1
                if failed >= FAILURES_TO_YIELD:
                    raise PollingFailed(f"getUpdates failed {failed} times in a row ({exc})") from exc
                log.warning("getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            failed, self.down = 0, None
            if not batch:
                if time.monotonic() - asked < self.poll_timeout / 2:
                    await asyncio.sleep(EMPTY_PAUSE)  # answered at once with nothing: no spinning
                continue
            self.polled += len(batch)
            try:
                highest = await self.accept(batch)
            except Exception as exc:  # store down: do not confirm; Telegram keeps them for us
                log.error("could not commit %d updates (%r); they will be fetched again", len(batch), exc)
                await asyncio.sleep(1.0)
                continue
            if highest is not None:
                offset = highest + 1

    async def _get_updates(self, offset: int | None) -> list[Any]:
        """One getUpdates, its result as JSON (a list: anything else is a TelegramError)."""
        params: dict[str, Any] = {"timeout": self.poll_timeout}
        if offset is not None:
            params["offset"] = offset
        if self.allowed_updates is not None:
            params["allowed_updates"] = self.allowed_updates
        result = await self.app.bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=self.poll_timeout + READ_SLACK
        )
        if not isinstance(result, list):
            raise TelegramError(f"getUpdates answered {type(result).__name__}, not a list of updates")
        return result

    async def release(self) -> None:
        """Give up the poller lock (at shutdown, or when down), so a standby replica polls."""
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
