"""Staged builds (bot/engine/index/stages.py): the lexical version embeds nothing and marks every
new passage pending; the lexical index is complete; a chunk embeds part of what is pending;
the next full build embeds the rest, to the same vectors as a build in one go; an index
without the ``pending`` array (built whole, or before staged builds) has nothing pending.
Real default models, real FAISS on disk."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.engine.documents.ingest import load_documents
from bot.engine.index.build import build_index, known_documents
from bot.engine.index.faiss_index import vectors_of
from bot.engine.index.stages import LEXICAL
from bot.engine.index.store import load, save
from bot.engine.lifecycle import document_limits
from bot.engine.service import SearchService
from config.settings import Settings


def _close(a: object, b: object) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=2e-3)


def test_a_lexical_build_is_finished_by_the_next_builds_to_the_same_vectors(
    tmp_path: Path, real_settings: Settings, real_service: SearchService
) -> None:
    whole = real_service.stored
    assert whole.arrays.pending is None and whole.manifest.pending == 0  # built in one go
    settings = replace(real_settings, index_dir=tmp_path / "index")
    documents = load_documents(settings.docs_dir, document_limits(settings), known_documents(whole))
    encoder, second = real_service.encoder, real_service.second

    lexical, needed = build_index(settings, encoder, documents, None, second=second, budget=LEXICAL)
    n = len(lexical.passages)
    assert needed == n and lexical.manifest.pending == n
    assert lexical.arrays.pending is not None and lexical.arrays.pending.all()
    assert not vectors_of(lexical.faiss_index).any()
    assert lexical.arrays.sparse is not None and lexical.arrays.sparse.nnz == 0
    for name in ("second", "sentences", "vocabulary"):
        assert not np.asarray(getattr(lexical.arrays, name)).any(), name
    assert lexical.arrays.background is not None and lexical.arrays.background.any()  # the null model's
    np.testing.assert_array_equal(lexical.postings.indptr, whole.postings.indptr)  # BM25 complete
    assert lexical.terms.vocabulary == whole.terms.vocabulary

    save(settings.index_dir, lexical)
    loaded = load(settings.index_dir)
    assert loaded.manifest.pending == n
    pending = loaded.arrays.pending
    assert pending is not None and pending.dtype == bool and pending.all()

    part, _ = build_index(settings, encoder, documents, loaded, second=second, budget=3)
    left = part.arrays.pending
    assert left is not None and 0 < part.manifest.pending == int(left.sum()) <= n - 3
    made = np.flatnonzero(~left)
    assert np.asarray(vectors_of(part.faiss_index))[made].any(axis=1).all()
    assert not vectors_of(part.faiss_index)[left].any()
    assert not np.asarray(part.arrays.vocabulary).any()  # the words wait for the last stage

    full, needed = build_index(settings, encoder, documents, part, second=second)
    assert full.manifest.pending == 0 and full.arrays.pending is None and needed == part.manifest.pending
    _close(vectors_of(full.faiss_index), vectors_of(whole.faiss_index))
    assert full.arrays.sparse is not None and whole.arrays.sparse is not None
    _close(full.arrays.sparse.toarray(), whole.arrays.sparse.toarray())
    for name in ("second", "sentences", "vocabulary"):
        _close(getattr(full.arrays, name), getattr(whole.arrays, name))
    np.testing.assert_array_equal(full.arrays.sentence_hashes, whole.arrays.sentence_hashes)
