"""Button state: 64-byte callback_data, random keys, AnswerRef JSON round trip."""

from __future__ import annotations

import pytest

from bot.engine.types import Hit
from bot.telegram.refs import MAX_CALLBACK_BYTES, AnswerRef, callback_data, new_key, parse_callback


def _ref(question: str = "街道年终考核一共有多少项指标？" * 5) -> AnswerRef:
    hits = (Hit("文章.txt", 8, "段落“引号”", 1.25), Hit("b.md", 2, "", -0.5))
    return AnswerRef(question, "zh", hits, 3, -1001, frozenset({("文章.txt", 8), ("b.md", 2)}))


def test_callback_data_fits_64_bytes_whatever_the_question() -> None:
    ref = _ref()
    assert len(ref.question.encode()) > 3 * MAX_CALLBACK_BYTES
    for action in ("m", "c", "u", "d"):
        data = callback_data(action, new_key())
        assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
        assert parse_callback(data) is not None


def test_keys_are_short_and_distinct() -> None:
    keys = {new_key() for _ in range(1000)}
    assert len(keys) == 1000 and all(len(k) == 8 and ":" not in k for k in keys)


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


def test_answer_ref_json_round_trip() -> None:
    ref = _ref()
    assert AnswerRef.from_json(ref.to_json()) == ref
    assert "街道" in ref.to_json()  # readable in the database, not escaped


@pytest.mark.parametrize("text", ["", "{}", "[1]", '{"question": "q"}', "not json"])
def test_answer_ref_from_bad_json(text: str) -> None:
    with pytest.raises(ValueError, match="not stored button state"):
        AnswerRef.from_json(text)
