"""bot/asking.py: the kind of fact a question asks for, and sentences that hold one."""

from __future__ import annotations

import pytest

from bot.asking import Asked, asked_for, holds, lists


@pytest.mark.parametrize(("question", "kind", "units"), [
    ("公务员每年有多少天年假？", "number", "天"),
    ("乡镇一年要签多少份责任状？", "number", "份"),
    ("乡镇党委书记一届任期是几年？", "number", "年"),
    ("乡镇干部的工资标准是多少？", "number", ""),
    ("被问责的干部多久以后可以重新提拔？", "number", "年月周天日时分秒"),
    ("《公务员法》第几条规定了对干部的问责？", "ordinal", "条"),
    ("河长制是什么时候开始实行的？", "time", "年月日"),
    ("社区被安上了哪些头衔？", "list", ""),
    ("一个办公室挂好几块牌子说明了什么？", "other", ""),  # 好几 is not a question
    ("问责的目的是什么？", "other", ""),
    ("How many days of annual leave do civil servants get?", "number", "天日"),
    ("How many responsibility pledges do townships sign?", "number", ""),
    ("Under which article of the Criminal Law is it punished?", "ordinal", "条"),
    ("When did Liaoning survey its officials?", "time", "年月日"),
    ("What titles have communities been burdened with?", "list", ""),
    ("What is the capital of France?", "other", ""),
])  # fmt: skip
def test_asked_for(question: str, kind: str, units: str) -> None:
    assert asked_for(question) == Asked(kind, units)  # type: ignore[arg-type]


def test_a_number_must_carry_the_unit_asked_for() -> None:
    pieces = Asked("number", "份")
    assert holds("签权利状最多的村镇足足签了50多份,最少的乡镇也是有36份。", pieces)
    assert holds("二〇一九年以来已立下十余份权利状", pieces)
    assert not holds("他在村镇职业已有30多年。", pieces)
    assert holds("他在村镇职业已有30多年。", Asked("number", "年"))


def test_a_lone_yi_is_no_number_unless_a_unit_follows() -> None:
    assert not holds("尼罗河省抚州市一名镇委副秘书对记者说", Asked("number", ""))
    assert holds("共有考核目的31项", Asked("number", ""))
    assert holds("要干满一年", Asked("number", "年"))


def test_ordinal_and_time() -> None:
    assert holds("依照第十二条的规定", Asked("ordinal", "条"))
    assert not holds("出台落到实处问责条例的实施办法", Asked("ordinal", "条"))
    assert holds("二〇一七年三月,辽宁省府经过应用探究发现", Asked("time", "年月日"))
    assert not holds("近几年来,很几人春风得意地窥见", Asked("time", "年月日"))


def test_other_and_list_questions_accept_any_sentence() -> None:
    assert holds("任何句子。", Asked()) and holds("任何句子。", Asked("list"))
    assert lists("消防员、人民来信来访员、普遍检查员") and not lists("问责本人并不是指标,而是一种手腕。")
