"""Votes, the question log and what it tells (questions, gaps), and upkeep of every table."""

from __future__ import annotations

from bot.engine.types import Status
from bot.state.base import Cursor, SqlBase, cited_from, cited_json
from bot.state.inbox_sql import DUPLICATE_WINDOW
from bot.state.records import Feedback, Gap, LoggedQuestion


class LogSql(SqlBase):
    """Feedback, question log, gaps, purge."""

    def add_vote(self, item: Feedback) -> None:
        """Store a vote; the same user voting again on the same answer replaces it."""
        with self._lock, self._write() as cur:
            self._insert_vote(cur, item)
            if item.paragraph_hash:  # a column of migration 4: not in _insert_vote, which migration 2 uses
                cur.execute(self.sql("UPDATE feedback SET paragraph_hash = ? WHERE user_id = ?"
                                     " AND answer_key = ?"),
                            (item.paragraph_hash, item.user_id, item.answer_key))

    def _insert_vote(self, cur: Cursor, item: Feedback) -> None:
        cur.execute(
            self.sql("INSERT INTO feedback (user_id, answer_key, vote, question, doc, paragraph, cited, at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, answer_key) DO UPDATE SET"
                   " vote = excluded.vote, at = excluded.at"),
            (item.user_id, item.answer_key, item.vote, item.question, item.doc, item.paragraph,
             cited_json(item.cited), item.at or self.clock()),
        )

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
        return [Feedback(int(u), str(k), int(v), str(q), str(d), int(p), cited_from(str(c)), float(a))
                for u, k, v, q, d, p, c, a in rows]

    # -- question log --------------------------------------------------------------------

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Question-log rows since ``since`` (Unix time), oldest first, with their votes."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql(
                "SELECT q.at, q.user_id, q.question, q.status, q.cited, q.ms,"
                " COALESCE(SUM(CASE WHEN f.vote = 1 THEN 1 ELSE 0 END), 0),"
                " COALESCE(SUM(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END), 0)"
                " FROM question_log q LEFT JOIN feedback f ON f.answer_key = q.answer_key"
                " WHERE q.at >= ? GROUP BY q.update_id, q.at, q.user_id, q.question, q.status,"
                " q.cited, q.ms ORDER BY q.at, q.update_id"), (since,))
            rows = cur.fetchall()
        return [LoggedQuestion(float(a), int(u), str(q), _status(s), cited_from(str(c)), float(ms), int(up),
                               int(dn)) for a, u, q, s, c, ms, up, dn in rows]

    def gaps(self, since: float, limit: int) -> list[Gap]:
        """Questions since ``since`` not answered or voted 👎, grouped by question_key, most
        frequent first (then most recent)."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql(
                "SELECT t.qkey, COUNT(*), SUM(CASE WHEN t.status <> 'answered' THEN 1 ELSE 0 END),"
                " SUM(t.down), MAX(t.at), (SELECT q2.question FROM question_log q2 WHERE q2.qkey = t.qkey"
                " ORDER BY q2.at DESC LIMIT 1)"
                " FROM (SELECT q.qkey, q.status, q.at, COALESCE(d.n, 0) AS down FROM question_log q"
                " LEFT JOIN (SELECT answer_key, COUNT(*) AS n FROM feedback WHERE vote = -1"
                " GROUP BY answer_key) d ON d.answer_key = q.answer_key WHERE q.at >= ?) t"
                " WHERE t.status <> 'answered' OR t.down > 0"
                " GROUP BY t.qkey ORDER BY COUNT(*) DESC, MAX(t.at) DESC LIMIT ?"),
                (since, limit))
            rows = cur.fetchall()
        return [Gap(str(q), int(n), int(na), int(dn), float(last)) for _, n, na, dn, last, q in rows]

    # -- upkeep --------------------------------------------------------------------------

    def purge(self, *, log_days: float, button_days: float, context_seconds: float) -> dict[str, int]:
        """Delete what is past its time: finished inbox rows after DUPLICATE_WINDOW (those that
        could not be parsed with the question log), rate events after a minute, buttons,
        contexts and question-log rows after their settings."""
        now = self.clock()
        plan = (
            ("inbox", "DELETE FROM inbox WHERE state = 'done' AND done_at < ? AND unparsable IS NULL",
             now - DUPLICATE_WINDOW),
            ("unparsable", "DELETE FROM inbox WHERE unparsable IS NOT NULL AND received_at < ?",
             now - log_days * 86400),
            ("rate_events", "DELETE FROM rate_events WHERE at < ?", now - 60),
            ("buttons", "DELETE FROM buttons WHERE created_at < ?", now - button_days * 86400),
            ("conversations", "DELETE FROM conversations WHERE at < ?", now - context_seconds),
            ("question_log", "DELETE FROM question_log WHERE at < ?", now - log_days * 86400),
        )
        removed = {}
        with self._lock, self._write() as cur:
            for table, sql, before in plan:
                cur.execute(self.sql(sql), (before,))
                removed[table] = max(cur.rowcount, 0)
        return removed


def _status(value: object) -> Status:
    text = str(value)
    return "answered" if text == "answered" else "related" if text == "related" else "not_covered"
