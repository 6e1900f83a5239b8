"""Staged builds: a changed library is searchable by its words at once, by its vectors soon after.

BM25, the outline and the fields need no model, so a build may leave the vectors of new
passages for later (``budget``: how many of them to embed now; 0 = none, the lexical
version; None = all, the full version). A passage left out gets zero rows in every
per-passage vector array (dense, learned-sparse, second model) and is marked in
``IndexArrays.pending``; the sentences of its paragraph get zero rows too, and the words of
the vocabulary zero vectors until the build that leaves nothing pending. A zero dense vector
ranks nowhere in FAISS; BM25 finds the passage all the same.

The next build treats what is pending as not reusable and embeds it (the rest is reused by
content hash as always), so a crash between stages loses nothing: the index on disk says
what is left (``Manifest.pending``) and the next start finishes it. A zero row is never a
computed one (the models' vectors are unit vectors), which is how the sentence and word
vectors left for later are told apart without an array of their own.

``Deferring`` wraps a model for one build: it embeds only the texts of the passages chosen
for this stage (and their paragraphs' sentences), zeros for the rest, so the build itself
runs unchanged (bot/engine/index/build.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.engine.documents.ingest import Paragraph, Passage
from bot.engine.text.sentences import sentence_texts
from embeddings.encoder import Encoder

CHUNK = 500  # passages embedded per background stage (a stage of ~30-60 s on two cores)
LEXICAL = 0  # the budget of the first stage: no vectors at all


@dataclass(frozen=True)
class Plan:
    """What one build embeds: the texts of the chosen passages and of their paragraphs'
    sentences (None: everything), and whether the vocabulary's words are embedded."""

    texts: frozenset[str] | None = None
    words: bool = True

    @property
    def whole(self) -> bool:
        return self.texts is None


WHOLE = Plan()


def plan(
    budget: int | None, passages: Sequence[Passage], todo: np.ndarray, paragraphs: Sequence[Paragraph],
) -> tuple[Plan, np.ndarray]:
    """The plan for embedding at most ``budget`` of the passages ``todo`` (rows needing
    vectors, in order), and the rows left pending."""
    if budget is None or budget >= len(todo):
        return WHOLE, np.zeros(0, dtype=np.int64)
    chosen = todo[:budget]
    by_key = {(p.doc, p.number): p for p in paragraphs}
    texts = {passages[i].text for i in chosen.tolist()}
    for i in chosen.tolist():
        found = by_key.get((passages[i].doc, passages[i].paragraph))
        if found is not None:
            texts.update(sentence_texts(found.text))
    left = np.array([i for i in todo[budget:].tolist() if passages[i].text not in texts], dtype=np.int64)
    return Plan(frozenset(texts), words=False), left


def pending_arrays(count: int, left: Collection[int]) -> dict[str, np.ndarray]:
    """The ``pending`` array of an index of ``count`` passages, by name (none: nothing pending)."""
    if not len(left):
        return {}
    mask = np.zeros(count, dtype=bool)
    mask[np.asarray(list(left), dtype=np.int64)] = True
    return {"pending": mask}


def reusable(reuse: np.ndarray, pending: np.ndarray | None) -> np.ndarray:
    """``reuse`` (previous row per passage, -1: none) without the previous rows still pending."""
    if pending is None or not len(reuse):
        return reuse
    old = np.asarray(pending, dtype=bool)
    stale = (reuse >= 0) & old[np.maximum(reuse, 0)]
    return np.where(stale, -1, reuse)


def zero_rows(vectors: object, pending: int) -> np.ndarray | None:
    """Rows of ``vectors`` (an array or a RowFile) that are all zero, i.e. left for later;
    read only when the index has something pending (``pending``: Manifest.pending)."""
    if vectors is None or not pending:
        return None
    found = np.asarray(vectors)
    return np.flatnonzero(~found.any(axis=1)) if len(found) else np.zeros(0, dtype=np.int64)


class Deferring:
    """``inner`` for one build under ``plan``: the texts of the plan embedded, zeros for the rest."""

    def __init__(self, inner: Encoder, chosen: Plan) -> None:
        self.inner = inner
        self.chosen = chosen
        self._width: int | None = None

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _take(self, texts: Sequence[str]) -> list[int]:
        allowed = self.chosen.texts
        if allowed is None:
            return list(range(len(texts)))
        return [i for i, t in enumerate(texts) if t in allowed]

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        take = self._take(texts)
        if take:
            out[take] = self.inner.encode_passages([texts[i] for i in take])
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:  # the vocabulary's words
        if self.chosen.words:
            return self.inner.encode_queries(texts)
        return np.zeros((len(texts), self.dim), dtype=np.float32)

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        take = self._take(texts)
        if self._width is None:
            probe = self.inner.encode_sparse(["probe"])
            if probe is None:
                return None
            self._width = probe.shape[1]
        rows = sparse.lil_matrix((len(texts), self._width), dtype=np.float32)
        if take:
            found = self.inner.encode_sparse([texts[i] for i in take])
            if found is None:
                return None
            rows[take] = found
        return sparse.csr_matrix(rows, dtype=np.float32)

    def encode_queries_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self.inner.encode_queries_and_sparse(texts)

    def encode_passages_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        """One pass of ``inner`` over the texts of the plan; zero dense and empty sparse rows
        for the rest."""
        take = self._take(texts)
        dense = np.zeros((len(texts), self.dim), dtype=np.float32)
        found = None
        if take:
            found_dense, found = self.inner.encode_passages_and_sparse([texts[i] for i in take])
            dense[take] = found_dense
        if found is not None:
            self._width = found.shape[1]
        elif self._width is None and self.sparse_kind:  # once per build: the rows' width
            probe = self.inner.encode_passages_and_sparse(["probe"])[1]
            self._width = None if probe is None else probe.shape[1]
        if self._width is None:
            return dense, None
        rows = sparse.lil_matrix((len(texts), self._width), dtype=np.float32)
        if take and found is not None:
            rows[take] = found
        return dense, sparse.csr_matrix(rows, dtype=np.float32)

    @property
    def sparse_kind(self) -> str:
        return self.inner.sparse_kind


def deferring(model: Encoder, chosen: Plan) -> Encoder:
    """``model`` as one build under ``chosen`` uses it (itself when everything is embedded)."""
    return model if chosen.whole else Deferring(model, chosen)
