"""The search service: answers, paging, neighbours, follow-ups."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.engine.service import SearchService
from bot.engine.types import Hit

QUESTION = "街道年终考核一共有多少项指标？"
ARTICLE = "article.txt"


def _numbers(hits: Sequence[Hit]) -> list[int]:
    return [h.paragraph for h in hits]


def test_info_describes_the_index(fake_service: SearchService) -> None:
    info = fake_service.info
    assert info.documents == (ARTICLE,)
    assert info.paragraphs == 36  # 38 minus the byline and the editor line
    assert info.passages == 36
    assert info.model == "hashing-256" and info.built_at


def test_neighbours_of_a_paragraph_are_the_one_before_and_after(fake_service: SearchService) -> None:
    around = fake_service.library.neighbours(ARTICLE, 8)
    assert _numbers(around) == [7, 9]
    paragraph7 = fake_service.library.paragraph(ARTICLE, 7)
    assert paragraph7 is not None and around[0].text == paragraph7.text


@pytest.mark.parametrize(("number", "expected"), [(17, [18]), (15, [14]), (23, [24]), (21, [20])])
def test_neighbours_skip_noise_paragraphs(
    fake_service: SearchService, number: int, expected: list[int]
) -> None:
    assert _numbers(fake_service.library.neighbours(ARTICLE, number)) == expected


def test_neighbours_at_the_edges_and_of_unknown_documents(fake_service: SearchService) -> None:
    assert _numbers(fake_service.library.neighbours(ARTICLE, 1)) == [2]
    assert _numbers(fake_service.library.neighbours(ARTICLE, 38)) == [37]
    assert fake_service.library.neighbours("other.txt", 8) == []


def test_paragraph_lookup_includes_noise(fake_service: SearchService) -> None:
    byline = fake_service.library.paragraph(ARTICLE, 16)
    assert byline is not None and byline.text == "刘刚" and not byline.servable
    assert fake_service.library.paragraph(ARTICLE, 39) is None


def test_hits_cite_document_paragraph_and_its_full_text(fake_service: SearchService) -> None:
    answer = fake_service.ask(QUESTION)
    assert len(answer.hits) == fake_service.settings.retrieval.top_k
    for hit in answer.hits:
        paragraph = fake_service.library.paragraph(hit.doc, hit.paragraph)
        assert paragraph is not None and paragraph.servable and hit.text == paragraph.text
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True)
    assert answer.ms > 0


def test_paging_with_offset_continues_the_ranking(fake_service: SearchService) -> None:
    six = fake_service.ask(QUESTION, k=6)
    second_page = fake_service.ask(QUESTION, k=3, offset=3)
    assert _numbers(second_page.hits) == _numbers(six.hits)[3:]
    assert len(set(_numbers(six.hits))) == 6


def test_control_and_bidi_characters_do_not_change_the_answer(fake_service: SearchService) -> None:
    clean = fake_service.ask(QUESTION)
    noisy = fake_service.ask("\ufeff街道\x00年终\x07考核一共\u202e有多少项指标？")
    assert [h.paragraph for h in noisy.hits] == [h.paragraph for h in clean.hits]
    assert noisy.status == clean.status and noisy.answer == clean.answer
    assert noisy.question == QUESTION


def test_an_emoji_after_an_answer_is_not_answered_again(fake_service: SearchService) -> None:
    first = fake_service.ask(QUESTION)
    assert first.answered and first.turn is not None
    reaction = fake_service.ask("👍", context=first.turn)
    assert reaction.status == "not_covered" and not reaction.hits


@pytest.mark.parametrize("question", ["", "   ", "？？"])
def test_empty_question_is_not_answered(fake_service: SearchService, question: str) -> None:
    answer = fake_service.ask(question)
    assert not answer.answered and answer.answer == ""


@pytest.mark.slow
def test_a_follow_up_says_something_new_from_the_cited_paragraphs(real_service: SearchService) -> None:
    first = real_service.ask("问责程序上存在哪些不规范的地方？")
    assert first.answered and first.hits[0].paragraph == 19 and first.turn is not None
    assert first.turn.answer == first.answer
    follow = real_service.ask("那应该怎么规范？", context=first.turn)
    assert follow.answered and follow.hits[0].paragraph == 31  # ¶31: 二要规范问责程序
    assert follow.answer != first.answer and 31 in [h.paragraph for h in first.hits]


@pytest.mark.slow
def test_an_elliptical_follow_up_keeps_the_fact_asked_for(real_service: SearchService) -> None:
    first = real_service.ask("乡镇最多签了多少份责任状？")
    follow = real_service.ask("最少的呢？", context=first.turn)
    assert follow.answered and "36份" in follow.answer and follow.hits[0].paragraph == 18


@pytest.mark.slow
@pytest.mark.parametrize("off_topic", ["What about the weather?", "那明天会下雨吗？"])
def test_an_off_topic_question_after_context_stays_off_topic(
    real_service: SearchService, off_topic: str
) -> None:
    first = real_service.ask("What is the purpose of accountability?")  # answered (test_answerable)
    assert first.answered and first.turn is not None
    answer = real_service.ask(off_topic, context=first.turn)
    assert answer.status == "not_covered" and answer.turn is None


@pytest.mark.slow
def test_an_english_follow_up_is_understood_with_its_thread(real_service: SearchService) -> None:
    first = real_service.ask("How many responsibility pledges do townships have to sign?")
    follow = real_service.ask("What about the least?", context=first.turn)
    assert follow.answered and "36份" in follow.answer
    assert follow.turn is not None and follow.turn.question.startswith("How many responsibility")


@pytest.mark.slow
def test_a_short_open_follow_up_is_answered_in_its_thread_with_something_new(
    real_service: SearchService,
) -> None:
    first = real_service.ask("问责程序上存在哪些不规范的地方？")
    follow = real_service.ask("原因是什么？", context=first.turn)
    assert follow.answered and 19 in [h.paragraph for h in follow.hits]
    assert follow.answer and follow.answer != first.answer
