"""What admins taught, kept in the state store: every replica reads it, backups keep it; and
why askers voted 👎 (the reason kept with the vote) and which offered paragraph they chose,
which admins see in /gaps as suggestions.

One row per taught wording (its ``question_key``: teaching the same wording again replaces
the row), with who taught it and when. The serving layer reads ``teachings`` every second or
two (bot/serving/engine.py ``follow``), so a wording taught on one replica is answered on
every other within seconds; ``teachings_stamp`` tells cheaply whether anything changed.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import replace

from bot.engine.text.script import question_key
from bot.engine.types import Teaching
from bot.state.base import SqlBase
from bot.state.records import TeachingRecord

_COLUMNS = "id, question, doc, paragraph, paragraph_hash, sentence, not_covered, taught_by, at"


class TeachSql(SqlBase):
    """Teachings: add (or replace), list, set the bold sentence, remove."""

    def teach(self, teaching: Teaching, by: str) -> Teaching:
        """Keep ``teaching`` (a new id when it has none), replacing any teaching of the same
        wording; returns it as kept."""
        kept = teaching if teaching.id else replace(teaching, id=secrets.token_hex(3))
        with self._lock, self._write() as cur:
            cur.execute(self.sql("DELETE FROM teachings WHERE qkey = ? OR id = ?"),
                        (question_key(kept.question), kept.id))
            cur.execute(
                self.sql(f"INSERT INTO teachings ({_COLUMNS}, qkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (kept.id, kept.question, kept.doc, kept.paragraph, kept.paragraph_hash, kept.sentence,
                 int(kept.not_covered), by, self.clock(), question_key(kept.question)),
            )
        return kept

    def teachings(self) -> list[TeachingRecord]:
        """Every teaching, oldest first."""
        with self._lock, self._read() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM teachings ORDER BY at, id")
            rows = cur.fetchall()
        return [
            TeachingRecord(Teaching(str(i), str(q), str(d), int(n), str(h), str(s), bool(nc)), str(by),
                           float(at))
            for i, q, d, n, h, s, nc, by, at in rows
        ]

    def taught(self) -> tuple[Teaching, ...]:
        """Every teaching, as the engine takes them."""
        return tuple(r.teaching for r in self.teachings())

    def teachings_stamp(self) -> tuple[int, float]:
        """(how many, latest change): differs whenever a teaching was added, replaced, edited
        or removed (a removal changes the count; an addition after it, the latest time)."""
        with self._lock, self._read() as cur:
            cur.execute("SELECT COUNT(*), COALESCE(MAX(at), 0) FROM teachings")
            count, latest = cur.fetchone()
        return int(count), float(latest)

    def set_sentence(self, teaching_id: str, sentence: str) -> bool:
        """Bold ``sentence`` (a piece of one sentence) in the answer taught as ``teaching_id``."""
        with self._lock, self._write() as cur:
            cur.execute(self.sql("UPDATE teachings SET sentence = ?, at = ? WHERE id = ?"),
                        (sentence, self.clock(), teaching_id))
            return cur.rowcount > 0

    def set_reason(self, user_id: int, answer_key: str, reason: str) -> bool:
        """Keep why ``user_id`` voted 👎 on the answer ``answer_key`` (records.REASONS);
        False when there is no such 👎."""
        with self._lock, self._write() as cur:
            cur.execute(self.sql("UPDATE feedback SET reason = ? WHERE user_id = ? AND answer_key = ?"
                                 " AND vote = -1"), (reason, user_id, answer_key))
            return cur.rowcount > 0

    def reasons(self, since: float) -> dict[str, Counter[str]]:
        """The reasons given with 👎 since ``since``, by the question's ``question_key``."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT question, reason FROM feedback WHERE vote = -1 AND reason <> ''"
                                 " AND at >= ?"), (since,))
            rows = cur.fetchall()
        out: dict[str, Counter[str]] = {}
        for question, reason in rows:
            out.setdefault(question_key(str(question)), Counter())[str(reason)] += 1
        return out

    def add_choice(self, user_id: int, answer_key: str, question: str, doc: str, paragraph: int,
                   paragraph_hash: str) -> None:
        """Keep which offered paragraph ``user_id`` chose for the answer ``answer_key`` (a
        suggestion for admins, never applied by itself); choosing again replaces it."""
        with self._lock, self._write() as cur:
            cur.execute(
                self.sql("INSERT INTO choices (user_id, answer_key, question, doc, paragraph, paragraph_hash,"
                         " at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, answer_key) DO UPDATE SET"
                         " doc = excluded.doc, paragraph = excluded.paragraph,"
                         " paragraph_hash = excluded.paragraph_hash, at = excluded.at"),
                (user_id, answer_key, question, doc, paragraph, paragraph_hash, self.clock()),
            )

    def choices(self, since: float) -> dict[str, Counter[tuple[str, int]]]:
        """The paragraphs askers chose since ``since``, by the question's ``question_key``."""
        with self._lock, self._read() as cur:
            cur.execute(self.sql("SELECT question, doc, paragraph FROM choices WHERE at >= ?"), (since,))
            rows = cur.fetchall()
        out: dict[str, Counter[tuple[str, int]]] = {}
        for question, doc, paragraph in rows:
            out.setdefault(question_key(str(question)), Counter())[(str(doc), int(paragraph))] += 1
        return out

    def remove_teaching(self, teaching_id: str) -> bool:
        """Forget the teaching ``teaching_id``; False when there is none."""
        with self._lock, self._write() as cur:
            cur.execute(self.sql("DELETE FROM teachings WHERE id = ?"), (teaching_id,))
            return cur.rowcount > 0
