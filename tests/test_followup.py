"""bot/engine/question/followup.py: which messages lean on the previous turn, and how they are made whole."""

from __future__ import annotations

import pytest

from bot.engine.question.followup import is_follow_up, own_words, resolve, thread_start
from bot.engine.types import Turn


@pytest.mark.parametrize("question", [
    "最少的呢？", "那应该怎么办？", "这些指标都和什么有关？", "那明天会下雨吗？", "为什么？",
    "What about villages?", "And the smallest?", "Why is that?",
    # short open questions about nothing they name: the thread's subject is meant
    "原因是什么？", "有什么后果？", "怎么解决？", "居民怎么看？", "还有呢？",
    "What are the consequences?", "Give an example.", "What can be done?",
])
def test_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "问责的目的是什么？", "明天会下雨吗？", "街道年终考核一共有多少项指标？",
    "干部为什么压力大？",  # two content words: it names its own subject
    "什么是属地管理？", "今天星期几？",  # a specific word; two words of its own
    "那位街道党工委书记在乡镇工作了多少年，他签了多少份责任状？",  # long: states its subject
    "What is the purpose of accountability?", "How do I cook fried rice?", "",
    "How many villages are there in China?",  # existential "there" points at nothing
])
def test_self_contained_questions(question: str) -> None:
    assert not is_follow_up(question)


@pytest.mark.parametrize("reaction", ["👍", "😀🎉👍🔥🙏", "？？？", "。", "!"])
def test_a_message_that_asks_nothing_is_not_a_follow_up(reaction: str) -> None:
    assert not is_follow_up(reaction)


def test_own_words_leave_out_the_linking_opener() -> None:
    assert own_words("还有呢？") == "呢？"
    assert own_words("那村里呢？") == "村里呢？"
    assert own_words("What about villages?") == "What about villages?"  # stop words already


def test_a_follow_up_goes_after_the_question_that_started_the_thread() -> None:
    first = Turn("乡镇最多签了多少份责任状？", (("a.txt", 18),))
    whole = resolve("最少的呢？", first)
    assert whole == "乡镇最多签了多少份责任状？ 最少的呢？"
    second = Turn(whole, (("a.txt", 18),))
    assert thread_start(second) == "乡镇最多签了多少份责任状？"
    assert resolve("一般呢？", second) == "乡镇最多签了多少份责任状？ 一般呢？"  # no growing chain


def test_a_thread_start_without_end_punctuation_gets_a_question_mark() -> None:
    assert resolve("What about villages?", Turn("Why do townships lack power", ())) == (
        "Why do townships lack power? What about villages?"
    )
