"""The state store, written once for both backends: ``SqlStore`` puts the inbox, chat and
log statements together and runs the schema migrations (schema.py).

What differs between the backends (connecting, transactions, claiming inbox rows, locks) is
left to the subclasses in sqlite.py and postgres.py.
"""

from __future__ import annotations

from abc import ABC

from bot.state.base import Cursor, Lock
from bot.state.chat_sql import ChatSql
from bot.state.inbox_sql import CLAIMABLE, InboxSql
from bot.state.log_sql import LogSql
from bot.state.records import Feedback
from bot.state.schema import LATEST, MIGRATIONS, VERSION_TABLE, check_version, statements
from bot.state.teach_sql import TeachSql


class SqlStore(InboxSql, ChatSql, LogSql, TeachSql, ABC):
    """Inbox, replicas, buttons, context, rate limits, feedback, question log and teachings over SQL."""

    # -- schema --------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply missing migrations; return the schema version now in force."""
        with self._lock:
            with self._write() as cur:
                self._migration_lock(cur)
                cur.execute(VERSION_TABLE)
            for step in MIGRATIONS:
                with self._write() as cur:
                    self._migration_lock(cur)
                    if step.version <= self._version(cur):
                        continue
                    for statement in statements(step.sql_for(self.backend)):
                        cur.execute(statement)
                    if step.python is not None:
                        step.python(_InTransaction(self, cur))
                    cur.execute(
                        self.sql("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"),
                        (step.version, step.name, self.clock()),
                    )
            with self._read() as cur:
                return self._version(cur)

    def _version(self, cur: Cursor) -> int:
        cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        version = int(cur.fetchone()[0])
        check_version(version, self.backend)
        return version

    def schema_version(self) -> int:
        """The applied schema version (``schema.LATEST`` once open)."""
        with self._lock, self._read() as cur:
            return self._version(cur)


class _InTransaction:
    """What a Python migration step sees: the store's helpers on the open transaction."""

    def __init__(self, store: SqlStore, cur: Cursor) -> None:
        self.store = store
        self.cur = cur

    def add_vote(self, item: Feedback) -> None:
        self.store._insert_vote(self.cur, item)


__all__ = ["CLAIMABLE", "LATEST", "Cursor", "Lock", "SqlStore"]
