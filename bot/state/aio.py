"""The state store from asyncio: each call runs on the store's own worker thread.

One thread per store keeps the store's single connection on one thread and its calls in
order (a SQLite write costs tens of microseconds, a PostgreSQL round trip about a tenth of
a millisecond, so one thread is not the bottleneck: see bench/state.py). Blocking locks
(``exclusive``) run on threads of their own, never on the store's.

``run_first`` puts a call ahead of the queued ones: the inbox marks an update done with it
right after its reply is sent, since a crash between the two is the one moment a question
can be answered twice (a burst queues dozens of store calls; the done mark must not wait
behind them).

    state = AsyncState(open_store(settings))
    wait = await state.run(state.store.rate_check, user_id, 20)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from bot.state.sql import SqlStore

P = ParamSpec("P")
T = TypeVar("T")

_URGENT, _NORMAL, _STOP = 0, 1, 2


class AsyncState:
    """``store`` plus one worker thread; ``run`` awaits a store call there."""

    def __init__(self, store: SqlStore) -> None:
        """Wrap ``store`` (closed by ``close``)."""
        self.store = store
        self._calls: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]] = queue.PriorityQueue()
        self._order = itertools.count()  # first come, first served within a priority
        self._worker = threading.Thread(target=self._work, name="qabot-state", daemon=True)
        self._worker.start()

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the store's thread, after the calls queued before it."""
        return await self._submit(_NORMAL, fn, *args, **kwargs)

    async def run_first(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the store's thread, before the queued ``run`` calls."""
        return await self._submit(_URGENT, fn, *args, **kwargs)

    async def _submit(self, priority: int, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        context = contextvars.copy_context()

        def call() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                result = context.run(fn, *args, **kwargs)
            except BaseException as exc:  # handed to the awaiting coroutine
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                loop.call_soon_threadsafe(_settle, future, result, error)

        self._calls.put((priority, next(self._order), call))
        return await future

    def _work(self) -> None:
        while True:
            _, _, call = self._calls.get()
            if call is None:
                return
            call()

    def close(self) -> None:
        """Finish pending calls, then close the store."""
        self._calls.put((_STOP, next(self._order), None))
        self._worker.join()
        self.store.close()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
