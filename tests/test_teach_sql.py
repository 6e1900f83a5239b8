"""The state store's teachings (bot/state/teach_sql.py), on SQLite and on a real PostgreSQL
server: kept with who and when, one per wording, edited, removed, surviving a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.engine.types import Teaching
from bot.state import Feedback, LogEntry, SqlStore, open_store
from bot.state.report import build_report, format_report
from config.settings import Settings


@pytest.fixture
def store(state_settings: Settings) -> Iterator[SqlStore]:
    opened = open_store(state_settings)
    yield opened
    opened.close()


def test_teach_keeps_who_and_when_and_survives_a_restart(store: SqlStore, state_settings: Settings) -> None:
    kept = store.teach(Teaching("", "问责的目的是什么？", "a.txt", 3, "abc", "目的"), "telegram:7")
    assert kept.id and kept.paragraph_hash == "abc"
    (record,) = store.teachings()
    assert record.teaching == kept and record.by == "telegram:7" and record.at > 0
    again = open_store(state_settings)
    try:
        assert again.taught() == (kept,)
    finally:
        again.close()


def test_the_same_wording_replaces_its_teaching(store: SqlStore) -> None:
    store.teach(Teaching("", "问责的目的是什么？", "a.txt", 3, "abc"), "cli:x")
    store.teach(Teaching("", "问责的目的 是什么?", not_covered=True), "cli:y")
    (only,) = store.taught()
    assert only.not_covered and only.question == "问责的目的 是什么?"


def test_sentence_remove_and_stamp(store: SqlStore) -> None:
    empty = store.teachings_stamp()
    a = store.teach(Teaching("", "一", "a.txt", 1, "h1"), "cli")
    b = store.teach(Teaching("", "二", "a.txt", 2, "h2"), "cli")
    after_add = store.teachings_stamp()
    assert after_add != empty and after_add[0] == 2
    assert store.set_sentence(a.id, "粗体") and not store.set_sentence("nope", "x")
    assert next(t for t in store.taught() if t.id == a.id).sentence == "粗体"
    assert store.remove_teaching(b.id) and not store.remove_teaching(b.id)
    assert [t.id for t in store.taught()] == [a.id]
    assert store.teachings_stamp()[0] == 1


def test_reason_kept_with_a_down_vote_and_reported(store: SqlStore) -> None:
    store.add_vote(Feedback(1, "k1", -1, "问责的目的是什么？", "a.txt", 3, paragraph_hash="h3"))
    store.add_vote(Feedback(2, "k1", 1, "问责的目的是什么？", "a.txt", 3))
    assert store.set_reason(1, "k1", "off_topic")
    assert not store.set_reason(2, "k1", "wrong")  # a 👍 has no reason
    assert not store.set_reason(3, "k1", "wrong")  # nor a vote never cast
    assert dict(store.reasons(0)["问责的目的是什么"]) == {"off_topic": 1}
    with store._read() as cur:  # the vote keeps the paragraph by content too
        cur.execute("SELECT paragraph_hash FROM feedback WHERE user_id = 1")
        assert cur.fetchone()[0] == "h3"
    store.record_answer(_logged("问责的目的是什么？", "k1"), None, None)
    text = format_report(build_report(store, 1))
    assert "问责的目的是什么？" in text and "👎 1; 答非所问 1" in text


def _logged(question: str, key: str) -> LogEntry:
    return LogEntry(1, 1, 1, question, "answered", (("a.txt", 3),), 5.0, key)


def test_the_question_log_keeps_the_cited_paragraphs_by_content(store: SqlStore) -> None:
    cited = (("a.txt", 3), ("a.txt", 4))
    entry = LogEntry(9, 1, 1, "问？", "answered", cited, 5.0, cited_hashes=("h3", "h4"))
    store.record_answer(entry, None, None)
    with store._read() as cur:
        cur.execute("SELECT cited_hashes FROM question_log WHERE update_id = 9")
        assert json.loads(cur.fetchone()[0]) == ["h3", "h4"]
