"""The state store from asyncio: each call runs on the store's own worker thread.

One thread per store keeps the store's single connection on one thread and its calls in
order (a SQLite write costs tens of microseconds, a PostgreSQL round trip about a tenth of
a millisecond, so one thread is not the bottleneck: see bench/state.py). Blocking locks
(``exclusive``) run on threads of their own, never on the store's.

    state = AsyncState(open_store(settings))
    wait = await state.run(state.store.rate_check, user_id, 20)
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from bot.state.sql import SqlStore

P = ParamSpec("P")
T = TypeVar("T")


class AsyncState:
    """``store`` plus an executor of one thread; ``run`` awaits a store call there."""

    def __init__(self, store: SqlStore) -> None:
        """Wrap ``store`` (closed by ``close``)."""
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qabot-state")

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the store's thread."""
        loop = asyncio.get_running_loop()
        call = contextvars.copy_context().run
        return await loop.run_in_executor(self._executor, lambda: call(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish pending calls, then close the store."""
        self._executor.shutdown(wait=True)
        self.store.close()
