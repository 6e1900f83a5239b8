"""The done mark's own path: an update is marked done the moment its reply is confirmed.

A crash between a reply reaching Telegram and its done mark being committed is the one way
a question gets answered twice. Through the store's worker thread (aio.py) the mark waits
for the call in progress there and for that thread to get the GIL back (5 ms switch
interval, several hand-offs per call) while the event loop is busy with a burst. So the
inbox marks done on a connection of its own, from the event loop itself:

- SQLite: a second connection, one autocommitted UPDATE (a WAL append without fsync, tens
  of microseconds; sqlite3 lets go of the GIL while it runs or waits on the write lock).
- PostgreSQL: an asyncio connection (psycopg.AsyncConnection), one autocommitted UPDATE:
  the statement is on its way as soon as ``mark`` is called, no thread involved.

Any failure leaves the mark to the store's worker thread (``SqlStore.finish``, retried).
"""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import psycopg

from bot.state.inbox_sql import FINISH
from bot.state.postgres import PostgresStore
from bot.state.sql import SqlStore
from bot.state.sqlite import SqliteStore

BUSY_MS = 200  # SQLite: how long a mark may wait for another connection's write


class DoneMarks(Protocol):
    """Marks updates done on a path of its own."""

    async def mark(self, update_id: int) -> None:
        """Mark ``update_id`` (of the store's bot) done; raise when that failed."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...


class SqliteDoneMarks:
    """A second connection to the store's SQLite file, used from the event loop."""

    def __init__(self, store: SqliteStore) -> None:
        """Connect to ``store``'s file."""
        self.store = store
        self._conn = sqlite3.connect(store.path, timeout=BUSY_MS / 1000, isolation_level=None,
                                     check_same_thread=False)
        # It runs on the event loop: wait for another process's write for a moment only,
        # then leave the mark to the worker thread (which waits as long as it takes).
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        self._conn.execute("PRAGMA synchronous = NORMAL")

    async def mark(self, update_id: int) -> None:
        """One autocommitted UPDATE, right here."""
        self._conn.execute(FINISH, (self.store.clock(), self.store.bot_id, update_id))

    async def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class PostgresDoneMarks:
    """An asyncio connection to the store's PostgreSQL database (reopened when lost)."""

    def __init__(self, store: PostgresStore) -> None:
        """Configure; the connection opens on first use."""
        self.store = store
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def mark(self, update_id: int) -> None:
        """One autocommitted UPDATE on the asyncio connection."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = await psycopg.AsyncConnection.connect(
                self.store.url, autocommit=True, connect_timeout=5,
                application_name="qabot-done")
        await self._conn.execute(self.store.sql(FINISH), (self.store.clock(), self.store.bot_id, update_id))

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def done_marks(store: SqlStore) -> DoneMarks:
    """The done-mark path for ``store``'s backend."""
    if isinstance(store, SqliteStore):
        return SqliteDoneMarks(store)
    if isinstance(store, PostgresStore):
        return PostgresDoneMarks(store)
    raise TypeError(f"no done-mark path for {type(store).__name__}")
