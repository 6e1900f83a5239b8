"""Hybrid retrieval: dense (FAISS), lexical (BM25), learned sparse and a second model, fused.

Each signal becomes a z-score over this query's candidate passages and the z-scores are
mixed with fixed weights (chosen on the dev set, checked on a held-out set; see
bench/RESULTS.md). Z-scores put BM25's unbounded scores and the compressed cosines of
e5-style models on one scale. A question with no lexical overlap (English about a Chinese
text) has all-zero BM25, which contributes nothing, so the embedding signals rank it; the
second model (multilingual USE by default) is the strongest of those across languages.
A signal that is absent (no sparse head, no second model) simply contributes nothing; so do
the embedding signals of a passage whose vectors are not computed yet (``pending``, a staged
build: bot/engine/index/stages.py): they take the mean of the other candidates'
(``fill_absent``; the answer sentences' too).
The FAISS index is built by the indexer (bot/engine/index/faiss_index.py); this module only searches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import faiss
import numpy as np
from scipy import sparse

from bot.engine.documents.ingest import Passage
from bot.engine.rank.bm25 import LexicalIndex

CANDIDATES = 100


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in the fused score."""

    dense: float = 0.3
    lexical: float = 0.7
    sparse: float = 0.2
    second: float = 0.3
    translated: float = 0.0  # the first model on the question's translation (cross-lingual)


SHIPPED = Weights()
# A question in the other language than the documents (English about a Chinese text): its
# lexical signal is a dictionary translation (bot/engine/question/crosslingual.py, with the
# legal terms of question/legal_terms.tsv), and the first model also embeds that translation
# (``Query.translated``): e5-small compares Chinese with Chinese far better than English with
# Chinese; it and the English question's own e5 vector and sparse row count half. Paragraph hit@1
# on the 8 English questions of ../shared/realdocs 3 → 8, on the 77 English questions of the
# article's sets 56 → 59 (bench/FINDINGS.md 1b; equal weights before).
CROSS_LINGUAL = Weights(dense=0.5, lexical=1.0, sparse=0.5, second=1.0, translated=0.5)


@dataclass(frozen=True)
class Query:
    """A question in every form the signals need."""

    norm: str
    vector: np.ndarray
    sparse: sparse.csr_matrix | None = None
    second: np.ndarray | None = None
    terms: Mapping[str, float] = field(default_factory=dict)  # weighted extra lexical terms
    cross_lingual: bool = False  # asked in the other language than the documents
    translated: np.ndarray | None = None  # the first model's vector of its translation


@dataclass(frozen=True)
class Ranked:
    """One paragraph in a ranking, with the signals that put it there."""

    passage: int  # row of the best-scoring passage of this paragraph
    fused: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Ranking:
    """Paragraph-level ranking for one question, best first."""

    items: tuple[Ranked, ...]
    dense_top: float
    sparse_top: float | None
    second_top: float | None = None


class HybridRetriever:
    """Scores passages for a query; holds no state but the indexes it was given."""

    def __init__(
        self,
        passages: list[Passage],
        faiss_index: faiss.Index,
        lexical: LexicalIndex,
        sparse_matrix: sparse.csr_matrix | None = None,
        second_vectors: np.ndarray | None = None,
        weights: Weights = SHIPPED,
        cross_weights: Weights = CROSS_LINGUAL,
        pending: np.ndarray | None = None,
    ) -> None:
        self.passages = passages
        self._faiss = faiss_index
        self._lexical = lexical
        self._sparse = sparse_matrix
        self._second = second_vectors
        self.weights = weights
        self.cross_weights = cross_weights
        self.pending = pending

    def rank(self, query: Query) -> Ranking:
        """Candidate paragraphs (union of each signal's top list), best first."""
        n = len(self.passages)
        k = min(CANDIDATES, n)
        w = self.cross_weights if query.cross_lingual else self.weights
        sims, rows = self._faiss.search(query.vector.reshape(1, -1).astype(np.float32), k)
        valid = rows[0] >= 0
        if self.pending is not None:  # a zero vector's cosine is no evidence (fill_absent)
            valid &= ~self.pending[np.maximum(rows[0], 0)]
        dense = np.full(n, float(sims[0][valid].min()) if valid.any() else 0.0, np.float32)
        dense[rows[0][valid]] = sims[0][valid]
        lexical = self._lexical.scores(query.norm, query.terms)
        candidates = np.union1d(rows[0][valid], np.argsort(-lexical)[:k])
        second = None
        if self._second is not None and query.second is not None and w.second:
            second = self._second @ query.second
            candidates = np.union1d(candidates, np.argsort(-second)[:k])
        translated = None
        if query.translated is not None and w.translated:
            translated, rows_t = self._dense(query.translated, k)
            candidates = np.union1d(candidates, rows_t)
        absent = None if self.pending is None else self.pending[candidates]
        d, lx = fill_absent(dense[candidates], absent), lexical[candidates]
        fused = w.dense * _z(d) + w.lexical * _z(lx)
        if translated is not None:
            fused = fused + w.translated * _z(fill_absent(translated[candidates], absent))
        if second is not None:
            fused = fused + w.second * _z(fill_absent(second[candidates], absent))
        sparse_top = None
        if self._sparse is not None and query.sparse is not None:
            sp = np.asarray((self._sparse[candidates] @ query.sparse.T).todense()).ravel()
            sp = fill_absent(sp, absent)
            fused = fused + w.sparse * _z(sp)
            sparse_top = float(sp.max()) if len(sp) else 0.0
        best: dict[tuple[str, int], Ranked] = {}
        for i, row in enumerate(candidates):
            p = self.passages[row]
            key = (p.doc, p.paragraph)
            if key not in best or fused[i] > best[key].fused:
                best[key] = Ranked(int(row), float(fused[i]), float(d[i]), float(lx[i]))
        items = tuple(sorted(best.values(), key=lambda r: -r.fused))
        second_top = None if second is None or not len(second) else float(second.max())
        return Ranking(items, float(d.max()) if len(d) else 0.0, sparse_top, second_top)

    def _dense(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS similarities of every passage to ``vector`` (the lowest found for those not
        among its ``k`` nearest) and the rows of those nearest."""
        sims, rows = self._faiss.search(vector.reshape(1, -1).astype(np.float32), k)
        valid = rows[0] >= 0
        scores = np.full(len(self.passages), float(sims[0][valid].min()) if valid.any() else 0.0, np.float32)
        scores[rows[0][valid]] = sims[0][valid]
        return scores, rows[0][valid]


def fill_absent(values: np.ndarray, absent: np.ndarray | None) -> np.ndarray:
    """``values`` with those of ``absent`` candidates (not embedded yet: a staged build's zero
    rows) at the others' mean, so that their z-score is 0: the signal says nothing of them."""
    if absent is None or not absent.any():
        return values
    known = values[~absent]
    return np.where(absent, float(known.mean()) if len(known) else 0.0, values).astype(values.dtype)


def _z(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values)
    result: np.ndarray = (values - values.mean()) / std
    return result
