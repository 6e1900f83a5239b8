"""Per-chat and per-user state: button state, conversation context (recorded with the
question log in one transaction), and per-user rate limits."""

from __future__ import annotations

import json

from bot.engine.text.script import question_key
from bot.engine.types import Turn
from bot.state.base import SqlBase, cited_from, cited_json
from bot.state.records import LogEntry


class ChatSql(SqlBase):
    """Buttons, context, rate limits."""

    def put_button(self, key: str, data: str) -> None:
        """Keep what the buttons with ``key`` refer to (JSON from the transport)."""
        with self._lock, self._write() as cur:
            cur.execute(
                self.sql("INSERT INTO buttons (key, data, created_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (key) DO UPDATE SET data = excluded.data"),
                (key, data, self.clock()),
            )

    def claim_once(self, key: str) -> bool:
        """Insert the marker ``once:<key>`` (buttons table) unless there: True for the one
        caller that inserted it (e.g. the replica that sends this week's digest)."""
        with self._lock, self._write() as cur:
            cur.execute(self.sql("INSERT INTO buttons (key, data, created_at) VALUES (?, '', ?)"
                                 " ON CONFLICT (key) DO NOTHING"), (f"once:{key}", self.clock()))
            return cur.rowcount == 1

    def get_button(self, key: str, max_age: float) -> str | None:
        """The JSON stored under ``key`` if younger than ``max_age`` seconds."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT data FROM buttons WHERE key = ? AND created_at >= ?"),
                        (key, self.clock() - max_age))
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def get_turn(self, chat_id: int, ttl: float) -> Turn | None:
        """The chat's last turn if younger than ``ttl`` seconds."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT question, cited, answer FROM conversations"
                               " WHERE bot_id = ? AND chat_id = ? AND at >= ?"),
                        (self.bot_id, chat_id, self.clock() - ttl))
            row = cur.fetchone()
        return None if row is None else Turn(str(row[0]), cited_from(str(row[1])), str(row[2]))

    def record_answer(
        self, entry: LogEntry, turn: Turn | None, button: tuple[str, str] | None = None
    ) -> None:
        """Log a question, keep its chat's context (``turn`` None: a refused question leaves
        the thread it came after) and
        store its buttons' (key, JSON), in one transaction. Logging the same update twice
        keeps one row."""
        now = self.clock()
        at = entry.at or now
        with self._lock, self._write() as cur:
            if button is not None:
                cur.execute(self.sql("INSERT INTO buttons (key, data, created_at) VALUES (?, ?, ?)"),
                            (button[0], button[1], now))
            cur.execute(
                self.sql("INSERT INTO question_log (bot_id, update_id, at, user_id, chat_id, question,"
                       " qkey, status, cited, ms, answer_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT (bot_id, update_id) DO UPDATE SET at = excluded.at,"
                       " question = excluded.question, qkey = excluded.qkey, status = excluded.status,"
                       " cited = excluded.cited, ms = excluded.ms, answer_key = excluded.answer_key"),
                (self.bot_id, entry.update_id, at, entry.user_id, entry.chat_id, entry.question,
                 question_key(entry.question), entry.status, cited_json(entry.cited), entry.ms,
                 entry.answer_key),
            )
            if entry.cited_hashes:  # the cited paragraphs by content (a column of migration 4)
                cur.execute(self.sql("UPDATE question_log SET cited_hashes = ? WHERE update_id = ?"),
                            (json.dumps(list(entry.cited_hashes)), entry.update_id))
            if turn is not None:
                cur.execute(
                    self.sql("INSERT INTO conversations (bot_id, chat_id, question, cited, answer, at)"
                           " VALUES (?, ?, ?, ?, ?, ?)"
                           " ON CONFLICT (bot_id, chat_id) DO UPDATE SET question = excluded.question,"
                           " cited = excluded.cited, answer = excluded.answer, at = excluded.at"),
                    (self.bot_id, entry.chat_id, turn.question, cited_json(turn.cited), turn.answer, now),
                )

    def rate_check(self, user_id: int, per_minute: int) -> int:
        """Count an event for ``user_id``: 0 when within ``per_minute`` per sliding minute,
        else whole seconds until the next is allowed (the refused event is not counted)."""
        if per_minute <= 0:
            return 0
        now = self.clock()
        with self._lock, self._write() as cur:
            cur.execute(self.sql("SELECT COUNT(*), MIN(at) FROM rate_events WHERE user_id = ? AND at > ?"),
                        (user_id, now - 60))
            count, first = cur.fetchone()
            if int(count) >= per_minute:
                return max(1, int(60 - (now - float(first)) + 0.999))
            cur.execute(self.sql("INSERT INTO rate_events (user_id, at) VALUES (?, ?)"), (user_id, now))
        return 0
