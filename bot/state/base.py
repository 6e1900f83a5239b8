"""The base of the state store's SQL: driver-neutral cursor and lock protocols, and the
hooks each backend (sqlite.py, postgres.py) fills in.

Statements use ``?`` placeholders; the PostgreSQL backend turns them into ``%s`` (``q``).
Every store method is synchronous and short; the bot calls them through
``bot.state.aio.AsyncState`` (one worker thread per store). Times are Unix seconds from
``self.clock``. The statements themselves live by concern in inbox_sql.py, chat_sql.py and
log_sql.py, and sql.py puts them together as ``SqlStore``.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol


class Cursor(Protocol):
    """What both drivers' cursors offer."""

    def execute(self, sql: Any, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: Any, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...

    @property
    def rowcount(self) -> int: ...


class Lock(Protocol):
    """A non-blocking lock held until released or until the holder dies."""

    def try_acquire(self) -> bool:
        """Take the lock if free; True when held (now or already)."""
        ...

    def held(self) -> bool:
        """Still ours (False when the connection that held it was lost)."""
        ...

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        ...


def cited_json(cited: Sequence[tuple[str, int]]) -> str:
    return json.dumps([[doc, int(n)] for doc, n in cited], ensure_ascii=False)


def cited_from(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((str(doc), int(n)) for doc, n in json.loads(text))


def bot_id_of(token: str) -> int:
    """The bot a token belongs to: the number before its colon (0 when there is none)."""
    head = token.split(":", 1)[0].strip()
    return int(head) if head.isdigit() else 0


class SqlBase(ABC):
    """Connection hooks every part of the store builds on.

    ``bot_id`` is the bot whose inbox, question log and conversations the store reads and
    writes (``bot_id_of`` its token; 0 = no bot, e.g. `qabot report`): one data folder or
    database may serve several bots one after the other without mixing their update_ids.
    """

    backend = ""
    clock: Callable[[], float] = staticmethod(time.time)
    bot_id: int = 0

    def __init__(self, legacy_dir: Path | None = None) -> None:
        """Subclasses connect first, then call ``migrate``. ``legacy_dir``: the data folder
        whose feedback.sqlite3 (votes kept before this store existed) migration 2 imports."""
        self._lock = threading.RLock()
        self.legacy_dir = legacy_dir

    # -- backend hooks -------------------------------------------------------------------

    @abstractmethod
    def _write(self) -> AbstractContextManager[Cursor]:
        """A cursor inside a write transaction (committed on success, rolled back on error)."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Cursor]:
        """A cursor for reading."""

    @abstractmethod
    def _claim(self, cur: Cursor, replica: str, now: float, limit: int) -> None:
        """Run the claiming UPDATE … RETURNING update_id, payload, attempts (see ``claim``)."""

    @abstractmethod
    def _migration_lock(self, cur: Cursor) -> None:
        """Serialise concurrent migrations (called first inside the migration transaction)."""

    @abstractmethod
    def leader_lock(self, name: str) -> Lock:
        """A lock only one process holds at a time, dropped when that process dies."""

    @abstractmethod
    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """Block until the named lock is ours, across processes; release on exit."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection(s)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the state lives, for logs (never a password)."""

    def sql(self, sql: str) -> str:
        """``sql`` in this driver's placeholder style."""
        return sql

