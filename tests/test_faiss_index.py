"""FAISS indexes: exact Flat for small corpora, IVF above FLAT_LIMIT, and updates that renumber,
drop and add rows without retraining (what a reload does)."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from bot.engine.index import faiss_index
from bot.engine.index.faiss_index import FLAT_LIMIT, build, choose_index_type, update, vectors_of
from embeddings.encoder import HashingEncoder


def _unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_flat_index_is_exact_inner_product_on_unit_vectors() -> None:
    vectors = HashingEncoder(64).encode_passages(["考核指标", "问责目的", "社区居委会", "执法权"])
    index = build(vectors, threads=1)
    assert choose_index_type(4) == "Flat" and isinstance(index, faiss.IndexFlatIP)
    sims, rows = index.search(vectors[2:3], 4)
    assert rows[0][0] == 2 and sims[0][0] == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(sims[0], np.sort(vectors @ vectors[2])[::-1], atol=1e-5)
    np.testing.assert_array_equal(vectors_of(index), vectors)


def test_type_follows_the_corpus_size() -> None:
    assert choose_index_type(FLAT_LIMIT - 1) == "Flat"
    assert choose_index_type(FLAT_LIMIT) == "IVF"


def _search_all(index: faiss.Index, queries: np.ndarray) -> np.ndarray:
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = index.nlist  # every list: exact, comparable with brute force
    return index.search(queries, 5)[1]


@pytest.fixture(scope="module")
def ivf_setup(request: pytest.FixtureRequest) -> tuple[np.ndarray, faiss.Index]:
    vectors = _unit(1_200)
    original = faiss_index.FLAT_LIMIT
    faiss_index.FLAT_LIMIT = 1_000  # an IVF index without 50k rows (restored below)
    request.addfinalizer(lambda: setattr(faiss_index, "FLAT_LIMIT", original))
    return vectors, build(vectors)


def test_large_corpora_get_ivf_and_its_vectors_read_back(ivf_setup: tuple[np.ndarray, faiss.Index]) -> None:
    vectors, index = ivf_setup
    assert isinstance(index, faiss.IndexIVFFlat) and index.nprobe == faiss_index.IVF_NPROBE
    np.testing.assert_array_equal(vectors_of(index), vectors)


def test_update_renumbers_drops_and_adds_without_retraining(
    ivf_setup: tuple[np.ndarray, faiss.Index],
) -> None:
    vectors, index = ivf_setup
    centroids = vectors_of(faiss.downcast_index(index.quantizer)).copy()
    # the new passage list: rows 0-99 removed, the rest shifted down, 80 new rows in the middle
    kept = vectors[100:]
    fresh = _unit(80, seed=1)
    new = np.concatenate([kept[:500], fresh, kept[500:]])
    new_row = np.full(len(vectors), -1, dtype=np.int64)
    new_row[100:600] = np.arange(500)
    new_row[600:] = np.arange(580, 580 + len(vectors) - 600)
    updated = update(index, new_row, np.arange(500, 580), fresh)
    assert updated is not index and index.ntotal == len(vectors)  # the old one is untouched
    assert updated.ntotal == len(new)
    np.testing.assert_array_equal(vectors_of(faiss.downcast_index(updated.quantizer)), centroids)
    np.testing.assert_array_equal(vectors_of(updated), new)
    queries = _unit(20, seed=2)
    exact = faiss.IndexFlatIP(new.shape[1])  # brute force over the same rows
    exact.add(new)
    np.testing.assert_array_equal(_search_all(updated, queries), exact.search(queries, 5)[1])


def test_update_of_a_flat_index_builds_the_new_rows() -> None:
    vectors = _unit(50)
    new_row = np.where(np.arange(50) % 2 == 0, np.arange(50) // 2, -1)
    fresh = _unit(3, seed=5)
    updated = update(build(vectors), new_row, np.arange(25, 28), fresh)
    np.testing.assert_array_equal(vectors_of(updated), np.concatenate([vectors[::2], fresh]))
