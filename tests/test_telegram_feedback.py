"""👍/👎 store: question, cited ¶, user, time; one vote per user and answer."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.feedback import FILE_NAME, Feedback, FeedbackStore


def _vote(user: int, key: str, vote: int) -> Feedback:
    return Feedback(user, key, vote, "考核指标有几项？", "article.txt", 8, (("article.txt", 8),))


def test_store_counts_and_fields(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    assert store.counts() == (0, 0)
    store.add(_vote(1, "k1", 1))
    store.add(_vote(2, "k1", -1))
    store.add(_vote(1, "k2", 1))
    assert store.counts() == (2, 1)
    first = store.all()[0]
    fields = (first.user_id, first.question, first.doc, first.paragraph)
    assert fields == (1, "考核指标有几项？", "article.txt", 8)
    assert first.cited == (("article.txt", 8),)
    assert first.at.endswith("+00:00")
    assert (tmp_path / "data" / FILE_NAME).is_file()


def test_changing_a_vote_replaces_it(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.add(_vote(1, "k1", 1))
    store.add(_vote(1, "k1", -1))
    assert store.counts() == (0, 1)
    assert len(store.all()) == 1


def test_votes_survive_reopening(tmp_path: Path) -> None:
    FeedbackStore(tmp_path).add(_vote(5, "k", 1))
    assert FeedbackStore(tmp_path).counts() == (1, 0)
