"""The durable inbox between Telegram and the handlers: nothing received is ever lost.

    receive  ── commit to the store ──▶ inbox ──▶ claim ──▶ app.process_update ──▶ finish
    (poller on the leader replica, or the webhook on any replica)      (every replica)

- The poller (poller.py) runs only on the replica holding the store's "poller" lock; it
  hands each getUpdates batch here as JSON (``accept``: each item parsed on its own,
  received.py; all committed at once) before confirming it; the webhook hands each body.
  An update that cannot be parsed is kept done with its reason, logged once and counted
  (qabot_updates_unparsed), never answered. What the inbox keeps is keyed by the bot (the
  id before the token's colon), so another bot on the same data folder starts afresh, and
  an update_id counts as a duplicate only within a day (Telegram numbers updates afresh
  after a week without any).
- The dispatcher claims waiting updates (one query for up to ``[state] workers`` rows,
  never two of one chat, never one whose chat has an earlier unfinished update) and runs
  each through PTB's ``Application.process_update``, which awaits the handlers. The
  update is marked done the moment its reply is confirmed (replied.py: one reply of a
  replica at a time, on the done marks' own connection), else after its handlers. Killed
  at any moment, a replica leaves its claims behind; they go back to the inbox when its
  heartbeat is older than ``[state] lease_seconds`` (checked by every replica each second)
  and are answered then. The only window for a second answer is between the reply being
  sent and the done mark being committed.
- An update claimed more than MAX_ATTEMPTS times (it crashed the bot each time) is dropped
  with an error in the log instead of crashing it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.state import AsyncState, Claimed, InboxUpdate
from bot.state.done import DoneMarks, done_marks
from bot.telegram.metrics import Metrics
from bot.telegram.poller import Poller
from bot.telegram.received import receive
from bot.telegram.replied import CURRENT, Pending
from config.settings import Settings

log = logging.getLogger(__name__)
QAApp = Application[Any, Any, Any, Any, Any, Any]
MAX_ATTEMPTS = 3
HEARTBEAT = 1.0  # seconds between heartbeats (and dead-replica checks)
IDLE_CLAIM = 0.5  # seconds between claims when idle: other replicas' inserts show up this fast
PURGE_EVERY = 300.0


def replica_id() -> str:
    """host:pid:random — unique per process, readable in the replicas table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class InboxCounters:
    """What this replica did since start (for tests, benches and logs)."""

    committed: int = 0  # of which new in the inbox
    unparsed: int = 0  # kept as received: they could not be parsed
    handled: int = 0
    dropped: int = 0  # poison updates given up
    taken_over: int = 0  # claims of dead replicas this replica handed back to the inbox
    store_seconds: float = 0.0  # wall time awaiting inbox store calls


class Inbox:
    """Poller (when leader), dispatcher, heartbeat and upkeep of one replica."""

    def __init__(
        self,
        app: QAApp,
        state: AsyncState,
        settings: Settings,
        *,
        poll_timeout: float = 10,
        allowed_updates: Sequence[str] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """Configure (not start)."""
        self.app, self.state, self.settings = app, state, settings
        self.metrics = metrics
        self.replica = replica_id()
        self.counters = InboxCounters()
        self.poller = Poller(app, state, self.replica, self.accept, poll_timeout, allowed_updates)
        self._wake = asyncio.Event()
        self._handling: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._closing = False
        self._marks: DoneMarks | None = None
        self._lane = asyncio.Semaphore(max(1, settings.state.replies_in_flight))

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, *, poll: bool) -> None:
        """Register this replica, then start the loops (the poller only when ``poll``)."""
        await self._heartbeat()
        try:
            self._marks = done_marks(self.state.store)
        except Exception as exc:  # the worker thread's path still works
            log.warning("no separate path for done marks (%r)", exc)
        if adopted := await self.state.run(self.state.store.adopt_inbox):
            log.info("%d inbox rows from before the inbox was keyed by bot are this bot's", adopted)
        loops = [self._dispatch(), self._beat()] + ([self.poller.supervise()] if poll else [])
        self._loops = [asyncio.create_task(loop) for loop in loops]
        log.info("inbox started (replica %s, %s)", self.replica, self.state.store.describe())

    async def stop(self) -> None:
        """Stop polling and claiming, let updates being answered finish (at most [ops]
        shutdown_grace_seconds), give back what is left and leave the replicas table."""
        self._closing = True
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        await self.poller.release()
        if self._handling:
            grace = self.settings.ops.shutdown_grace_seconds
            _, late = await asyncio.wait(set(self._handling), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        with contextlib.suppress(Exception):
            store = self.state.store
            if released := await self.state.run(store.release, self.replica):
                log.warning("stopping: %d unfinished updates handed back to the inbox", released)
            await self.state.run(store.forget_replica, self.replica)
        if self._marks is not None:
            with contextlib.suppress(Exception):
                await self._marks.close()
            self._marks = None

    @property
    def leader(self) -> bool:
        """Whether this replica polls Telegram now."""
        return self.poller.leader

    def wake(self) -> None:
        """Claim now (new updates were committed, or a chat's earlier update finished)."""
        self._wake.set()

    # -- receiving -----------------------------------------------------------------------

    async def accept(self, batch: Sequence[Any], payloads: Sequence[str] | None = None) -> int | None:
        """Parse each raw update on its own (received.py) and commit them all (raises when the
        store cannot); one that cannot be parsed is kept as unparsable, then logged and
        counted. ``payloads``: the JSON as received, item by item (the webhook's body).
        Returns the highest update_id kept (None: none had one)."""
        rows: list[InboxUpdate] = []
        for i, raw in enumerate(batch):
            row = receive(raw, self.app.bot, payloads[i] if payloads is not None else None)
            if row is None:
                self._unparsed(f"an item without an update_id ({type(raw).__name__})")
            else:
                rows.append(row)
        await self.commit(rows)
        for row in rows:
            if row.unparsable is not None:
                self._unparsed(f"update {row.update_id} ({row.unparsable})")
        return max((row.update_id for row in rows), default=None)

    def _unparsed(self, what: str) -> None:
        self.counters.unparsed += 1
        if self.metrics is not None:
            self.metrics.updates_unparsed.inc()
        log.warning("%s cannot be parsed: kept in the inbox as unparsable, not answered", what)

    async def commit(self, rows: Sequence[InboxUpdate]) -> int:
        """Commit received updates (raises when the store cannot); returns how many were new."""
        started = time.perf_counter()
        new = await self.state.run(self.state.store.add_updates, rows)
        self.counters.store_seconds += time.perf_counter() - started
        self.counters.committed += new
        self.wake()
        return new

    # -- answering -----------------------------------------------------------------------

    async def _dispatch(self) -> None:
        workers = max(1, self.settings.state.workers)
        while not self._closing:
            self._wake.clear()
            free = workers - len(self._handling)
            claimed: list[Claimed] = []
            if free > 0:
                started = time.perf_counter()
                try:
                    claimed = await self.state.run(self.state.store.claim, self.replica, free)
                except Exception as exc:
                    log.error("could not claim updates (%r); retrying", exc)
                    await asyncio.sleep(1.0)
                    continue
                finally:
                    self.counters.store_seconds += time.perf_counter() - started
            for item in claimed:
                task = asyncio.create_task(self._handle(item))
                self._handling.add(task)
                task.add_done_callback(self._handling.discard)
            if claimed and len(claimed) == free:
                continue  # maybe more are waiting: claim again once a worker is free
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_CLAIM)

    async def _handle(self, item: Claimed) -> None:
        pending = Pending(item.update_id, self._mark_now, self._lane)
        if item.attempts > MAX_ATTEMPTS:
            self.counters.dropped += 1
            log.error("update %s was claimed %d times without finishing; dropped",
                      item.update_id, item.attempts)
        else:
            reset = CURRENT.set(pending)  # the reply's last message marks it done (replied.py)
            try:
                update = Update.de_json(json.loads(item.payload), self.app.bot)
                await self.app.process_update(update)
            except Exception:  # the error handler has told the user; never retry forever
                log.exception("update %s could not be processed", item.update_id)
            finally:
                CURRENT.reset(reset)
        if not pending.done:  # no reply marked it: none sent, a failure, or dropped
            await self._finish(item.update_id)
        self.counters.handled += 1
        self.wake()

    async def _mark_now(self, update_id: int) -> bool:
        """One attempt on the done marks' own path (False: leave it to ``_finish``)."""
        if self._marks is None:
            return False
        started = time.perf_counter()
        try:
            await self._marks.mark(update_id)
            return True
        except Exception as exc:
            log.warning("done mark of update %s on its own path failed (%r)", update_id, exc)
            return False
        finally:
            self.counters.store_seconds += time.perf_counter() - started

    async def _finish(self, update_id: int) -> None:
        """Mark done at once on the done marks' own path (done.py), else through the store's
        worker thread ahead of its queue, retried while the store is unreachable."""
        if await self._mark_now(update_id):
            return
        for attempt in range(10):
            started = time.perf_counter()
            try:
                await self.state.run_first(self.state.store.finish, update_id)  # see AsyncState
                return
            except Exception as exc:
                log.warning("could not mark update %s done (%r); retrying", update_id, exc)
                await asyncio.sleep(0.5 * (attempt + 1))
            finally:
                self.counters.store_seconds += time.perf_counter() - started
        log.error("update %s stays claimed: the store is unreachable", update_id)

    # -- liveness and upkeep -------------------------------------------------------------

    async def _heartbeat(self) -> None:
        store, lease = self.state.store, self.settings.state.lease_seconds
        freed = await self.state.run(store.heartbeat, self.replica, socket.gethostname(), os.getpid(), lease)
        if freed:
            self.counters.taken_over += freed
            log.warning("took over %d unfinished updates of a replica that stopped", freed)
            self.wake()

    async def _beat(self) -> None:
        next_purge = time.monotonic() + PURGE_EVERY
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._heartbeat()
                if time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + PURGE_EVERY
                    await self._purge()
            except Exception as exc:
                log.warning("heartbeat failed (%r); retrying", exc)

    async def _purge(self) -> None:
        s = self.settings
        removed = await self.state.run(
            self.state.store.purge, log_days=s.state.question_log_days,
            button_days=s.state.button_days, context_seconds=s.conversation.context_minutes * 60,
        )
        if any(removed.values()):
            log.info("purged %s", ", ".join(f"{n} {table}" for table, n in removed.items() if n))

