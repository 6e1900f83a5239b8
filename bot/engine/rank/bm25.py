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

import logging
from collections.abc import Iterator, Mapping, Sequence

import jieba
import numpy as np

from bot.engine.index.mapped import release
from bot.engine.index.terms import Postings, TermCounts
from bot.engine.text.tokenize import tokenize

jieba.setLogLevel(logging.WARNING)











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
        as w occurrences in the query), e.g. the translations of bot/engine/question/crosslingual.py."""
        weighted: dict[str, float] = {}
        for token in tokenize(norm_query):
            weighted[token] = weighted.get(token, 0.0) + 1.0
        for term, weight in (extra or {}).items():
            weighted[term] = weighted.get(term, 0.0) + weight
        return self.weighted_scores(weighted)

    def weighted_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        """Σ over ``terms`` of weight × the term's BM25 contribution, for every passage."""
        found = [(i, w) for i, w in ((self._ids.get(t), w) for t, w in terms.items())
                 if i is not None and self._df[i] and w]
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


__all__ = ["LexicalIndex", "index_texts"]
