"""The state store's behaviour, the same tests on SQLite and on a real PostgreSQL server:
inbox (duplicates, per-chat order, takeover, concurrent replicas), buttons, context, rate
limits, votes, question log and gaps, upkeep, locks, and everything surviving a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bot.engine.types import Turn
from bot.state import Feedback, InboxUpdate, LogEntry, SqlStore, open_store
from bot.state.inbox_sql import DUPLICATE_WINDOW
from config.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(state_settings: Settings) -> Iterator[SqlStore]:
    opened = open_store(state_settings)
    yield opened
    opened.close()


def _updates(*pairs: tuple[int, int | None]) -> list[InboxUpdate]:
    return [InboxUpdate(uid, chat, f'{{"update_id": {uid}}}') for uid, chat in pairs]


def _ids(claimed: list) -> list[int]:  # type: ignore[type-arg]
    return [c.update_id for c in claimed]


def _entry(uid: int, question: str, status: str = "not_covered", key: str | None = None) -> LogEntry:
    return LogEntry(uid, 7, 70, question, status, (("a.txt", 3),), 12.5, key)  # type: ignore[arg-type]


def test_inbox_drops_duplicates_and_keeps_each_chat_in_order(store: SqlStore) -> None:
    assert store.add_updates(_updates((1, 10), (2, 10), (3, 11), (4, None))) == 4
    assert store.add_updates(_updates((1, 10), (5, 11))) == 1  # update 1 again: dropped
    assert store.last_update_id() == 5
    first = store.claim("a", 10)
    assert _ids(first) == [1, 3, 4] and first[0].payload == '{"update_id": 1}'
    assert first[0].attempts == 1
    assert store.claim("b", 10) == []  # 2 and 5 wait for their chat's earlier update
    store.finish(1)
    assert _ids(store.claim("b", 10)) == [2]
    store.finish(3)
    assert _ids(store.claim("b", 1)) == [5]
    assert store.inbox_counts() == {"done": 2, "claimed": 3}


def test_an_unparsable_update_is_kept_done_never_claimed_and_never_holds_up_its_chat(
    store: SqlStore,
) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    bad = InboxUpdate(2, 10, '{"update_id": 2, "message": {}}', "message: missing field 'date'")
    assert store.add_updates([*_updates((1, 10)), bad, *_updates((3, 10))]) == 3
    assert store.add_updates([bad]) == 0  # delivered again: a duplicate like any other
    assert store.last_update_id() == 3  # the poller's offset moves past it
    assert _ids(store.claim("a", 10)) == [1]
    store.finish(1)
    assert _ids(store.claim("a", 10)) == [3]  # 2 is done already: 3 need not wait for it
    assert store.inbox_backlog()[0] == 1  # 3 (claimed); 2 is not unfinished work
    count, rows = store.unparsable(clock.now - 60, 5)
    assert count == 1 and rows[0].update_id == 2 and rows[0].reason == bad.unparsable
    assert store.unparsable(clock.now + 1, 5) == (0, [])
    clock.now += 2 * 86400  # past the duplicate window, within the question log's days
    assert store.purge(log_days=3, button_days=1, context_seconds=600)["unparsable"] == 0
    assert store.unparsable(0, 5)[0] == 1
    clock.now += 2 * 86400
    assert store.purge(log_days=3, button_days=1, context_seconds=600)["unparsable"] == 1
    assert store.unparsable(0, 5) == (0, [])


def test_claims_of_a_silent_replica_are_taken_over(store: SqlStore) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    store.heartbeat("dead", "h", 1, lease=5)
    store.heartbeat("live", "h", 2, lease=5)
    store.add_updates(_updates((1, 10), (2, 11)))
    assert _ids(store.claim("dead", 1)) == [1]
    clock.now += 4
    assert store.heartbeat("live", "h", 2, lease=5) == 0  # "dead" is late, not yet gone
    assert _ids(store.claim("live", 5)) == [2]
    clock.now += 2
    assert store.heartbeat("live", "h", 2, lease=5) == 1  # its claim goes back to the inbox
    again = store.claim("live", 5)
    assert _ids(again) == [1] and again[0].attempts == 2
    assert store.live_replicas(lease=5) == ["live"]


def test_a_graceful_stop_hands_claims_back(store: SqlStore) -> None:
    store.add_updates(_updates((1, 10), (2, 11)))
    store.claim("a", 5)
    assert store.release("a") == 2 and store.release("a") == 0
    assert _ids(store.claim("b", 5)) == [1, 2]


def test_replicas_claiming_at_once_never_share_an_update(state_settings: Settings) -> None:
    stores = [open_store(state_settings) for _ in range(3)]
    total = 300
    stores[0].add_updates(_updates(*((uid, uid % 40) for uid in range(1, total + 1))))
    got: dict[int, list[int]] = {i: [] for i in range(len(stores))}
    order: list[tuple[int, int]] = []
    guard = threading.Lock()

    def work(i: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            claimed = stores[i].claim(f"r{i}", 4)
            if not claimed:
                if sum(len(v) for v in got.values()) >= total:
                    return
                time.sleep(0.001)
                continue
            for c in claimed:
                with guard:
                    got[i].append(c.update_id)
                    order.append((c.update_id % 40, c.update_id))
                time.sleep(0.002)  # answering takes a while: the others claim meanwhile
                stores[i].finish(c.update_id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = sorted(u for v in got.values() for u in v)
    assert everything == list(range(1, total + 1))  # each exactly once
    assert sum(1 for v in got.values() if v) >= 2  # the work spread
    for chat in range(40):  # every chat's updates were handed out in order
        seq = [u for c, u in order if c == chat]
        assert seq == sorted(seq)
    for s in stores:
        s.close()


def test_everything_survives_a_restart(state_settings: Settings) -> None:
    first = open_store(state_settings)
    first.add_updates(_updates((41, 10), (42, 11)))
    first.claim("gone", 1)
    first.put_button("key1", '{"q": "问题"}')
    turn = Turn("问责的目的是什么？", (("a.txt", 3),), "问责本身并不是目的。")
    first.record_answer(_entry(41, "问责的目的是什么？", "answered", "key2"), turn)
    first.add_vote(Feedback(7, "key2", -1, "问责的目的是什么？", "a.txt", 3, (("a.txt", 3),)))
    first.close()
    again = open_store(state_settings)
    assert again.last_update_id() == 42 and again.inbox_counts() == {"claimed": 1, "new": 1}
    assert again.get_button("key1", 3600) == '{"q": "问题"}'
    assert again.get_turn(70, 600) == turn  # with the answer given: a follow-up wants news
    assert again.votes() == (0, 1)
    (row,) = again.questions(0)
    assert (row.question, row.status, row.down) == ("问责的目的是什么？", "answered", 1)
    assert row.cited == (("a.txt", 3),)
    again.close()


def test_buttons_expire_and_unknown_keys_are_none(store: SqlStore) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    store.put_button("k", "{}")
    assert store.get_button("k", 60) == "{}" and store.get_button("nope", 60) is None
    clock.now += 61
    assert store.get_button("k", 60) is None


def test_context_is_kept_for_its_ttl_and_through_a_refused_question(store: SqlStore) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    turn = Turn("街道年终考核一共有多少项指标？", (("article.txt", 8), ("article.txt", 9)))
    store.record_answer(_entry(1, "q1", "answered"), turn)
    assert store.get_turn(70, 600) == turn and store.get_turn(71, 600) is None
    clock.now += 601
    assert store.get_turn(70, 600) is None
    store.record_answer(_entry(2, "q2", "answered"), turn)
    store.record_answer(_entry(3, "红烧肉怎么做？"), None)  # not covered: the thread stays
    assert store.get_turn(70, 600) == turn


def test_record_answer_stores_the_buttons_and_one_row_per_update(store: SqlStore) -> None:
    store.record_answer(_entry(5, "q"), None, ("kb", '{"x": 1}'))
    store.record_answer(_entry(5, "q", "answered"), None)  # the same update logged again
    assert store.get_button("kb", 60) == '{"x": 1}'
    (row,) = store.questions(0)
    assert row.status == "answered"


def test_rate_limit_is_a_sliding_minute(store: SqlStore) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    assert [store.rate_check(1, 3) for _ in range(3)] == [0, 0, 0]
    assert store.rate_check(1, 3) == 60
    assert store.rate_check(2, 3) == 0  # per user
    clock.now += 45
    assert store.rate_check(1, 3) == 15
    clock.now += 15.5
    assert store.rate_check(1, 3) == 0
    assert store.rate_check(1, 0) == 0  # 0 = unlimited


def test_votes_replace_and_count(store: SqlStore) -> None:
    store.add_vote(Feedback(5, "k", 1, "q", "a.txt", 8, (("a.txt", 8), ("a.txt", 9))))
    store.add_vote(Feedback(5, "k", -1, "q", "a.txt", 8))  # changed their mind
    store.add_vote(Feedback(6, "k", 1, "q", "a.txt", 8))
    assert store.votes() == (1, 1)
    votes = {f.user_id: f for f in store.feedback()}
    assert votes[5].vote == -1 and votes[5].cited == (("a.txt", 8), ("a.txt", 9)) and votes[5].at > 0


def test_gaps_group_wordings_count_downvotes_and_ignore_good_answers(store: SqlStore) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    asked = [
        (1, "乡镇有多少编制？", "not_covered", None), (2, "乡镇有多少编制?", "not_covered", None),
        (3, " 乡镇 有多少编制 ", "not_covered", None), (4, "乡镇有多少编制。", "not_covered", None),
        (10, "What is 问责?", "related", None), (11, "what is 问责", "answered", "good"),
        (12, "问责的目的是什么？", "answered", "bad"), (13, "问责的目的是什么", "answered", "ok"),
    ]
    for uid, question, status, key in asked:
        clock.now += 1
        store.record_answer(_entry(uid, question, status, key), None)
    store.add_vote(Feedback(1, "bad", -1, "q", "a", 1))
    store.add_vote(Feedback(2, "bad", -1, "q", "a", 1))
    store.add_vote(Feedback(1, "good", 1, "q", "a", 1))
    clock.now += 1
    store.record_answer(_entry(20, "最新的问题", "not_covered"), None)
    assert [g.question for g in store.gaps(since=clock.now - 0.5, limit=10)] == ["最新的问题"]
    gaps = store.gaps(since=0, limit=10)
    assert [(g.question, g.count, g.not_answered, g.down) for g in gaps] == [
        ("乡镇有多少编制。", 4, 4, 0),  # four wordings of one question; the latest shown
        ("最新的问题", 1, 1, 0),  # ties: most recent first
        ("问责的目的是什么", 1, 0, 2),  # answered, but voted 👎 twice
        ("what is 问责", 1, 1, 0),  # only the "related" reply counts, not the answered one
    ]
    assert store.gaps(since=0, limit=1)[0].count == 4


def test_purge_removes_only_what_is_past_its_time(store: SqlStore) -> None:
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    store.add_updates(_updates((1, 10), (2, 11)))
    store.claim("a", 2)
    store.finish(1)
    store.put_button("old", "{}")
    store.record_answer(_entry(1, "q", "answered"), Turn("q", ()))
    store.rate_check(1, 5)
    clock.now += 2 * 86400
    store.put_button("new", "{}")
    removed = store.purge(log_days=1, button_days=1, context_seconds=600)
    assert removed == {"inbox": 1, "unparsable": 0, "rate_events": 1, "buttons": 1, "conversations": 1,
                       "question_log": 1}
    assert store.inbox_counts() == {"claimed": 1}  # unfinished work is never purged
    assert store.get_button("new", 86400) == "{}"


def test_poller_lock_has_one_holder_until_it_lets_go(state_settings: Settings, store: SqlStore) -> None:
    other = open_store(state_settings)
    mine, theirs = store.leader_lock("poller"), other.leader_lock("poller")
    assert mine.try_acquire() and mine.held()
    assert not theirs.try_acquire() and not theirs.held()
    assert store.leader_lock("rebuild").try_acquire()  # another name, another lock
    mine.release()
    deadline = time.monotonic() + 5  # the server frees a session's locks as it ends
    while not theirs.try_acquire() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert theirs.held() and not mine.try_acquire()
    theirs.release()
    other.close()


def test_exclusive_lock_serialises_holders(state_settings: Settings, store: SqlStore) -> None:
    other = open_store(state_settings)
    inside: list[str] = []
    events: list[str] = []

    def hold(name: str, s: SqlStore) -> None:
        with s.exclusive("rebuild"):
            inside.append(name)
            events.append(f"in {name} with {len(inside)}")
            time.sleep(0.3)
            inside.remove(name)

    threads = [threading.Thread(target=hold, args=(n, s)) for n, s in (("a", store), ("b", other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(events) == ["in a with 1", "in b with 1"]
    other.close()


def test_each_bot_keeps_its_own_inbox_log_and_context(state_settings: Settings) -> None:
    first, second = open_store(state_settings, bot_id=111), open_store(state_settings, bot_id=222)
    try:
        assert first.add_updates(_updates((1, 10), (2, 10))) == 2
        assert second.add_updates(_updates((1, 10), (2, 10))) == 2  # the same ids: not duplicates
        assert first.add_updates(_updates((2, 10))) == 0  # a duplicate within one bot
        assert first.last_update_id() == 2 and second.last_update_id() == 2
        assert _ids(first.claim("a", 10)) == [1] and _ids(second.claim("b", 10)) == [1]
        second.finish(1)
        assert first.claim("a", 10) == [] and _ids(second.claim("b", 10)) == [2]
        turn = Turn("问题", (("a.txt", 1),), "答")
        first.record_answer(_entry(1, "第一个机器人的问题"), turn)
        second.record_answer(_entry(1, "第二个机器人的问题"), None)
        assert first.get_turn(70, 600) == turn and second.get_turn(70, 600) is None
        assert sorted(q.question for q in first.questions(0)) == ["第一个机器人的问题", "第二个机器人的问题"]
        assert first.inbox_counts() == {"claimed": 2, "done": 1, "new": 1}  # every bot's rows
    finally:
        first.close()
        second.close()


def test_an_update_id_is_a_duplicate_only_within_a_day(state_settings: Settings) -> None:
    store = open_store(state_settings, bot_id=111)
    clock = Clock()
    store.clock = clock  # type: ignore[method-assign]
    try:
        assert store.add_updates(_updates((7, 10))) == 1
        store.finish(_ids(store.claim("a", 1))[0])
        clock.now += DUPLICATE_WINDOW - 60
        assert store.add_updates(_updates((7, 10))) == 0  # Telegram redelivered it: dropped
        assert store.last_update_id() == 7
        clock.now += 120  # a week without updates later Telegram may reuse the id
        assert store.last_update_id() is None  # the poller starts from Telegram's oldest
        assert store.add_updates(_updates((7, 12))) == 1
        again = store.claim("a", 1)
        assert _ids(again) == [7] and again[0].attempts == 1
    finally:
        store.close()
