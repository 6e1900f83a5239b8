"""Hybrid retrieval on the article with the real model, scored against the shared dev set.

The dev set is encoded once (MemoEncoder); the fused ranking, its parts and the answers
all reuse those vectors. Gold paragraphs are found by the dev file's own gold substrings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import sparse

from bot.engine.rank.bm25 import LexicalIndex, index_texts
from bot.engine.rank.hybrid import HybridRetriever, Query, Ranking, Weights
from bot.engine.service import SearchService
from bot.engine.text.normalize import normalize
from bot.engine.types import Answer
from bot.tools.evaluate import Case
from embeddings.encoder import Encoder


class MemoEncoder:
    """Remembers query vectors and their sparse rows per text (the model is deterministic)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self._dense: dict[str, np.ndarray] = {}
        self._sparse: dict[str, sparse.csr_matrix | None] = {}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries_and_sparse(texts)[0]

    def encode_queries_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._dense))
        if todo:
            dense, rows = self.inner.encode_queries_and_sparse(todo)
            self._dense.update(zip(todo, dense, strict=True))
            self._sparse.update((t, None if rows is None else rows[i]) for i, t in enumerate(todo))
        found = [self._sparse[t] for t in texts]
        terms = None if any(r is None for r in found) else sparse.csr_matrix(sparse.vstack(found))
        return np.stack([self._dense[t] for t in texts]), terms

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        return self.inner.encode_sparse(texts)

    def encode_passages_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self.inner.encode_passages_and_sparse(texts)

    @property
    def sparse_kind(self) -> str:
        return self.inner.sparse_kind


@dataclass(frozen=True)
class Dev:
    service: SearchService
    cases: list[Case]
    queries: list[Query]
    answers: list[Answer]
    lexical: LexicalIndex

    def in_scope(self) -> list[int]:
        return [i for i, c in enumerate(self.cases) if c.gold]


@pytest.fixture(scope="module")
def dev(real_service: SearchService, dev_cases: list[Case]) -> Dev:
    memo = MemoEncoder(real_service.encoder)
    second = None if real_service.second is None else MemoEncoder(real_service.second)
    service = SearchService(real_service.settings, memo, real_service.stored, second)
    questions = [c.q for c in dev_cases]
    vectors, rows = memo.encode_queries_and_sparse(questions)
    seconds = None if second is None else second.encode_queries(questions)
    queries = []
    for i, q in enumerate(questions):
        row = None if rows is None else rows[i]
        queries.append(Query(normalize(q), vectors[i], row, None if seconds is None else seconds[i]))
    lexical = index_texts([p.norm for p in service.stored.passages])
    return Dev(service, dev_cases, queries, service.ask_batch(questions, k=5), lexical)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _gold_rank(service: SearchService, ranking: Ranking, gold: tuple[str, ...]) -> int | None:
    for rank, item in enumerate(ranking.items[:5]):
        p = service.retriever.passages[item.passage]
        paragraph = service.library.paragraph(p.doc, p.paragraph)
        assert paragraph is not None
        if any(g in paragraph.text for g in gold):
            return rank
    return None


def _answer_rank(answer: Answer, gold: tuple[str, ...]) -> int | None:
    return next((i for i, h in enumerate(answer.hits) if any(g in h.text for g in gold)), None)


@pytest.mark.slow
def test_chinese_dev_questions_find_their_gold_paragraph_first(dev: Dev) -> None:
    chinese = [i for i in dev.in_scope() if _is_chinese(dev.cases[i].q)]
    assert len(chinese) >= 20
    ranks = {dev.cases[i].q: _answer_rank(dev.answers[i], dev.cases[i].gold) for i in chinese}
    assert sum(r == 0 for r in ranks.values()) / len(ranks) >= 0.9, ranks
    assert all(r is not None and r < 3 for r in ranks.values()), ranks


@pytest.mark.slow
@pytest.mark.parametrize("topic", ["考核", "问责的目的", "执法", "上访"])
def test_questions_on_distinct_topics_get_their_gold_paragraph_at_rank_1(dev: Dev, topic: str) -> None:
    picked = [i for i in dev.in_scope() if topic in dev.cases[i].q]
    assert picked, f"no dev question mentions {topic}"
    for i in picked:
        assert _answer_rank(dev.answers[i], dev.cases[i].gold) == 0, dev.cases[i].q


@pytest.mark.slow
def test_english_questions_find_chinese_paragraphs_in_top_3(dev: Dev) -> None:
    english = [i for i in dev.in_scope() if not _is_chinese(dev.cases[i].q)]
    assert english
    for i in english:
        norm = dev.queries[i].norm
        assert not dev.lexical.scores(norm).any()  # BM25 alone cannot help across languages
        assert dev.lexical.scores(norm, dev.service.reader.translated(norm)).any()  # its translation can
        answer = dev.answers[i]
        assert answer.answered, dev.cases[i].q
        assert _answer_rank(answer, dev.cases[i].gold) in (0, 1, 2), dev.cases[i].q
        assert _is_chinese(answer.hits[0].text)


def _metrics(dev: Dev, weights: Weights) -> tuple[float, float]:
    s = dev.service.stored
    retriever = HybridRetriever(
        s.passages, s.faiss_index, dev.lexical, s.arrays.sparse, s.arrays.second, weights
    )
    ranks = [
        _gold_rank(dev.service, retriever.rank(dev.queries[i]), dev.cases[i].gold) for i in dev.in_scope()
    ]
    hit1 = sum(r == 0 for r in ranks) / len(ranks)
    mrr = sum(1 / (r + 1) for r in ranks if r is not None) / len(ranks)
    return hit1, mrr


@pytest.mark.slow
def test_fusion_is_at_least_as_good_as_the_better_part(dev: Dev) -> None:
    """hit@1 and mrr@5 (in-scope dev questions) of the shipped fusion vs each signal alone."""
    fused = _metrics(dev, dev.service.retriever.weights)
    parts = {
        "lexical": _metrics(dev, Weights(dense=0.0, lexical=1.0, sparse=0.0, second=0.0)),
        "dense": _metrics(dev, Weights(dense=1.0, lexical=0.0, sparse=0.0, second=0.0)),
    }
    if dev.service.stored.arrays.second is not None:
        parts["second"] = _metrics(dev, Weights(dense=0.0, lexical=0.0, sparse=0.0, second=1.0))
    report = f"fused {fused}, {parts}"
    assert fused[0] >= max(m[0] for m in parts.values()), report
    assert fused[1] >= max(m[1] for m in parts.values()), report
    assert fused[0] >= 0.9, report


@pytest.mark.slow
def test_off_topic_dev_questions_are_refused_and_in_scope_ones_answered(dev: Dev) -> None:
    off = [i for i, c in enumerate(dev.cases) if not c.gold]
    assert len(off) >= 3
    assert [dev.cases[i].q for i in off if dev.answers[i].answered] == []
    assert all(dev.answers[i].answer == "" for i in off)
    assert [dev.cases[i].q for i in dev.in_scope() if not dev.answers[i].answered] == []


@pytest.mark.slow
def test_extractive_answer_is_a_sentence_of_the_top_paragraph_with_the_fact(
    real_service: SearchService,
) -> None:
    answer = real_service.ask("街道年终考核一共有多少项指标？")
    assert answer.answered
    top = answer.hits[0]
    assert top.paragraph == 8 and "31项" in top.text
    assert "31" in answer.answer
    assert answer.answer in top.text and len(answer.answer) < len(top.text)
    assert answer.answer.endswith(("。", "！", "？", "；"))


@pytest.mark.slow
def test_ask_batch_equals_asking_one_by_one(real_service: SearchService) -> None:
    service = real_service
    questions = [
        "问责的目的是什么？",
        "Why do townships feel power and responsibility do not match?",
        "推荐一部好看的电影",
    ]
    batch = service.ask_batch(questions)
    for question, together in zip(questions, batch, strict=True):
        alone = service.ask(question)
        assert (together.question, together.answered, together.answer) == (
            alone.question, alone.answered, alone.answer
        )
        assert [(h.doc, h.paragraph, h.text) for h in together.hits] == [
            (h.doc, h.paragraph, h.text) for h in alone.hits
        ]
        np.testing.assert_allclose([h.score for h in together.hits], [h.score for h in alone.hits], atol=1e-3)


def test_a_cross_lingual_query_is_fused_with_the_cross_lingual_weights(fake_service: SearchService) -> None:
    """The same signals ranked with the weights of its kind of question: monolingual ones
    with ``weights``, questions in the other language with ``cross_weights``."""
    r = fake_service.retriever
    lexical_only = Weights(dense=0.0, lexical=1.0, sparse=0.0, second=0.0)
    dense_only = Weights(dense=1.0, lexical=0.0, sparse=0.0, second=0.0)
    retriever = HybridRetriever(r.passages, r._faiss, r._lexical, None, None, dense_only, lexical_only)
    norm = normalize("街道年终考核一共有多少项指标？")
    vector = fake_service.encoder.encode_queries(["the hashing encoder's vector of something else"])[0]
    lexical_top = int(np.argmax(r._lexical.scores(norm)))
    dense_top = int(r._faiss.search(vector.reshape(1, -1).astype(np.float32), 1)[1][0][0])
    assert lexical_top != dense_top
    mono = retriever.rank(Query(norm, vector))
    cross = retriever.rank(Query(norm, vector, cross_lingual=True))
    assert mono.items[0].passage == dense_top
    assert cross.items[0].passage == lexical_top


def test_the_translation_of_a_cross_lingual_query_is_searched_by_the_first_model(
    fake_service: SearchService,
) -> None:
    """``Query.translated`` (the first model's vector of the question's translation) is a
    signal of its own, weighted by ``Weights.translated``, for cross-lingual questions only."""
    r = fake_service.retriever
    translated_only = Weights(dense=0.0, lexical=0.0, sparse=0.0, second=0.0, translated=1.0)
    retriever = HybridRetriever(
        r.passages, r._faiss, r._lexical, None, None, translated_only, translated_only
    )
    norm = normalize("How many assessment indicators?")
    english, chinese = fake_service.encoder.encode_queries(["something else entirely", "街道年终考核指标"])
    target = int(r._faiss.search(chinese.reshape(1, -1).astype(np.float32), 1)[1][0][0])
    cross = retriever.rank(Query(norm, english, cross_lingual=True, translated=chinese))
    assert cross.items[0].passage == target
    ignored = HybridRetriever(r.passages, r._faiss, r._lexical, None, None, translated_only,
                              Weights(dense=1.0, lexical=0.0, sparse=0.0, second=0.0))
    plain = ignored.rank(Query(norm, english, cross_lingual=True, translated=chinese))
    english_top = int(r._faiss.search(english.reshape(1, -1).astype(np.float32), 1)[1][0][0])
    assert plain.items[0].passage == english_top
