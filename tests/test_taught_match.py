"""What is taught is answered (bot/engine/taught.py, bot/engine/question/taught_match.py): the same
wording gets the taught paragraph first and its sentence in bold; a paraphrase below the
answering bar gets the taught wording as a suggestion ("您是不是想问"); a look-alike asking
something else is never answered from the teaching (at most suggested); a paragraph that
changed is never answered from."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from bot.engine.documents.ingest import Paragraph
from bot.engine.question.taught_match import (
    ANSWER_FROM,
    SIMILAR,
    SIMILAR_CHECKED,
    SIMILAR_SPECIFIC,
    SUGGEST_FROM,
    SUGGEST_WITHIN,
    TaughtMatcher,
    focus,
    threshold,
)
from bot.engine.service import SearchService
from bot.engine.types import Teaching

pytestmark = pytest.mark.slow


@pytest.fixture
def service(real_service: SearchService) -> Iterator[SearchService]:
    """The session's real service; whatever a test teaches is forgotten afterwards."""
    yield real_service
    real_service.teach(())


def paragraph_with(service: SearchService, piece: str) -> Paragraph:
    return next(p for p in service.stored.paragraphs if piece in p.text)


def taught(
    service: SearchService, question: str, piece: str, sentence: str = "", tid: str = "t1"
) -> Teaching:
    p = paragraph_with(service, piece)
    return Teaching(tid, question, p.doc, p.number, p.hash, sentence)


def test_focus_tells_what_is_asked() -> None:
    assert focus("乡镇一年要签多少份责任状？") == focus("How many pledges?") == "number"
    assert focus("乡镇的责任状是谁要求签的？") == "who"
    assert focus("辽宁省是什么时候开展调研的？") == "time"
    assert focus("为什么基层问责越来越多？") == focus("Why so many?") == focus("问责的目的是什么？") == "why"
    assert focus("权责不对等是怎么产生的？") == focus("问责程序包括哪几个环节？") == "what"
    assert focus("怎样解决权责不对等的问题？") == "how_to"
    assert focus("对不敢担当的干部应该怎么对待？") == "not what"  # not what 对敢于担当的干部… asks
    assert focus("When departments shift work down, who takes the blame?") == "who"
    assert focus("“谁主管谁负责”原则是什么意思？") == "what"  # quoted words name; they do not ask
    assert focus("谁提出了“谁主管谁负责”原则？") == "who"


def test_a_plain_what_question_needs_the_same_head_for_the_lower_threshold() -> None:
    attitude, work = "职能部门的人下到乡镇是什么态度？", "职能部门的人下到乡镇要做哪些工作？"
    assert threshold(attitude, work) == SIMILAR_CHECKED  # Chinese: a match is checked for stray words too
    assert threshold("What attitude do they show?", "What work do they do?") == SIMILAR  # English: not
    assert threshold(attitude, "What work do they do there?") == SIMILAR  # nor two scripts
    assert threshold("开展问责应该坚持什么原则？", "问责工作要遵循哪条原则？") == SIMILAR_SPECIFIC
    assert threshold("乡镇一年要签多少份责任状？", "乡镇每年签几份责任书？") == SIMILAR_SPECIFIC
    assert threshold("乡镇一年要签多少份责任状？", "乡镇的责任状是谁要求签的？") > 1


def test_matcher_exact_key_ignores_punctuation_and_width() -> None:
    t = Teaching("a", "问责的目的是什么？", "d", 1, "h")
    matcher = TaughtMatcher([t])
    found = matcher.match("问责的目的 是什么?")
    assert found is not None and found.exact and found.teaching is t
    assert matcher.match("问责的对象是什么？") is None  # no vectors: only the exact wording


def test_matcher_needs_the_same_focus() -> None:
    t = Teaching("a", "乡镇一年要签多少份责任状？", "d", 1, "h")
    vectors = [np.ones((1, 4), np.float32)]
    matcher = TaughtMatcher([t], vectors)
    same = np.ones(4, np.float32)
    assert matcher.match("乡镇每年要签几份责任书？", [same]) is not None
    assert matcher.match("乡镇的责任状是谁要求签的？", [same]) is None


def test_same_wording_answered_from_the_taught_paragraph_and_sentence(service: SearchService) -> None:
    t = taught(service, "属地管理到底是谁提出来的？", "从守土有责的角度", sentence="守土有责")
    service.teach([t])
    answer = service.ask("属地管理到底是谁提出来的")
    assert answer.status == "answered" and answer.taught == "t1"
    assert (answer.hits[0].doc, answer.hits[0].paragraph) == (t.doc, t.paragraph)
    assert "守土有责" in answer.answer
    assert len({(h.doc, h.paragraph) for h in answer.hits}) == len(answer.hits)  # cited once


def test_matcher_answers_only_above_the_bar_and_suggests_in_the_band_below() -> None:
    def unit(cos: float) -> np.ndarray:
        return np.array([cos, (1 - cos * cos) ** 0.5, 0, 0], np.float32)

    close, near, far, gone = (Teaching(i, f"乡镇一年要签多少份{i}？", "d", 1, "h") for i in "abcd")
    rows = np.stack([unit(0.95), unit(0.93), unit(SUGGEST_FROM - 0.02), unit(0.94)])
    matcher = TaughtMatcher([close, near, far, Teaching("d", gone.question, not_covered=True)], [rows])
    asked = [np.array([1, 0, 0, 0], np.float32)]
    assert ANSWER_FROM > 0.95 and matcher.match("乡镇每年要签几份责任书？", asked) is None
    assert [t.id for t, _ in matcher.near(asked)] == ["a", "b"]  # not "not covered", not below the band
    assert [t.id for t, _ in matcher.near(asked, 1)] == ["a"]
    within = TaughtMatcher([close, near], [np.stack([unit(0.95), unit(0.95 - SUGGEST_WITHIN - 0.01)])])
    assert [t.id for t, _ in within.near(asked)] == ["a"]  # too far behind the closest


def test_paraphrase_suggested_lookalike_never_answered(service: SearchService) -> None:
    t = taught(service, "一个街道城管科要承担多少项工作？", "近20项", sentence="近20项")
    service.teach([t])
    paraphrase = service.ask("城管科在街道里要干多少项活？")  # "related" untaught
    assert paraphrase.taught == "" and paraphrase.status == "related"
    (offered,) = paraphrase.suggestions
    assert (offered.question, offered.taught, offered.paragraph) == (t.question, "t1", t.paragraph)
    chosen = service.ask(offered.question)  # what a tap asks
    assert chosen.taught == "t1" and "近20项" in chosen.answer and chosen.hits[0].paragraph == t.paragraph
    for lookalike in ("街道城管科为什么要承担这么多工作？", "街道城管科的本职工作是什么？"):
        assert service.ask(lookalike).taught == "", lookalike


@pytest.mark.parametrize(("question", "gold", "lookalike"), [
    ("问责尺度上有什么问题？", "有的问责尺度宽严不一", "问责的力度上有什么问题？"),
    ("签责任状最少的乡镇签了多少份？", "最少的乡镇也是有36份", "签责任状最多的乡镇签了多少份？"),
    ("问责类型上存在什么问题？", "同案不一样责", "问责程序上存在什么问题？"),
])
def test_a_lookalike_is_never_answered_from_a_teaching(
    service: SearchService, question: str, gold: str, lookalike: str
) -> None:
    """Look-alikes the matcher answered from the teaching before issue 26 (bench/teach.py)."""
    t = taught(service, question, gold, sentence=gold)
    service.teach([t])
    answer = service.ask(lookalike)
    assert answer.taught == ""  # (the untaught answer may hold the taught sentence: same paragraph)
    assert all(s.taught == "t1" for s in answer.suggestions)  # at most a suggestion


def test_taught_not_covered_is_not_answered(service: SearchService) -> None:
    question = "属地管理的初衷是什么？"
    assert service.ask(question).answered  # the documents answer it ...
    service.teach([Teaching("nc", question, not_covered=True)])
    answer = service.ask(question)  # ... but an admin said they do not (the cache is dropped)
    assert answer.status == "not_covered" and answer.taught == "nc" and not answer.hits


def test_changed_paragraph_is_stale_and_never_answered_from(service: SearchService) -> None:
    t = taught(service, "属地管理到底是谁提出来的？", "从守土有责的角度")
    gone = Teaching("old", t.question, t.doc, t.paragraph, "0" * 16)  # the text it was taught on changed
    applied = service.teach([gone])
    assert applied.stale == (gone,) and len(applied.matcher) == 0
    assert service.ask(t.question).taught == ""


def test_english_question_taught_a_chinese_paragraph(service: SearchService) -> None:
    t = taught(service, "How many assessment indicators did the Huizhou sub-district have in its year-end "
               "evaluation?", "共有考核目的31项", sentence="31项", tid="en")
    service.teach([t])
    again = service.ask("how many assessment indicators did the Huizhou sub-district have in its year-end "
                        "evaluation")
    assert again.taught == "en" and "31" in again.answer and again.hits[0].paragraph == t.paragraph
    paraphrase = service.ask("What is the total number of indicators in the Huizhou sub-district's annual "
                             "assessment?")
    assert paraphrase.taught == "" and "31" in paraphrase.answer  # answered untaught: nothing to suggest
    assert paraphrase.suggestions == ()
    assert service.ask("Who designed the Huizhou sub-district's year-end evaluation?").taught == ""
