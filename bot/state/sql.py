"""The state store's SQL, written once for both backends (sqlite.py, postgres.py).

Statements use ``?`` placeholders; the PostgreSQL backend turns them into ``%s``. What
differs between the backends (connecting, transactions, claiming inbox rows, locks) is
left to the subclasses. Every method is synchronous and short; the bot calls them through
``bot.state.aio.AsyncState`` (one worker thread per store). Times are Unix seconds from
``self.clock``.
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

from bot.state.records import Claimed, Feedback, Gap, InboxUpdate, LogEntry, LoggedQuestion
from bot.state.schema import LATEST, MIGRATIONS, VERSION_TABLE, check_version, statements
from bot.text import question_key
from bot.types import Status, Turn

DONE_KEEP_SECONDS = 24 * 3600  # Telegram redelivers an update within a day at most
DEAD_REPLICA_KEEP = 3600.0
# The waiting updates a claim may take: oldest first, and none whose chat still has an
# earlier unfinished update (a follow-up needs the previous answer's context).
CLAIMABLE = (
    "SELECT i.update_id FROM inbox i WHERE i.state = 'new' AND NOT EXISTS (SELECT 1 FROM inbox j"
    " WHERE j.chat_id = i.chat_id AND j.state <> 'done' AND j.update_id < i.update_id)"
    " ORDER BY i.update_id LIMIT ?"
)


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


def _cited_json(cited: Sequence[tuple[str, int]]) -> str:
    return json.dumps([[doc, int(n)] for doc, n in cited], ensure_ascii=False)


def _cited(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((str(doc), int(n)) for doc, n in json.loads(text))


class SqlStore(ABC):
    """Inbox, replicas, buttons, context, rate limits, feedback and question log over SQL."""

    backend = ""
    clock: Callable[[], float] = staticmethod(time.time)

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

    def q(self, sql: str) -> str:
        """``sql`` in this driver's placeholder style."""
        return sql

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
                        self.q("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"),
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

    # -- inbox ---------------------------------------------------------------------------

    def add_updates(self, updates: Sequence[InboxUpdate]) -> int:
        """Commit ``updates`` in one transaction; an update_id already there is dropped.
        Returns how many were new."""
        if not updates:
            return 0
        now = self.clock()
        sql = self.q(
            "INSERT INTO inbox (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (update_id) DO NOTHING"
        )
        with self._lock, self._write() as cur:
            cur.executemany(sql, [(u.update_id, u.chat_id, u.payload, now) for u in updates])
            return max(cur.rowcount, 0)

    def claim(self, replica: str, limit: int) -> list[Claimed]:
        """Take up to ``limit`` waiting updates, oldest first, never two of one chat at once
        nor one whose chat has an earlier unfinished update (replies stay in order)."""
        if limit <= 0:
            return []
        with self._lock, self._write() as cur:
            self._claim(cur, replica, self.clock(), limit)
            rows = cur.fetchall()
        return sorted((Claimed(int(u), str(p), int(a)) for u, p, a in rows), key=lambda c: c.update_id)

    def finish(self, update_id: int) -> None:
        """The update was handled (its reply sent): never hand it out again."""
        with self._lock, self._write() as cur:
            cur.execute(
                self.q("UPDATE inbox SET state = 'done', done_at = ? WHERE update_id = ?"),
                (self.clock(), update_id),
            )

    def release(self, replica: str) -> int:
        """Give ``replica``'s unfinished claims back (a graceful stop); returns how many."""
        with self._lock, self._write() as cur:
            cur.execute(
                self.q("UPDATE inbox SET state = 'new', claimed_by = NULL WHERE state = 'claimed'"
                       " AND claimed_by = ?"),
                (replica,),
            )  # fmt: skip
            return max(cur.rowcount, 0)

    def last_update_id(self) -> int | None:
        """The highest update_id ever committed (the poller's offset is this + 1)."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT MAX(update_id) FROM inbox")
            value = cur.fetchone()[0]
        return None if value is None else int(value)

    def inbox_counts(self) -> dict[str, int]:
        """Rows per state ("new", "claimed", "done")."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT state, COUNT(*) FROM inbox GROUP BY state")
            return {str(s): int(n) for s, n in cur.fetchall()}

    # -- replicas ------------------------------------------------------------------------

    def heartbeat(self, replica: str, host: str, pid: int, lease: float) -> int:
        """Record that ``replica`` lives; hand the claims of replicas silent for longer than
        ``lease`` seconds back to the inbox. Returns how many claims were taken over."""
        now = self.clock()
        with self._lock, self._write() as cur:
            cur.execute(
                self.q("INSERT INTO replicas (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)"
                       " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at"),
                (replica, host, pid, now, now),
            )  # fmt: skip
            cur.execute(
                self.q("UPDATE inbox SET state = 'new', claimed_by = NULL WHERE state = 'claimed'"
                       " AND (claimed_by IS NULL OR claimed_by NOT IN"
                       " (SELECT id FROM replicas WHERE seen_at >= ?))"),
                (now - lease,),
            )  # fmt: skip
            freed = max(cur.rowcount, 0)
            cur.execute(self.q("DELETE FROM replicas WHERE seen_at < ?"), (now - DEAD_REPLICA_KEEP,))
            return freed

    def forget_replica(self, replica: str) -> None:
        """Remove ``replica`` from the live list (a graceful stop)."""
        with self._lock, self._write() as cur:
            cur.execute(self.q("DELETE FROM replicas WHERE id = ?"), (replica,))

    def live_replicas(self, lease: float) -> list[str]:
        """Replicas seen within ``lease`` seconds."""
        with self._lock, self._read() as cur:
            cur.execute(self.q("SELECT id FROM replicas WHERE seen_at >= ? ORDER BY id"),
                        (self.clock() - lease,))  # fmt: skip
            return [str(r[0]) for r in cur.fetchall()]

    # -- buttons, context, rate limits -----------------------------------------------------

    def put_button(self, key: str, data: str) -> None:
        """Keep what the buttons with ``key`` refer to (JSON from the transport)."""
        with self._lock, self._write() as cur:
            cur.execute(
                self.q("INSERT INTO buttons (key, data, created_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (key) DO UPDATE SET data = excluded.data"),
                (key, data, self.clock()),
            )  # fmt: skip

    def get_button(self, key: str, max_age: float) -> str | None:
        """The JSON stored under ``key`` if younger than ``max_age`` seconds."""
        with self._lock, self._read() as cur:
            cur.execute(self.q("SELECT data FROM buttons WHERE key = ? AND created_at >= ?"),
                        (key, self.clock() - max_age))  # fmt: skip
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def get_turn(self, chat_id: int, ttl: float) -> Turn | None:
        """The chat's last turn if younger than ``ttl`` seconds."""
        with self._lock, self._read() as cur:
            cur.execute(self.q("SELECT question, cited FROM conversations WHERE chat_id = ? AND at >= ?"),
                        (chat_id, self.clock() - ttl))  # fmt: skip
            row = cur.fetchone()
        return None if row is None else Turn(str(row[0]), _cited(str(row[1])))

    def record_answer(
        self, entry: LogEntry, turn: Turn | None, button: tuple[str, str] | None = None
    ) -> None:
        """Log a question, keep (or, when ``turn`` is None, forget) its chat's context and
        store its buttons' (key, JSON), in one transaction. Logging the same update twice
        keeps one row."""
        now = self.clock()
        at = entry.at or now
        with self._lock, self._write() as cur:
            if button is not None:
                cur.execute(self.q("INSERT INTO buttons (key, data, created_at) VALUES (?, ?, ?)"),
                            (button[0], button[1], now))  # fmt: skip
            cur.execute(
                self.q("INSERT INTO question_log (update_id, at, user_id, chat_id, question, qkey,"
                       " status, cited, ms, answer_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT (update_id) DO UPDATE SET at = excluded.at, status = excluded.status,"
                       " cited = excluded.cited, ms = excluded.ms, answer_key = excluded.answer_key"),
                (entry.update_id, at, entry.user_id, entry.chat_id, entry.question,
                 question_key(entry.question), entry.status, _cited_json(entry.cited), entry.ms,
                 entry.answer_key),
            )  # fmt: skip
            if turn is None:
                cur.execute(self.q("DELETE FROM conversations WHERE chat_id = ?"), (entry.chat_id,))
            else:
                cur.execute(
                    self.q("INSERT INTO conversations (chat_id, question, cited, at) VALUES (?, ?, ?, ?)"
                           " ON CONFLICT (chat_id) DO UPDATE SET question = excluded.question,"
                           " cited = excluded.cited, at = excluded.at"),
                    (entry.chat_id, turn.question, _cited_json(turn.cited), now),
                )  # fmt: skip

    def rate_check(self, user_id: int, per_minute: int) -> int:
        """Count an event for ``user_id``: 0 when within ``per_minute`` per sliding minute,
        else whole seconds until the next is allowed (the refused event is not counted)."""
        if per_minute <= 0:
            return 0
        now = self.clock()
        with self._lock, self._write() as cur:
            cur.execute(self.q("SELECT COUNT(*), MIN(at) FROM rate_events WHERE user_id = ? AND at > ?"),
                        (user_id, now - 60))  # fmt: skip
            count, first = cur.fetchone()
            if int(count) >= per_minute:
                return max(1, int(60 - (now - float(first)) + 0.999))
            cur.execute(self.q("INSERT INTO rate_events (user_id, at) VALUES (?, ?)"), (user_id, now))
        return 0

    # -- feedback ------------------------------------------------------------------------

    def add_vote(self, item: Feedback) -> None:
        """Store a vote; the same user voting again on the same answer replaces it."""
        with self._lock, self._write() as cur:
            self._insert_vote(cur, item)

    def _insert_vote(self, cur: Cursor, item: Feedback) -> None:
        cur.execute(
            self.q("INSERT INTO feedback (user_id, answer_key, vote, question, doc, paragraph, cited, at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, answer_key) DO UPDATE SET"
                   " vote = excluded.vote, at = excluded.at"),
            (item.user_id, item.answer_key, item.vote, item.question, item.doc, item.paragraph,
             _cited_json(item.cited), item.at or self.clock()),
        )  # fmt: skip

    def votes(self) -> tuple[int, int]:
        """(👍, 👎) totals."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT COALESCE(SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END), 0),"
                        " COALESCE(SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END), 0) FROM feedback")
            up, down = cur.fetchone()
        return int(up), int(down)

    def feedback(self) -> list[Feedback]:
        """Every vote, oldest first."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT user_id, answer_key, vote, question, doc, paragraph, cited, at"
                        " FROM feedback ORDER BY at, user_id")
            rows = cur.fetchall()
        return [Feedback(int(u), str(k), int(v), str(q), str(d), int(p), _cited(str(c)), float(a))
                for u, k, v, q, d, p, c, a in rows]  # fmt: skip

    # -- question log --------------------------------------------------------------------

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Question-log rows since ``since`` (Unix time), oldest first, with their votes."""
        with self._lock, self._read() as cur:
            cur.execute(self.q(
                "SELECT q.at, q.user_id, q.question, q.status, q.cited, q.ms,"
                " COALESCE(SUM(CASE WHEN f.vote = 1 THEN 1 ELSE 0 END), 0),"
                " COALESCE(SUM(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END), 0)"
                " FROM question_log q LEFT JOIN feedback f ON f.answer_key = q.answer_key"
                " WHERE q.at >= ? GROUP BY q.update_id, q.at, q.user_id, q.question, q.status,"
                " q.cited, q.ms ORDER BY q.at, q.update_id"), (since,))  # fmt: skip
            rows = cur.fetchall()
        return [LoggedQuestion(float(a), int(u), str(q), _status(s), _cited(str(c)), float(ms), int(up),
                               int(dn)) for a, u, q, s, c, ms, up, dn in rows]  # fmt: skip

    def gaps(self, since: float, limit: int) -> list[Gap]:
        """Questions since ``since`` not answered or voted 👎, grouped by question_key, most
        frequent first (then most recent)."""
        with self._lock, self._read() as cur:
            cur.execute(self.q(
                "SELECT t.qkey, COUNT(*), SUM(CASE WHEN t.status <> 'answered' THEN 1 ELSE 0 END),"
                " SUM(t.down), MAX(t.at), (SELECT q2.question FROM question_log q2 WHERE q2.qkey = t.qkey"
                " ORDER BY q2.at DESC LIMIT 1)"
                " FROM (SELECT q.qkey, q.status, q.at, COALESCE(d.n, 0) AS down FROM question_log q"
                " LEFT JOIN (SELECT answer_key, COUNT(*) AS n FROM feedback WHERE vote = -1"
                " GROUP BY answer_key) d ON d.answer_key = q.answer_key WHERE q.at >= ?) t"
                " WHERE t.status <> 'answered' OR t.down > 0"
                " GROUP BY t.qkey ORDER BY COUNT(*) DESC, MAX(t.at) DESC LIMIT ?"),
                (since, limit))  # fmt: skip
            rows = cur.fetchall()
        return [Gap(str(q), int(n), int(na), int(dn), float(last)) for _, n, na, dn, last, q in rows]

    # -- upkeep --------------------------------------------------------------------------

    def purge(self, *, log_days: float, button_days: float, context_seconds: float) -> dict[str, int]:
        """Delete what is past its time: finished inbox rows after a day, rate events after a
        minute, buttons, contexts and question-log rows after their settings."""
        now = self.clock()
        plan = (
            ("inbox", "DELETE FROM inbox WHERE state = 'done' AND done_at < ?", now - DONE_KEEP_SECONDS),
            ("rate_events", "DELETE FROM rate_events WHERE at < ?", now - 60),
            ("buttons", "DELETE FROM buttons WHERE created_at < ?", now - button_days * 86400),
            ("conversations", "DELETE FROM conversations WHERE at < ?", now - context_seconds),
            ("question_log", "DELETE FROM question_log WHERE at < ?", now - log_days * 86400),
        )
        removed = {}
        with self._lock, self._write() as cur:
            for table, sql, before in plan:
                cur.execute(self.q(sql), (before,))
                removed[table] = max(cur.rowcount, 0)
        return removed


def _status(value: object) -> Status:
    text = str(value)
    return "answered" if text == "answered" else "related" if text == "related" else "not_covered"


class _InTransaction:
    """What a Python migration step sees: the store's helpers on the open transaction."""

    def __init__(self, store: SqlStore, cur: Cursor) -> None:
        self.store = store
        self.cur = cur

    def add_vote(self, item: Feedback) -> None:
        self.store._insert_vote(self.cur, item)


__all__ = ["LATEST", "Cursor", "Lock", "SqlStore"]
