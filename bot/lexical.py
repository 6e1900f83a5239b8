"""The lexical index: term counts per passage (built with the index, saved with it) and BM25.

Tokens are our own: bm25s' default tokenizer keeps a whole Chinese sentence as one token.
jieba words (search mode) for meaning; CJK character bigrams and unigrams for robustness to
segmentation and to the synonym-swapped wording of reposted articles (问题 → 难题 still
shares 题); ASCII words lower-cased. Measured on the dev and held-out sets
(bench/RESULTS.md), adding unigrams raised fused hit@1 from 0.935/0.736 to 0.968/0.774.
Question words and particles are dropped: in a small corpus they would get a high IDF and
pull up random paragraphs.

Memory and reloads (issue 9): a passage's tokens become integer ids against one vocabulary
while it is tokenized, and only its term counts are kept (``TermCounts``: a CSR matrix,
passages × vocabulary), never lists of token strings. A reload takes the rows of unchanged
passages as they are and tokenizes only new ones; the BM25 statistics (document
frequencies, average length) are recomputed from the counts in one vectorised step. Scores
are bm25s' "lucene" BM25 (k1 1.5, b 0.75), which this index replaced.
"""

from __future__ import annotations

import itertools
import logging
import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import jieba
import numpy as np
from scipy import sparse

from bot.mapped import STEP_BYTES, Scratch, release
from bot.text import CJK_RUN

jieba.setLogLevel(logging.WARNING)

K1, B = 1.5, 0.75
COUNT_MAX = 65_535  # counts are uint16 (a 400-character passage repeats no token that often)
POSTINGS_BLOCK = 1 << 20  # term counts per step of the postings build (bounded temporaries)
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 而 也 都 就 又 还 吗 呢 吧 啊 呀 么 嘛 着 过 把 被 给 对 从 向 于 以 之 其
    这 那 这些 那些 这个 那个 哪 哪个 哪些 哪里 什么 怎么 怎样 怎么样 如何 为什么 为何 多少 几 谁
    是否 有没有 是不是 能否 可以 能 会 要 应该 应当 该 请问 请 一下 一个 一些 有 没有 没 不 我 你 他
    她 它 我们 你们 他们 文章 本文 文中 提到 说 讲 关于 有关 方面 问题 哪儿 啥 咋
    the a an of to in on for and or is are was were be been do does did what which who whom
    why how when where that this these those it its with by as at from about article mention
    mentions say says said
    """.split()
)
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def tokenize(norm_text: str) -> list[str]:
    """Tokens of already-normalised text: jieba words, CJK bigrams, ASCII words."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(norm_text):
        words = [w for w in jieba.cut_for_search(run) if w not in STOPWORDS]
        tokens.extend(words)
        bigrams = (run[i : i + 2] for i in range(len(run) - 1))
        tokens.extend("#" + b for b in bigrams if not _has_stopword(b))
        tokens.extend("$" + c for c in run if c not in STOPWORDS)
    tokens.extend(w for w in _ASCII_WORD.findall(norm_text) if w not in STOPWORDS)
    return tokens


def _has_stopword(bigram: str) -> bool:
    return bigram in STOPWORDS or bigram[0] in STOPWORDS or bigram[1] in STOPWORDS


@dataclass(frozen=True)
class TermCounts:
    """How often each vocabulary term occurs in each passage: ``counts[i, t]`` (CSR: int32
    term ids sorted per row, uint16 counts). This is what the index stores; BM25 is derived
    from it. Loaded from disk, the arrays are memory-mapped: they are read by a reload only."""

    vocabulary: tuple[str, ...]
    counts: sparse.csr_matrix  # passages × len(vocabulary)

    @staticmethod
    def count(
        norm_texts: Sequence[str], vocabulary: Sequence[str] = (), ids: dict[str, int] | None = None
    ) -> TermCounts:
        """Tokenize ``norm_texts`` against ``vocabulary`` (new terms are appended to it);
        ``ids`` is the vocabulary's term → id map when the caller has one already."""
        ids = dict(ids) if ids is not None else {t: i for i, t in enumerate(vocabulary)}
        terms, counts, indptr = array("i"), array("H"), array("q", [0])
        for text in norm_texts:
            found = np.array([ids.setdefault(t, len(ids)) for t in tokenize(text)], dtype=np.int32)
            unique, times = np.unique(found, return_counts=True)
            terms.extend(unique.tolist())
            counts.extend(np.minimum(times, COUNT_MAX).tolist())
            indptr.append(len(terms))
        matrix = sparse.csr_matrix(
            (np.frombuffer(counts, dtype=np.uint16), np.frombuffer(terms, dtype=np.int32),
             np.frombuffer(indptr, dtype=np.int64)),
            shape=(len(norm_texts), len(ids)),
        )  # fmt: skip
        return TermCounts(tuple(ids), matrix)

    def term_ids(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.vocabulary)}

    @property
    def passages(self) -> int:
        return int(self.counts.shape[0])

    def lengths(self) -> np.ndarray:
        """Tokens per passage (repeats counted), as BM25's document length."""
        m = self.counts
        if not m.nnz:
            return np.zeros(m.shape[0], dtype=np.float64)
        starts = np.minimum(m.indptr[:-1], m.nnz - 1)
        sums = np.add.reduceat(m.data, starts, dtype=np.int64)
        return np.where(np.diff(m.indptr) > 0, sums, 0).astype(np.float64)

    def release(self) -> None:
        """Give back the resident pages of memory-mapped counts after a pass over them."""
        for array_ in (self.counts.data, self.counts.indices, self.counts.indptr):
            release(array_)


def merge_counts(
    parts: Sequence[tuple[TermCounts, np.ndarray, np.ndarray]], rows: int, scratch: Scratch | None = None
) -> TermCounts:
    """One TermCounts of ``rows`` passages from parts whose vocabularies extend one another:
    part (counts, source, target) gives its row ``source[i]`` to row ``target[i]``. Rows are
    copied run by run (a run: consecutive in both), so no part is copied whole first. With
    ``scratch`` the counts are written through files there, their pages (and those read
    from memory-mapped parts) given back every STEP_BYTES: none of it stays resident."""
    vocabulary = max((p.vocabulary for p, _, _ in parts), key=len, default=())
    lengths = np.zeros(rows, dtype=np.int64)
    for part, source, target in parts:
        lengths[target] = np.diff(part.counts.indptr)[source]
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    size = int(indptr[-1])
    ids = scratch.array("terms.ids", (size,), np.int32) if scratch else np.empty(size, dtype=np.int32)
    counts = scratch.array("terms.counts", (size,), np.uint16) if scratch else np.empty(size, dtype=np.uint16)
    pending = 0
    for part, source, target in parts:
        m = part.counts
        breaks = np.flatnonzero((np.diff(source) != 1) | (np.diff(target) != 1)) + 1
        for start, end in zip(np.r_[0, breaks], np.r_[breaks, len(source)], strict=True):
            if end <= start:
                continue
            a, b = int(m.indptr[source[start]]), int(m.indptr[source[end - 1] + 1])
            at = int(indptr[target[start]]) - a
            for lo in range(a, b, STEP_BYTES // 4):  # bounded steps
                hi = min(lo + STEP_BYTES // 4, b)
                ids[at + lo : at + hi] = m.indices[lo:hi]
                counts[at + lo : at + hi] = m.data[lo:hi]
                pending += hi - lo
                if scratch is not None and pending * 6 >= STEP_BYTES:
                    pending = 0
                    for array_ in (ids, counts, m.indices, m.data):
                        release(array_)
    for array_ in (ids, counts):
        release(array_)
    matrix = sparse.csr_matrix((counts, ids, indptr), shape=(rows, len(vocabulary)))
    return TermCounts(vocabulary, matrix)


class DocumentFrequency(Mapping[str, int]):
    """Passages each known term occurs in (0 for any other string, as a Counter would)."""

    def __init__(self, ids: dict[str, int], df: np.ndarray) -> None:
        self._ids, self._df = ids, df

    def __getitem__(self, term: str) -> int:
        i = self._ids.get(term)
        return 0 if i is None else int(self._df[i])

    def __contains__(self, term: object) -> bool:
        i = self._ids.get(term) if isinstance(term, str) else None
        return i is not None and bool(self._df[i])

    def __iter__(self) -> Iterator[str]:
        return (t for t, i in self._ids.items() if self._df[i])

    def __len__(self) -> int:
        return int(np.count_nonzero(self._df))


@dataclass(frozen=True)
class Postings:
    """BM25 by term, ready to sum: term t occurs in passages ``rows[indptr[t]:indptr[t+1]]``
    with weights ``weights[...]`` (idf × saturated term frequency). Saved with the index and
    memory-mapped when loaded, so a start-up computes nothing and only the postings of
    asked terms become resident."""

    indptr: np.ndarray  # int64, vocabulary + 1
    rows: np.ndarray  # int32
    weights: np.ndarray  # float32

    @staticmethod
    def build(terms: TermCounts) -> Postings:
        """Postings of ``terms``, filled a block of passages at a time: each block's counts
        are turned by term (rows ascending, as one whole transposition would give them) and
        placed after the previous blocks' postings of the same terms. Only the result is
        whole in memory: a whole transposition first held a second copy of every count."""
        m, n = terms.counts, terms.passages
        lengths = terms.lengths()
        df = np.zeros(m.shape[1], dtype=np.int64)
        blocks = _blocks(np.asarray(m.indptr), POSTINGS_BLOCK)
        for a, b in blocks:
            df += np.bincount(m.indices[m.indptr[a] : m.indptr[b]], minlength=m.shape[1])
            terms.release()
        indptr = np.zeros(len(df) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        average = float(lengths.mean()) if n else 1.0
        norm = (K1 * ((1 - B) + B * lengths / max(average, 1e-9))).astype(np.float32)
        idf = np.log(1.0 + (max(n, 1) - df + 0.5) / (df + 0.5)).astype(np.float32)
        rows = np.empty(int(indptr[-1]), dtype=np.int32)
        weights = np.empty(int(indptr[-1]), dtype=np.float32)
        filled = indptr[:-1].copy()  # where each term's next posting goes
        for a, b in blocks:
            block = m[a:b].tocsc()  # this block's postings by term, rows ascending
            sizes = np.diff(block.indptr)
            term = np.repeat(np.arange(len(sizes)), sizes)
            at = filled[term] + np.arange(block.nnz) - block.indptr[term]
            tf = block.data.astype(np.float32)
            rows[at] = block.indices + a
            weights[at] = idf[term] * (tf / (norm[block.indices + a] + tf))
            filled += sizes
            terms.release()  # memory-mapped counts: read once, need not stay resident
        return Postings(indptr, rows, weights)


def _blocks(indptr: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Consecutive row ranges of a CSR matrix holding about ``size`` entries each."""
    cuts = np.unique(np.searchsorted(indptr, np.arange(0, int(indptr[-1]), size), side="right") - 1)
    edges = [int(c) for c in cuts if 0 < c < len(indptr) - 1]
    return list(itertools.pairwise([0, *edges, len(indptr) - 1]))


class LexicalIndex:
    """BM25 over passages; scores every passage for a query (the corpus is per-bot sized)."""

    def __init__(self, terms: TermCounts, postings: Postings | None = None) -> None:
        postings = postings if postings is not None else Postings.build(terms)
        self.size = terms.passages
        self._terms = terms
        self._ids = terms.term_ids()
        self._indptr, self._rows, self._weights = postings.indptr, postings.rows, postings.weights
        self._df = np.diff(self._indptr)
        self.df = DocumentFrequency(self._ids, self._df)

    def scores(self, norm_query: str, extra: Mapping[str, float] | None = None) -> np.ndarray:
        """BM25 score of every passage (0 where nothing matches); a repeated query term
        counts again, as in bm25s. ``extra`` adds weighted terms (a term of weight w counts
        as w occurrences in the query), e.g. the translations of bot/crosslingual.py."""
        weighted: dict[str, float] = {}
        for token in tokenize(norm_query):
            weighted[token] = weighted.get(token, 0.0) + 1.0
        for term, weight in (extra or {}).items():
            weighted[term] = weighted.get(term, 0.0) + weight
        return self.weighted_scores(weighted)

    def weighted_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        """Σ over ``terms`` of weight × the term's BM25 contribution, for every passage."""
        found = [(i, w) for i, w in ((self._ids.get(t), w) for t, w in terms.items())
                 if i is not None and self._df[i] and w]  # fmt: skip
        if not found:
            return np.zeros(self.size, dtype=np.float32)
        spans = [(slice(self._indptr[i], self._indptr[i + 1]), np.float32(w)) for i, w in found]
        rows = np.concatenate([self._rows[s] for s, _ in spans])
        weights = np.concatenate([self._weights[s] * w for s, w in spans])
        return np.bincount(rows, weights=weights, minlength=self.size).astype(np.float32)

    def terms_of(self, passage: int) -> set[str]:
        """The distinct tokens of one passage (its row of the term counts)."""
        counts = self._terms.counts
        start, end = int(counts.indptr[passage]), int(counts.indptr[passage + 1])
        vocabulary = self._terms.vocabulary
        found = {vocabulary[i] for i in counts.indices[start:end]}
        release(counts.indices)  # one row read from a memory map: keep no folio resident
        return found

    def coverage(self, norm_query: str) -> float:
        """Share of the query's content tokens that occur anywhere in the corpus (0..1)."""
        tokens = tokenize(norm_query)
        if not tokens:
            return 0.0
        return sum(self.df[t] > 0 for t in tokens) / len(tokens)


def index_texts(norm_texts: Sequence[str]) -> LexicalIndex:
    """A LexicalIndex straight from texts (tests, benches)."""
    return LexicalIndex(TermCounts.count(norm_texts))


__all__ = ["STOPWORDS", "LexicalIndex", "Postings", "TermCounts", "index_texts", "merge_counts", "tokenize"]
