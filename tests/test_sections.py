"""Questions that name a clause, a chapter or a part match the paragraphs standing there."""

from __future__ import annotations

import pytest

from bot.engine.question.sections import asked_place, asks_only_where, keys_of_label, matches


@pytest.mark.parametrize(("question", "keys"), [
    ("第七条讲了什么？", {("条", 7)}),
    ("问责条例第7条说了什么", {("条", 7)}),
    ("第二十一条的内容", {("条", 21)}),
    ("第三部分说了什么", {("部分", 3)}),
    ("What does Article 7 say?", {("条", 7)}),
    ("Summarise chapter II", {("章", 2)}),
    ("Part 3, please", {("部分", 3)}),
    ("乡镇干部为什么压力大？", set()),
    ("第一书记是谁派的？", set()),  # 第一 names no clause
])
def test_asked_place(question: str, keys: set[tuple[str, int]]) -> None:
    assert asked_place(question) == keys


def test_a_question_that_asks_only_what_a_place_says() -> None:
    assert asks_only_where("第七条讲了什么？") and asks_only_where("What does Article 7 say?")
    assert not asks_only_where("第七条对哪些情形问责？")


def test_labels_and_matching() -> None:
    assert keys_of_label("第二章 第七条") == {("章", 2), ("条", 7)}
    assert keys_of_label("三、（二）") == {("部分", 3)}
    assert matches({("条", 7)}, "第二章 第七条")
    assert not matches({("条", 7)}, "第二章 第十七条")
    assert matches({("部分", 3)}, "三、（二）") and not matches({("部分", 3)}, "")
