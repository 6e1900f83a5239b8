"""Term counts per passage and BM25 postings: what the index stores for lexical search.

A passage's tokens become integer ids against one vocabulary while it is tokenized, and only
its term counts are kept (``TermCounts``: a CSR matrix, passages × vocabulary), never lists of
token strings. A reload takes the rows of unchanged passages as they are and tokenizes only
new ones (``merge_counts``); the postings (``Postings.build``: idf × saturated term frequency
per term, bm25s' "lucene" BM25) are rebuilt from the counts in bounded blocks, saved with the
index and memory-mapped when loaded. Scoring a question against them: bot/engine/rank/bm25.py.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.engine.index.mapped import STEP_BYTES, Scratch, release
from bot.engine.text.tokenize import tokenize

K1, B = 1.5, 0.75

COUNT_MAX = 65_535  # counts are uint16 (a 400-character passage repeats no token that often)


POSTINGS_BLOCK = 1 << 20  # term counts per step of the postings build (bounded temporaries)


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
        )
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
