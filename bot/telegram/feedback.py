"""👍/👎 feedback in SQLite under the data folder: question, cited ¶, user, vote, time.

One vote per user and answer: pressing the other thumb later replaces the first vote.
Calls are small and synchronous; the bot runs them in a worker thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "feedback.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    answer_key TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (1, -1)),
    question TEXT NOT NULL,
    doc TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    cited TEXT NOT NULL,
    UNIQUE (user_id, answer_key)
)
"""


@dataclass(frozen=True)
class Feedback:
    """One vote on one answer."""

    user_id: int
    answer_key: str
    vote: int  # +1 👍, -1 👎
    question: str
    doc: str  # document of the top cited paragraph
    paragraph: int  # ¶n of the top cited paragraph
    cited: tuple[tuple[str, int], ...] = ()  # every cited (document, ¶n)
    at: str = ""  # ISO time, UTC; filled in when empty


class FeedbackStore:
    """Append/replace votes and count them; safe to call from several threads."""

    def __init__(self, data_dir: Path) -> None:
        """Use (and create) ``data_dir``/feedback.sqlite3."""
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILE_NAME
        self._lock = threading.Lock()
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, item: Feedback) -> None:
        """Store ``item``, replacing the same user's earlier vote on the same answer."""
        at = item.at or datetime.now(UTC).isoformat(timespec="seconds")
        row = (
            at, item.user_id, item.answer_key, item.vote, item.question, item.doc,
            item.paragraph, json.dumps(item.cited, ensure_ascii=False),
        )  # fmt: skip
        with self._lock, closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO feedback (at, user_id, answer_key, vote, question, doc,"
                " paragraph, cited) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def counts(self) -> tuple[int, int]:
        """(👍, 👎) totals."""
        with self._lock, closing(self._connect()) as db:
            up, down = db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback"
            ).fetchone()
        return int(up), int(down)

    def all(self) -> list[Feedback]:
        """Every stored vote, oldest first."""
        with self._lock, closing(self._connect()) as db:
            rows = db.execute(
                "SELECT user_id, answer_key, vote, question, doc, paragraph, cited, at"
                " FROM feedback ORDER BY id"
            ).fetchall()
        return [
            Feedback(u, k, v, q, d, p, tuple((c[0], int(c[1])) for c in json.loads(cited)), at)
            for u, k, v, q, d, p, cited, at in rows
        ]
