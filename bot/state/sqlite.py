"""The embedded backend: one SQLite file in the data folder (``state.sqlite3``).

WAL journal with synchronous=NORMAL: a commit is a write to the WAL without an fsync (the
WAL is synced at checkpoints), so committing every update costs microseconds, and a crash of
the bot never loses a commit (only a power cut can lose the last ones). Several processes on
one machine may share the file (busy_timeout); write transactions start with BEGIN
IMMEDIATE. Locks between processes are flock()s on files next to the database: the kernel
drops them when their process dies.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.state.sql import CLAIMABLE, Cursor, SqlStore

FILE_NAME = "state.sqlite3"


class FileLock:
    """flock(LOCK_EX) on a file; released on ``release`` or when the process dies."""

    def __init__(self, path: Path) -> None:
        """Lock ``path`` (created when missing)."""
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        """Unlock (idempotent)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class SqliteStore(SqlStore):
    """The state store in ``data_dir``/state.sqlite3."""

    backend = "sqlite"

    def __init__(self, data_dir: Path) -> None:
        """Open (and create or migrate) the database file."""
        super().__init__(legacy_dir=data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.path = data_dir / FILE_NAME
        self._conn = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA busy_timeout = 10000")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        # One opener at a time: switching a new file to WAL while another connection opens it
        # fails at once with "database is locked" (SQLite does not wait on busy_timeout there);
        # replicas started together each wait for the flock instead.
        with self.exclusive("open"):
            self._conn.execute("PRAGMA journal_mode = WAL")
            self.migrate()

    def describe(self) -> str:
        """Where the state lives (for logs)."""
        return f"SQLite {self.path}"

    @contextmanager
    def _write(self) -> Iterator[Cursor]:
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    @contextmanager
    def _read(self) -> Iterator[Cursor]:
        cur = self._conn.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def _claim(self, cur: Cursor, replica: str, now: float, limit: int) -> None:
        cur.execute(
            "UPDATE inbox SET state = 'claimed', claimed_by = ?, claimed_at = ?,"
            f" attempts = attempts + 1 WHERE bot_id = ? AND update_id IN (SELECT i.update_id {CLAIMABLE})"
            " RETURNING update_id, payload, attempts",
            (replica, now, self.bot_id, self.bot_id, limit),
        )

    def _migration_lock(self, cur: Cursor) -> None:
        """BEGIN IMMEDIATE already holds the database's write lock."""

    def leader_lock(self, name: str) -> FileLock:
        """A flock on ``state.<name>.lock`` next to the database."""
        return FileLock(self.data_dir / f"state.{name}.lock")

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Wait for the flock on ``state.<name>.lock``; release it on exit."""
        fd = os.open(self.data_dir / f"state.{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor drops the flock

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
