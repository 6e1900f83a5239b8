"""Button state (64-byte callback_data, LRU, expiry), duplicate guard, per-user rate limit."""

from __future__ import annotations

import pytest

from bot.telegram.state import (
    MAX_CALLBACK_BYTES,
    AnswerRef,
    ButtonStore,
    RateLimiter,
    UpdateGuard,
    callback_data,
    parse_callback,
)
from bot.types import Hit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ref(question: str = "街道年终考核一共有多少项指标？" * 5) -> AnswerRef:
    return AnswerRef(question, "zh", (Hit("文章.txt", 8, "段落", 1.0),), 3, 42)


def test_callback_data_fits_64_bytes_whatever_the_question() -> None:
    store = ButtonStore()
    ref = _ref()
    assert len(ref.question.encode()) > 3 * MAX_CALLBACK_BYTES
    for action in ("m", "c", "u", "d"):
        data = callback_data(action, store.put(ref))
        assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
        assert parse_callback(data) is not None


def test_callback_data_rejects_over_64_bytes_of_chinese() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callback_data("更多" * 11, "k")  # 66 bytes of Chinese
    assert len(callback_data("更多" * 10, "k").encode()) <= 64


def test_parse_callback() -> None:
    assert parse_callback("m:abc") == ("m", "abc")
    assert parse_callback(None) is None
    assert parse_callback("nokey") is None
    assert parse_callback(":abc") is None
    assert parse_callback("m:") is None


def test_store_roundtrip_and_unknown_key() -> None:
    store = ButtonStore()
    key = store.put(_ref("问题"))
    got = store.get(key)
    assert got is not None and got.question == "问题"
    assert store.get("nope") is None


def test_store_expires_after_ttl() -> None:
    clock = Clock()
    store = ButtonStore(ttl=60, clock=clock)
    key = store.put(_ref())
    clock.now += 59
    assert store.get(key) is not None
    clock.now += 2
    assert store.get(key) is None
    assert len(store) == 0


def test_store_is_bounded_lru() -> None:
    store = ButtonStore(max_items=3)
    keys = [store.put(_ref(str(i))) for i in range(3)]
    assert store.get(keys[0]) is not None  # touch: now most recent
    newest = store.put(_ref("3"))
    assert len(store) == 3
    assert store.get(keys[1]) is None  # least recently used went first
    assert store.get(keys[0]) is not None and store.get(newest) is not None


def test_update_guard_answers_once_and_is_bounded() -> None:
    guard = UpdateGuard(max_items=2)
    assert guard.first_time(1) and not guard.first_time(1)
    assert guard.first_time(2) and guard.first_time(3)
    assert guard.first_time(1)  # forgotten after 2 newer ids


def test_rate_limiter_sliding_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.check(7) for _ in range(3)] == [0, 0, 0]
    wait = limiter.check(7)
    assert 1 <= wait <= 60
    assert limiter.check(8) == 0  # other users unaffected
    clock.now += 30
    assert limiter.check(7) > 0
    clock.now += 31
    assert limiter.check(7) == 0


def test_rate_limiter_zero_means_unlimited() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.check(1) == 0 for _ in range(1000))
