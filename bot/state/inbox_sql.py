"""The inbox and the replicas table: commit received updates, claim them in per-chat order,
mark them done, and hand the claims of silent replicas back (see bot/telegram/inbox.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.state.base import SqlBase
from bot.state.records import Claimed, InboxUpdate, Unparsable

DEAD_REPLICA_KEEP = 3600.0
# An update_id seen this long ago is no duplicate: Telegram redelivers an update within a
# day at most, and picks update_ids afresh (at random) after a week without updates.
DUPLICATE_WINDOW = 24 * 3600.0
# Marks an update of one bot done (SqlStore.finish, and done.py's own path).
FINISH = "UPDATE inbox SET state = 'done', done_at = ? WHERE bot_id = ? AND update_id = ?"
# The waiting updates of one bot (first ?) a claim may take: oldest first, and none whose
# chat still has an earlier unfinished update (a follow-up needs the previous answer's context).
CLAIMABLE = (
    "FROM inbox i WHERE i.bot_id = ? AND i.state = 'new' AND NOT EXISTS"
    " (SELECT 1 FROM inbox j WHERE j.bot_id = i.bot_id AND j.chat_id = i.chat_id"
    " AND j.state <> 'done' AND j.update_id < i.update_id) ORDER BY i.update_id LIMIT ?"
)


class InboxSql(SqlBase):
    """Inbox and replicas."""

    def add_updates(self, updates: Sequence[InboxUpdate]) -> int:
        """Commit ``updates`` of this bot in one transaction; an update_id it received within
        DUPLICATE_WINDOW is dropped (an older one is a new update). One that could not be
        parsed is kept done, with its reason. Returns how many were new."""
        if not updates:
            return 0
        now = self.clock()
        sql = self.sql(
            "INSERT INTO inbox (bot_id, update_id, chat_id, payload, received_at, state, done_at,"
            " unparsable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (bot_id, update_id) DO UPDATE SET chat_id = excluded.chat_id,"
            " payload = excluded.payload, received_at = excluded.received_at, state = excluded.state,"
            " claimed_by = NULL, claimed_at = NULL, attempts = 0, done_at = excluded.done_at,"
            " unparsable = excluded.unparsable WHERE inbox.received_at < ?"
        )
        stale = now - DUPLICATE_WINDOW
        rows = [
            (self.bot_id, u.update_id, u.chat_id, u.payload, now,
             "new" if u.unparsable is None else "done", None if u.unparsable is None else now,
             u.unparsable, stale)
            for u in updates
        ]
        with self._lock, self._write() as cur:
            cur.executemany(sql, rows)
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
                self.sql(FINISH), (self.clock(), self.bot_id, update_id),
            )

    def release(self, replica: str) -> int:
        """Give ``replica``'s unfinished claims back (a graceful stop); returns how many."""
        with self._lock, self._write() as cur:
            cur.execute(
                self.sql("UPDATE inbox SET state = 'new', claimed_by = NULL WHERE state = 'claimed'"
                       " AND claimed_by = ?"),
                (replica,),
            )
            return max(cur.rowcount, 0)

    def last_update_id(self) -> int | None:
        """The highest update_id of this bot committed within DUPLICATE_WINDOW (the poller's
        offset is this + 1; None: let Telegram start from its oldest unconfirmed update)."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT MAX(update_id) FROM inbox WHERE bot_id = ? AND received_at >= ?"),
                        (self.bot_id, self.clock() - DUPLICATE_WINDOW))
            value = cur.fetchone()[0]
        return None if value is None else int(value)

    def adopt_inbox(self) -> int:
        """Give the inbox rows written before they were keyed by bot (bot_id 0) to this bot:
        the first bot started on an upgraded data folder is the one that wrote them."""
        if not self.bot_id:
            return 0
        with self._lock, self._write() as cur:
            cur.execute(self.sql("UPDATE inbox SET bot_id = ? WHERE bot_id = 0"), (self.bot_id,))
            return max(cur.rowcount, 0)

    def inbox_counts(self) -> dict[str, int]:
        """Rows per state ("new", "claimed", "done"), of every bot."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT state, COUNT(*) FROM inbox GROUP BY state")
            return {str(s): int(n) for s, n in cur.fetchall()}

    def unparsable(self, since: float, limit: int, every_bot: bool = False) -> tuple[int, list[Unparsable]]:
        """This bot's (or ``every_bot``'s) updates received since ``since`` that could not be
        parsed: how many, and the ``limit`` latest."""
        where = "FROM inbox WHERE unparsable IS NOT NULL AND received_at >= ?"
        args: tuple[float, ...] | tuple[float, int] = (since,)
        if not every_bot:
            where, args = where + " AND bot_id = ?", (since, self.bot_id)
        with self._lock, self._read() as cur:
            cur.execute(self.sql(f"SELECT COUNT(*) {where}"), args)
            count = int(cur.fetchone()[0])
            cur.execute(self.sql(f"SELECT update_id, unparsable, received_at {where}"
                                 " ORDER BY received_at DESC, update_id DESC LIMIT ?"), (*args, limit))
            rows = [Unparsable(int(u), str(r), float(at)) for u, r, at in cur.fetchall()]
        return count, rows

    def inbox_backlog(self) -> tuple[int, float | None]:
        """This bot's unfinished updates: how many, and when the oldest was received."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT COUNT(*), MIN(received_at) FROM inbox WHERE bot_id = ?"
                                 " AND state <> 'done'"), (self.bot_id,))
            count, oldest = cur.fetchone()
        return int(count), None if oldest is None else float(oldest)

    def ping(self) -> None:
        """Raise unless the database answers (readiness)."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()

    # -- replicas ------------------------------------------------------------------------

    def heartbeat(self, replica: str, host: str, pid: int, lease: float) -> int:
        """Record that ``replica`` lives; hand the claims of replicas silent for longer than
        ``lease`` seconds back to the inbox. Returns how many claims were taken over."""
        now = self.clock()
        with self._lock, self._write() as cur:
            cur.execute(
                self.sql("INSERT INTO replicas (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)"
                       " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at"),
                (replica, host, pid, now, now),
            )
            cur.execute(
                self.sql("UPDATE inbox SET state = 'new', claimed_by = NULL WHERE state = 'claimed'"
                       " AND (claimed_by IS NULL OR claimed_by NOT IN"
                       " (SELECT id FROM replicas WHERE seen_at >= ?))"),
                (now - lease,),
            )
            freed = max(cur.rowcount, 0)
            cur.execute(self.sql("DELETE FROM replicas WHERE seen_at < ?"), (now - DEAD_REPLICA_KEEP,))
            return freed

    def forget_replica(self, replica: str) -> None:
        """Remove ``replica`` from the live list (a graceful stop)."""
        with self._lock, self._write() as cur:
            cur.execute(self.sql("DELETE FROM replicas WHERE id = ?"), (replica,))

    def live_replicas(self, lease: float) -> list[str]:
        """Replicas seen within ``lease`` seconds."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT id FROM replicas WHERE seen_at >= ? ORDER BY id"),
                        (self.clock() - lease,))
            return [str(r[0]) for r in cur.fetchall()]
