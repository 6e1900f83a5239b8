"""Schema migrations on both backends: applied once in order, a newer database refused,
replicas starting together, and the votes of the old feedback.sqlite3 imported once."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from bot.state import SqlStore, open_store
from bot.state.legacy import FILE_NAME
from bot.state.schema import LATEST, MIGRATIONS, SchemaError, statements
from config.settings import Settings

OLD_SCHEMA = """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user_id INTEGER NOT NULL,
    answer_key TEXT NOT NULL, vote INTEGER NOT NULL CHECK (vote IN (1, -1)),
    question TEXT NOT NULL, doc TEXT NOT NULL, paragraph INTEGER NOT NULL, cited TEXT NOT NULL,
    UNIQUE (user_id, answer_key)
)
"""


def _history(store: SqlStore) -> list[int]:
    with store._read() as cur:
        cur.execute("SELECT version FROM schema_version ORDER BY version")
        return [int(r[0]) for r in cur.fetchall()]


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST + 1))
    assert all(m.sql or m.python for m in MIGRATIONS)
    assert statements("CREATE TABLE a (x INT);\nCREATE INDEX b ON a (x);") == [
        "CREATE TABLE a (x INT)", "CREATE INDEX b ON a (x)"
    ]


def test_a_new_database_gets_every_step_once(state_settings: Settings) -> None:
    store = open_store(state_settings)
    assert store.schema_version() == LATEST and _history(store) == list(range(1, LATEST + 1))
    store.close()
    again = open_store(state_settings)  # a restart applies nothing twice
    assert _history(again) == list(range(1, LATEST + 1))
    assert again.migrate() == LATEST
    again.close()


def test_a_database_from_a_newer_qabot_is_refused(state_settings: Settings) -> None:
    store = open_store(state_settings)
    with store._write() as cur:
        cur.execute(store.sql("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"),
                    (LATEST + 5, "from the future", 0.0))
    store.close()
    with pytest.raises(SchemaError, match=rf"schema version {LATEST + 5}, newer than this qabot"):
        open_store(state_settings)


def test_replicas_starting_together_migrate_once(state_settings: Settings) -> None:
    opened: list[SqlStore] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(open_store(state_settings))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(opened) == 4
    assert _history(opened[0]) == list(range(1, LATEST + 1))
    for store in opened:
        store.close()


def _old_feedback(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(data_dir / FILE_NAME)) as db, db:
        db.execute(OLD_SCHEMA)
        db.executemany(
            "INSERT INTO feedback (at, user_id, answer_key, vote, question, doc, paragraph, cited)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [("2026-01-02T03:04:05+00:00", 5, "k1", 1, "问责的目的是什么？", "article.txt", 12,
              '[["article.txt", 12], ["article.txt", 13]]'),
             ("2026-01-03T00:00:00+00:00", 6, "k1", -1, "问责的目的是什么？", "article.txt", 12, "[]")],
        )


def test_old_votes_are_imported_once(state_settings: Settings) -> None:
    _old_feedback(state_settings.data_dir)
    store = open_store(state_settings)
    votes = store.feedback()
    assert [(f.user_id, f.vote, f.question, f.paragraph) for f in votes] == [
        (5, 1, "问责的目的是什么？", 12), (6, -1, "问责的目的是什么？", 12)
    ]
    assert votes[0].cited == (("article.txt", 12), ("article.txt", 13))
    assert votes[0].at == pytest.approx(1767323045.0)
    store.add_vote(votes[1].__class__(6, "k1", 1, "q", "article.txt", 12))  # changed later
    store.close()
    again = open_store(state_settings)  # not imported a second time over the new vote
    assert again.votes() == (2, 0)
    again.close()
    assert (state_settings.data_dir / FILE_NAME).is_file()  # the old file is left as it was


def test_unknown_database_url_is_explained(state_settings: Settings) -> None:
    from dataclasses import replace

    bad = replace(state_settings, state=replace(state_settings.state, database_url="mysql://x@h/db"))
    with pytest.raises(ValueError, match="postgresql://user@host:port/db"):
        open_store(bad)


def test_rows_from_before_version_4_are_kept_and_adopted_by_the_first_bot(
    state_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.state.sql as sql

    monkeypatch.setattr(sql, "MIGRATIONS", MIGRATIONS[:3])
    old = open_store(state_settings)
    with old._write() as cur:
        for uid, state in ((41, "done"), (42, "new")):
            cur.execute(old.sql("INSERT INTO inbox (update_id, chat_id, payload, received_at, state)"
                                " VALUES (?, ?, ?, ?, ?)"), (uid, 70, "{}", old.clock(), state))
        cur.execute(old.sql("INSERT INTO question_log (update_id, at, user_id, chat_id, question, qkey,"
                            " status, cited, ms) VALUES (41, 1.0, 7, 70, '问', '问', 'answered', '[]', 1.0)"))
    old.close()
    monkeypatch.setattr(sql, "MIGRATIONS", MIGRATIONS)
    store = open_store(state_settings, bot_id=555)
    try:
        assert store.schema_version() == LATEST and store.last_update_id() is None
        assert [q.question for q in store.questions(0)] == ["问"]
        assert store.adopt_inbox() == 2 and store.adopt_inbox() == 0
        assert store.last_update_id() == 42
        assert [c.update_id for c in store.claim("r", 5)] == [42]
    finally:
        store.close()
