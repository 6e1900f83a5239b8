"""Lexical scoring: Chinese tokenization (jieba words + bigrams), BM25 ranking, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from bot.ingest import normalize
from bot.lexical import STOPWORDS, LexicalIndex, tokenize

CORPUS = [
    "上级对乡镇街道的年终考核中,共有考核指标31项,大多与属地责任有关。",
    "问责本身并不是目的,而是一种手段,目的是让党员干部自觉担当。",
    "社区居委会往往成为相关职能部门的“腿”,不堪重负。",
    "基层干部普遍反映,权力和责任不对等,压力很大。",
]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex([normalize(text) for text in CORPUS])


def _plain(tokens: list[str]) -> set[str]:
    return {t.lstrip("#$") for t in tokens}


def test_chinese_question_yields_words_and_bigrams() -> None:
    tokens = tokenize(normalize("街道年终考核一共有多少项指标？"))
    assert {"街道", "年终", "考核", "指标"} <= set(tokens)  # jieba words
    # a bigram across word boundaries, kept apart from words by its marker
    assert "终考" in _plain(tokens) and "终考" not in tokens
    assert "项指" in _plain(tokens)


def test_stopwords_and_question_words_are_dropped() -> None:
    tokens = tokenize(normalize("问责的目的是什么？为什么要问责呢？"))
    plain = _plain(tokens)
    for word in ("的", "是", "什么", "为什么", "呢", "要"):
        assert word not in tokens and word not in plain
    assert "问责" in tokens and "目的" in tokens
    assert tokenize(normalize("的了是吗？呢")) == []


def test_english_words_are_lower_cased_and_stopwords_dropped() -> None:
    tokens = tokenize(normalize("What is the Purpose of Accountability? 31"))
    assert {"purpose", "accountability", "31"} <= set(tokens)
    assert not {"what", "is", "the", "of"} & set(tokens)
    assert all(t not in STOPWORDS for t in tokens)


def test_punctuation_splits_runs_so_no_bigram_spans_it() -> None:
    tokens = tokenize(normalize("考核,问责"))
    assert "核问" not in _plain(tokens)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("年终考核有多少项指标？", 0),
        ("问责的目的是什么？", 1),
        ("居委会为什么不堪重负？", 2),
        ("权力和责任不对等怎么办？", 3),
    ],
)
def test_paragraph_with_the_query_terms_ranks_first(
    index: LexicalIndex, question: str, expected: int
) -> None:
    scores = index.scores(normalize(question))
    assert scores.shape == (len(CORPUS),)
    assert int(np.argmax(scores)) == expected
    assert scores[expected] > 0


def test_rare_term_outweighs_a_common_one() -> None:
    docs = ["基层干部压力大。", "基层干部任务多。", "基层干部考核严。", "基层干部要去北京接上访户。"]
    lexical = LexicalIndex([normalize(d) for d in docs])
    scores = lexical.scores(normalize("基层干部上访"))  # 基层干部 everywhere, 上访 once
    assert int(np.argmax(scores)) == 3
    assert scores[3] > 2 * max(scores[:3])


def test_query_without_known_terms_scores_all_zero(index: LexicalIndex) -> None:
    assert not index.scores(normalize("咖啡豆烘焙？")).any()
    assert not index.scores(normalize("How do I cook fried rice?")).any()
    assert not index.scores("").any()


def test_coverage_is_the_share_of_query_tokens_found_in_the_corpus(index: LexicalIndex) -> None:
    assert index.coverage(normalize("考核指标")) == 1.0
    assert index.coverage(normalize("fried rice")) == 0.0
    assert index.coverage(normalize("是什么")) == 0.0  # nothing but stopwords
    mixed = normalize("考核 fried")
    tokens = tokenize(mixed)
    known = sum(t != "fried" for t in tokens)
    assert index.coverage(mixed) == pytest.approx(known / len(tokens))
    assert 0.0 < index.coverage(mixed) < 1.0
