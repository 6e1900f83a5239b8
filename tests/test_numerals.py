"""Chinese numerals to Arabic digits for matching: what is converted and what is left."""

from __future__ import annotations

import pytest

from bot.engine.text.normalize import normalize
from bot.engine.text.numerals import arabic_numerals, parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇一七年三月", "2017年三月"),  # digit by digit with 〇; 三 alone stays
        ("二零二三年", "2023年"),
        ("最少的乡镇也有三十六份", "最少的乡镇也有36份"),
        ("共有考核指标三十一项", "共有考核指标31项"),
        ("十三项", "13项"),
        ("一百零五人", "105人"),
        ("两千元", "2000元"),
        ("三万五千", "35000"),
        ("十条意见", "10条意见"),  # 十 alone before a counter word
        ("二十四节气", "24节气"),
    ],
)
def test_unambiguous_numerals_become_digits(text: str, expected: str) -> None:
    assert arabic_numerals(text) == expected


@pytest.mark.parametrize(
    "text",
    ["十分重要", "略知一二一味地", "一五一十", "万一出事", "千万不要", "一些", "零容忍", "零零星星",
     "十一五规划", "一两个", "老百姓", "一旦", "三农"],
)
def test_words_that_only_look_like_numbers_stay(text: str) -> None:
    assert arabic_numerals(text) == text


def test_parse_number_accepts_only_well_formed_place_values() -> None:
    assert parse_number("三十一") == 31
    assert parse_number("十") == 10 and parse_number("十五") == 15
    assert parse_number("一千零一十") == 1010
    assert parse_number("三千万") == 30_000_000
    for bad in ("一二", "百五", "万一", "三十百", "五两", "零五"):
        assert parse_number(bad) is None, bad


def test_normalize_applies_it_to_questions_and_documents_alike() -> None:
    assert normalize("二〇一七年，辽宁省") == normalize("2017年,辽宁省") == "2017年,辽宁省"
    assert normalize("签了三十六份") == normalize("签了36份")
