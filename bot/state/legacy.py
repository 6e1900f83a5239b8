"""Votes kept before the state store existed (data_dir/feedback.sqlite3), imported once.

Schema migration 2 calls ``import_feedback``: every vote of the old file is copied into
the store's feedback table in the migration's transaction (a vote already there is
replaced by the same vote). The old file is left untouched; once the import is logged it
may be deleted.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing
from datetime import datetime
from typing import Any

from bot.state.records import Feedback

log = logging.getLogger(__name__)
FILE_NAME = "feedback.sqlite3"


def _when(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        return 0.0


def read_feedback(path: Any) -> list[Feedback]:
    """The votes in an old feedback.sqlite3 (empty when it has no feedback table)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute(
                "SELECT user_id, answer_key, vote, question, doc, paragraph, cited, at"
                " FROM feedback ORDER BY id"
            ).fetchall()
        except sqlite3.OperationalError:
            return []
    return [
        Feedback(int(u), str(k), int(v), str(q), str(d), int(p),
                 tuple((str(c[0]), int(c[1])) for c in json.loads(cited or "[]")), _when(at))
        for u, k, v, q, d, p, cited, at in rows
    ]


def import_feedback(target: Any) -> int:
    """Copy the old file's votes through ``target.add_vote`` (migration context)."""
    folder = target.store.legacy_dir
    path = None if folder is None else folder / FILE_NAME
    if path is None or not path.is_file():
        return 0
    votes = read_feedback(path)
    for vote in votes:
        target.add_vote(vote)
    log.info("imported %d votes from %s into the state store; the old file may be deleted",
             len(votes), path)
    return len(votes)
