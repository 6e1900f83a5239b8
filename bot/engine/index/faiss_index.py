"""FAISS indexes for the indexer: the type by corpus size, a fresh build, and an update that
reuses the previous index so a reload does not retrain (retrieve.py only searches).

Row i of the passages is FAISS id i. The index holds the vectors (Flat and IVFFlat keep them
uncompressed), so they are not stored a second time: ``vectors_of`` reads them back.

    Flat  up to FLAT_LIMIT passages: exact, no training; a rebuild is a copy of the vectors.
    IVF   above: nlist ≈ 4·√n lists, nprobe 16 (bench/RESULTS.md, "Scale"). An update keeps
          the trained lists (the model did not change, so neither did the space): it drops
          the rows of removed passages, renumbers the rest and adds the new ones. The lists
          are retrained only when the corpus grew or shrank past 2× of what they were
          trained for.
"""

from __future__ import annotations

import logging
import math

import faiss
import numpy as np

log = logging.getLogger(__name__)

FLAT_LIMIT = 50_000  # bench/scale.py: Flat 1.35 ms at 10k (memory-bound), ~14 ms at 100k
IVF_NPROBE = 16
RETRAIN_RATIO = 2.0


def choose_index_type(n: int) -> str:
    """Exact "Flat" while a scan stays under a few ms, then "IVF" (recall@10 ≥ 0.99 in the
    scale bench; trains in seconds, and a reload reuses the training)."""
    return "Flat" if n < FLAT_LIMIT else "IVF"


def build(vectors: np.ndarray, threads: int = 1) -> faiss.Index:
    """Inner-product index over unit vectors (cosine), its type chosen by corpus size."""
    faiss.omp_set_num_threads(threads)
    n, dim = vectors.shape
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    if choose_index_type(n) == "Flat":
        index: faiss.Index = faiss.IndexFlatIP(dim)
        if n:
            index.add(data)
        return index
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, _nlist(n), faiss.METRIC_INNER_PRODUCT)
    ivf.train(data)
    ivf.nprobe = IVF_NPROBE
    ivf.add(data)
    return ivf


def update(
    previous: faiss.Index, new_row: np.ndarray, fresh_rows: np.ndarray, fresh: np.ndarray, threads: int = 1
) -> faiss.Index:
    """The index of a new passage list, from ``previous`` (same model): old id i becomes
    ``new_row[i]`` (-1: removed) and ``fresh`` vectors take ids ``fresh_rows``."""
    kept = new_row >= 0
    n = int(kept.sum()) + len(fresh_rows)
    if isinstance(previous, faiss.IndexIVF) and choose_index_type(n) == "IVF" and _lists_fit(previous, n):
        return _update_ivf(previous, new_row, fresh_rows, fresh)
    vectors = np.empty((n, previous.d), dtype=np.float32)
    vectors[new_row[kept]] = vectors_of(previous)[kept]
    vectors[fresh_rows] = fresh
    return build(vectors, threads)


def vectors_of(index: faiss.Index) -> np.ndarray:
    """The indexed vectors by id (a copy: a view would outlive a freed index)."""
    n, dim = index.ntotal, index.d
    if isinstance(index, faiss.IndexFlat):
        return np.array(faiss.rev_swig_ptr(index.get_xb(), n * dim).reshape(n, dim))
    if isinstance(index, faiss.IndexIVF):
        out = np.empty((n, dim), dtype=np.float32)
        for ids, codes in _lists(index):
            out[ids] = codes.view(np.float32).reshape(len(ids), dim)
        return out
    return np.asarray(index.reconstruct_n(0, n), dtype=np.float32)


def _update_ivf(
    previous: faiss.IndexIVF, new_row: np.ndarray, fresh_rows: np.ndarray, fresh: np.ndarray
) -> faiss.Index:
    index = faiss.clone_index(previous)  # the previous index keeps serving meanwhile
    removed = np.flatnonzero(new_row < 0).astype(np.int64)
    if removed.size:
        index.remove_ids(faiss.IDSelectorBatch(removed))
    for ids, _ in _lists(index):
        ids[:] = new_row[ids]  # renumber in place (a view of the list's ids)
    if len(fresh_rows):
        index.add_with_ids(np.ascontiguousarray(fresh, dtype=np.float32), fresh_rows.astype(np.int64))
    return index


def _lists(index: faiss.Index) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ids, raw codes) of every non-empty inverted list, as writable views."""
    invlists = faiss.extract_index_ivf(index).invlists
    found: list[tuple[np.ndarray, np.ndarray]] = []
    if invlists is None:
        return found
    for number in range(invlists.nlist):
        size = invlists.list_size(number)
        if size:
            ids = faiss.rev_swig_ptr(invlists.get_ids(number), size)
            codes = faiss.rev_swig_ptr(invlists.get_codes(number), size * invlists.code_size)
            found.append((ids, codes))
    return found


def _nlist(n: int) -> int:
    return max(1, int(4 * math.sqrt(n)))


def _lists_fit(index: faiss.IndexIVF, n: int) -> bool:
    ratio = _nlist(n) / max(index.nlist, 1)
    fits = 1 / RETRAIN_RATIO <= ratio <= RETRAIN_RATIO
    if not fits:
        log.info("IVF trained for %d lists, %d passages want %d: retraining", index.nlist, n, _nlist(n))
    return fits
