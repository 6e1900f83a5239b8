"""The moment an update's reply is confirmed: mark the update done right there, and let
only a few updates of a replica be in that moment at once.

A crash answers a question twice only if it falls between the reply reaching Telegram and
the update's done mark being committed. Replies of one model batch are sent together, and
a busy event loop takes tens of milliseconds to get back to each of them, so a SIGKILL in a
burst used to catch several in that state. Now the inbox sets ``CURRENT`` for the task
answering an update; ``send_html`` (reply.py) sends a reply's last message inside
``final_reply()``: through the replica's lane (``[state] replies_in_flight`` sends at a
time, default 1) it sends, and before leaving the lane marks the update done on the done
marks' own path (bot/state/done.py). At most that many updates per replica are ever "sent
but not done". A reply that failed, or a mark that failed, is left to the inbox, which
marks the update done (with retries) after its handlers return, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Pending:
    """The update a task is answering, and how to mark it done at once."""

    update_id: int
    mark: Callable[[int], Awaitable[bool]]  # one quick attempt; True when committed
    lane: asyncio.Semaphore
    done: bool = False


CURRENT: ContextVar[Pending | None] = ContextVar("qabot_pending_reply", default=None)


@asynccontextmanager
async def final_reply() -> AsyncIterator[None]:
    """Around the send of a reply's last message: in the lane, then the done mark."""
    pending = CURRENT.get()
    if pending is None or pending.done:
        yield
        return
    async with pending.lane:
        yield  # the send; an exception skips the mark
        pending.done = await pending.mark(pending.update_id)
