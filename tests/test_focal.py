"""bot/engine/judge/focal.py: the focal words of a yes/no question and the paragraph's cover of them."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.judge.focal import FOCAL_SIMILARITY, focal, focal_coverage, predicate
from bot.engine.question.concepts import Concepts, Words, content_words, specificity
from bot.engine.service import SearchService
from bot.engine.text.normalize import normalize
from bot.engine.text.tokenize import tokenize


@pytest.mark.parametrize(("question", "span"), [
    ("村委会换届选举，候选人要不要交保证金？", "交保证金"),
    ("上海的街道办事处能不能对违法建筑直接罚款？", "对违法建筑直接罚款"),
    ("留置期间被调查人可以请律师吗？", "请律师"),
    ("乡镇干部被问责后会影响年终奖金吗？", "影响年终奖金"),
    ("被调查人是否有权聘请律师，由谁决定？", "有权聘请律师"),
    ("乡镇党委书记由谁任命？", "乡镇党委书记"),  # who does it: the thing it is done to
    ("换届以后，社区工作者的工资由谁支付？", "社区工作者的工资"),
])
def test_the_predicate_of_a_yes_no_question_is_what_it_asks(question: str, span: str) -> None:
    found = predicate(question)
    assert found is not None and question[found[0] : found[1]] == span


@pytest.mark.parametrize("question", ["借属地管理之名做了什么？", "留置最长可以关多久？", "主任是谁？"])
def test_a_question_that_asks_no_yes_no_has_no_predicate(question: str) -> None:
    assert predicate(question) is None


def _words(question: str) -> Words:
    found = content_words(question)
    return Words(tuple(found), np.array([specificity(w) for w in found], dtype=np.float32))


def test_focal_words_are_specific_in_the_predicate_and_not_the_librarys_domain() -> None:
    question = normalize("留置期间被调查人能不能请律师？")
    words = _words(question)
    assert [words.words[i] for i in focal(question, words, {}, 100)] == ["律师"]  # 留置: the subject
    assert focal(question, words, {"律师": 60}, 100) == []  # in most passages: the domain, not the object
    plain = normalize("留置最长可以关多久？")
    assert focal(plain, _words(plain), {}, 100) == []


def test_the_paragraph_must_have_the_focal_word() -> None:
    question = normalize("候选人要不要交保证金？")
    words = _words(question)
    chosen = focal(question, words, {}, 100)
    concepts = Concepts(set(tokenize("候选人 保证金 提名")), None)
    with_it = focal_coverage(concepts, words, chosen, set(tokenize("候选人应当交纳保证金。")))
    without = focal_coverage(concepts, words, chosen, set(tokenize("由村民直接提名候选人。")))
    assert with_it == 1.0 and without is not None and without < FOCAL_SIMILARITY
    assert focal_coverage(concepts, words, [], set()) is None


def test_a_yes_no_question_on_what_the_paragraph_lacks_is_not_answered(real_service: SearchService) -> None:
    answer, evidence = real_service.ask_judged("乡镇干部被问责后会影响年终奖金吗？")
    assert evidence is not None and evidence.focal is not None and evidence.focal < FOCAL_SIMILARITY
    assert not evidence.plausible and answer.status != "answered"
    answered, kept = real_service.ask_judged("上级部门有没有给基层提供相关的专业培训？")  # in other words
    assert kept is not None and kept.focal is not None and kept.focal >= FOCAL_SIMILARITY
    assert answered.answered
