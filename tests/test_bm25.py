"""Lexical index: Chinese tokenization (jieba words + bigrams), term counts as integer arrays,
BM25 ranking equal to bm25s', coverage, and counts merged from parts equal to one count."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import bm25s
import numpy as np
import pytest
from scipy import sparse

import bot.engine.index.terms
from bot.engine.index.mapped import Scratch, filename
from bot.engine.index.terms import Postings, TermCounts, merge_counts
from bot.engine.rank.bm25 import LexicalIndex, index_texts
from bot.engine.text.normalize import normalize
from bot.engine.text.tokenize import STOPWORDS, tokenize

CORPUS = [
    "上级对乡镇街道的年终考核中,共有考核指标31项,大多与属地责任有关。",
    "问责本身并不是目的,而是一种手段,目的是让党员干部自觉担当。",
    "社区居委会往往成为相关职能部门的“腿”,不堪重负。",
    "基层干部普遍反映,权力和责任不对等,压力很大。",
]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return index_texts([normalize(text) for text in CORPUS])


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
    lexical = index_texts([normalize(d) for d in docs])
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


QUESTIONS = ["年终考核有多少项指标？", "问责的目的是什么？", "居委会不堪重负", "基层干部 权力 责任 压力",
             "考核考核指标"]


def _row(terms: TermCounts, row: int) -> dict[str, int]:
    counts = terms.counts[row]
    return {terms.vocabulary[t]: int(c) for t, c in zip(counts.indices, counts.data, strict=True)}


def test_scores_equal_bm25s_lucene() -> None:
    texts = [normalize(t) for t in CORPUS * 3 + ["基层干部要去北京接上访户。", "考核考核再考核,指标31项。"]]
    ours = index_texts(texts)
    reference = bm25s.BM25()  # the library this index replaced: lucene, k1 1.5, b 0.75
    counted = TermCounts.count(texts)
    ids = counted.term_ids()
    reference.index(
        bm25s.tokenization.Tokenized(ids=[[ids[t] for t in tokenize(x)] for x in texts], vocab=ids),
        show_progress=False,
    )
    for question in QUESTIONS:
        wanted = [ids[t] for t in tokenize(normalize(question)) if t in ids]
        expected = reference.get_scores(wanted) if wanted else np.zeros(len(texts))
        np.testing.assert_allclose(ours.scores(normalize(question)), expected, rtol=1e-5, atol=1e-6)


def test_term_counts_are_integer_arrays_against_one_vocabulary() -> None:
    texts = [normalize(t) for t in CORPUS]
    terms = TermCounts.count(texts)
    counts = terms.counts
    assert counts.shape == (len(texts), len(terms.vocabulary))
    assert counts.indices.dtype == np.int32 and counts.data.dtype == np.uint16
    for row, text in enumerate(texts):  # row i holds text i's tokens, by id, with their counts
        tokens = tokenize(text)
        assert _row(terms, row) == {t: tokens.count(t) for t in set(tokens)}
    assert len(set(terms.vocabulary)) == len(terms.vocabulary)


def test_no_token_strings_are_kept_per_passage() -> None:
    texts = [normalize(f"第{i}段:基层干部普遍反映,权力和责任不对等,考核指标{i}项。") for i in range(2_000)]
    tokenize(texts[0])  # jieba's dictionary loads outside the measurement
    gc.collect()
    tracemalloc.start()
    index = index_texts(texts)
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tokens = sum(len(tokenize(t)) for t in texts)
    # string lists cost ~80 bytes per token; counts + BM25 postings cost < 20
    assert kept < 20 * tokens, (kept, tokens)
    assert index.size == len(texts)


def test_counts_merged_from_parts_equal_one_count() -> None:
    texts = [normalize(t) for t in [*CORPUS, "新的段落,讲乡镇街道的执法权。"]]
    whole = TermCounts.count(texts)
    first = TermCounts.count(texts[:3])
    rest = TermCounts.count(texts[3:], first.vocabulary)
    parts = [(first, np.arange(3), np.array([0, 2, 4])), (rest, np.arange(2), np.array([1, 3]))]
    merged = merge_counts(parts, len(texts))
    order = [0, 3, 1, 4, 2]  # where merge put each text
    assert rest.vocabulary[: len(first.vocabulary)] == first.vocabulary
    for row, text_index in enumerate(order):
        assert _row(merged, row) == _row(whole, text_index)
    question = normalize("执法权")
    reordered = index_texts([texts[i] for i in order]).scores(question)
    np.testing.assert_allclose(LexicalIndex(merged).scores(question), reordered, rtol=1e-6)


def test_document_frequency_reads_like_a_counter(index: LexicalIndex) -> None:
    assert index.df["考核"] == 1 and index.df["问责"] == 1
    assert index.df["不存在的词"] == 0
    assert "考核" in index.df and len(index.df) == sum(1 for _ in index.df)
    assert "不存在的词" not in index.df and 3 not in index.df  # as a Counter: only what occurs
    assert index.df.get("不存在的词", 0) == 0


def test_weighted_terms_count_as_that_many_occurrences_in_the_query(index: LexicalIndex) -> None:
    once = index.scores(normalize("考核"))
    assert np.allclose(index.scores(normalize("考核 考核")), 2 * once)  # repeated, as bm25s counts
    assert np.allclose(index.weighted_scores({"考核": 2.0}), index.scores("", {"考核": 2.0}))
    assert np.allclose(index.weighted_scores({"考核": 0.5}), 0.5 * index.weighted_scores({"考核": 1.0}))
    both = index.scores(normalize("考核"), {"问责": 0.5})
    assert np.allclose(both, once + 0.5 * index.weighted_scores({"问责": 1.0}))
    assert not index.weighted_scores({"不存在的词": 3.0, "考核": 0.0}).any()  # unknown or weightless


def test_merge_copies_rows_in_any_order_and_repeats() -> None:
    texts = [normalize(t) for t in CORPUS]
    whole = TermCounts.count(texts)
    source = np.array([3, 2, 2, 0, 1])  # shuffled, one row twice
    merged = merge_counts([(whole, source, np.arange(5))], 5)
    for row, src in enumerate(source):
        assert _row(merged, row) == _row(whole, int(src))


def test_postings_built_block_by_block_equal_one_transposition(monkeypatch: pytest.MonkeyPatch) -> None:
    terms = TermCounts.count([normalize(t) for t in CORPUS * 3])
    whole = Postings.build(terms)  # the default block holds every count here
    monkeypatch.setattr(bot.engine.index.terms, "POSTINGS_BLOCK", 7)  # blocks of a passage or two
    built = Postings.build(terms)
    by_term = sparse.csc_matrix(terms.counts)
    by_term.sort_indices()
    np.testing.assert_array_equal(built.indptr, by_term.indptr)
    np.testing.assert_array_equal(built.rows, by_term.indices)  # passages ascending per term
    for a, b in ((built.rows, whole.rows), (built.weights, whole.weights), (built.indptr, whole.indptr)):
        np.testing.assert_array_equal(a, b)
    assert len(bot.engine.index.terms._blocks(terms.counts.indptr, 7)) > len(CORPUS)


def test_counts_merged_through_scratch_files_are_backed_by_them(tmp_path: Path) -> None:
    texts = [normalize(t) for t in CORPUS]
    whole = TermCounts.count(texts)
    source = np.array([3, 2, 2, 0, 1])
    in_memory = merge_counts([(whole, source, np.arange(5))], 5)
    with Scratch(tmp_path / "index") as scratch:
        merged = merge_counts([(whole, source, np.arange(5))], 5, scratch)
        for array in (merged.counts.indices, merged.counts.data):
            found = filename(array)
            assert found is not None and found.parent == scratch.folder
        assert filename(merged.counts.indices[1:]) is None  # a part of a file is not the file
        for row in range(5):
            assert _row(merged, row) == _row(in_memory, row)

