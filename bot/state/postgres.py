"""The shared backend: PostgreSQL through psycopg 3, for several replicas of the bot.

One autocommit connection carries the store's statements (each write in a transaction
block); it is reopened when lost. Claims use ``FOR UPDATE SKIP LOCKED`` so replicas never
wait on each other's rows. Locks are session advisory locks on connections of their own:
PostgreSQL drops them the moment the holder's connection goes away (a killed process closes
its socket at once; a vanished machine is noticed by the TCP keepalives set on the lock
connection within about 15 s).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import psycopg

from bot.state.sql import CLAIMABLE, Cursor, SqlStore

CONNECT_TIMEOUT = 10
# Server-side keepalives on lock connections: a holder that vanished without closing its
# socket loses its locks after about idle + interval × count seconds.
KEEPALIVE = ("SET tcp_keepalives_idle = 5", "SET tcp_keepalives_interval = 2",
             "SET tcp_keepalives_count = 3")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"qabot:{name}".encode()).digest()[:8], "big", signed=True)


def safe_url(url: str) -> str:
    """``url`` without its password (for logs and messages)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection; psycopg's error says what failed (password removed)."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                               application_name="qabot")
    except psycopg.OperationalError as exc:
        raise ConnectionError(
            f"cannot connect to PostgreSQL at {safe_url(url)} ({exc}); check QABOT_DATABASE_URL"
        ) from None


class AdvisoryLock:
    """pg_try_advisory_lock on a dedicated connection; lost with that connection."""

    def __init__(self, url: str, key: int) -> None:
        """Lock ``key`` in the database at ``url``."""
        self.url = url
        self.key = key
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False

    def try_acquire(self) -> bool:
        """Take the lock if free (a lost connection is reopened first)."""
        if self.held():
            return True
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect(self.url)
                for statement in KEEPALIVE:
                    self._conn.execute(statement)
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except (psycopg.Error, ConnectionError):
            self._drop()
            return False
        self._held = bool(row and row[0])
        return self._held

    def held(self) -> bool:
        """Still ours: the connection that took it answers."""
        if not self._held or self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Unlock and close the connection (idempotent)."""
        self._drop()

    def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            conn.close()  # ends the session: PostgreSQL releases its advisory locks


class PostgresStore(SqlStore):
    """The state store in the PostgreSQL database at ``url`` (postgresql://user@host:port/db)."""

    backend = "postgresql"

    def __init__(self, url: str, legacy_dir: Path | None = None) -> None:
        """Connect and migrate (``legacy_dir``: see SqlStore)."""
        super().__init__(legacy_dir)
        self.url = url
        self._conn = connect(url)
        self.migrate()

    def describe(self) -> str:
        """Where the state lives (for logs; no password)."""
        return f"PostgreSQL {safe_url(self.url)}"

    def sql(self, sql: str) -> str:
        """psycopg's placeholders."""
        return sql.replace("?", "%s")

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn.closed or self._conn.broken:
            self._conn = connect(self.url)
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[Cursor]:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextmanager
    def _read(self) -> Iterator[Cursor]:
        with self._connection().cursor() as cur:
            yield cur

    def _claim(self, cur: Cursor, replica: str, now: float, limit: int) -> None:
        # Planned afresh each time (prepare=False): a plan cached while the inbox was small
        # scans the whole table once it has grown (statistics change, the cached plan not).
        cast(psycopg.Cursor[Any], cur).execute(
            self.sql(f"WITH picked AS (SELECT i.update_id {CLAIMABLE} FOR UPDATE OF i SKIP LOCKED)"
                   " UPDATE inbox SET state = 'claimed', claimed_by = ?, claimed_at = ?,"
                   " attempts = inbox.attempts + 1 FROM picked WHERE inbox.bot_id = ?"
                   " AND inbox.update_id = picked.update_id"
                   " RETURNING inbox.update_id, inbox.payload, inbox.attempts"),
            (self.bot_id, limit, replica, now, self.bot_id), prepare=False,
        )

    def _migration_lock(self, cur: Cursor) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("migrate"),))

    def leader_lock(self, name: str) -> AdvisoryLock:
        """An advisory lock named ``name`` on its own connection."""
        return AdvisoryLock(self.url, lock_key(name))

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Wait for the advisory lock ``name`` on a connection of its own; release on exit."""
        conn = connect(self.url)
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(name),))
            yield
        finally:
            conn.close()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
