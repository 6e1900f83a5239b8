"""The index on disk: a folder of named files, written atomically, checked when read.

    manifest.json     model, dimension, normalisation, metric, per-document hashes, build time
    passages.jsonl    one passage per line, row i ↔ vector i
    paragraphs.jsonl  every paragraph (noise included) for context around a citation
    vectors.npy       float32 (n, dim), L2-normalised
    index.faiss       the FAISS index over those vectors (inner product)
    <name>.npy        further dense arrays (e.g. background.npy, the refusal null model)
    <name>.npz        sparse matrices (e.g. sparse.npz, learned sparse vectors of passages)

``index_dir`` is a symlink to a versioned sibling folder; a save writes a new version and
swaps the link with one rename, so a reader never sees a half-written index.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from scipy import sparse

from bot.ingest import Paragraph, Passage

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PER_PASSAGE = frozenset({"sparse", "second"})  # arrays with one row per passage


class StoreError(RuntimeError):
    """The index on disk is missing, damaged or built differently; the message says which."""


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and how (``fingerprint``: ingest settings, null model)."""

    format: int
    model: str
    second_model: str
    dim: int
    normalized: bool
    metric: str
    index_type: str
    documents: dict[str, str]
    fingerprint: str
    passages: int
    built_at: str
    arrays: list[str]
    matrices: list[str]


@dataclass(frozen=True)
class StoredIndex:
    """Everything loaded back from disk."""

    manifest: Manifest
    passages: list[Passage]
    paragraphs: list[Paragraph]
    vectors: np.ndarray
    faiss_index: Any
    arrays: dict[str, np.ndarray]
    matrices: dict[str, sparse.csr_matrix]


def save(index_dir: Path, stored: StoredIndex) -> None:
    """Write a complete new version next to ``index_dir`` and point ``index_dir`` at it."""
    parent = index_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    version = parent / f"{index_dir.name}.v{time.time_ns()}"
    tmp = parent / f".{version.name}.tmp"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "passages.jsonl", [asdict(p) for p in stored.passages])
        _write_jsonl(tmp / "paragraphs.jsonl", [asdict(p) for p in stored.paragraphs])
        for name, array in {"vectors": stored.vectors, **stored.arrays}.items():
            data = np.ascontiguousarray(array, dtype=np.float32)
            np.save(tmp / f"{name}.npy", data, allow_pickle=False)
        for name, matrix in stored.matrices.items():
            sparse.save_npz(tmp / f"{name}.npz", matrix, compressed=False)
        faiss.write_index(stored.faiss_index, str(tmp / "index.faiss"))
        manifest = asdict(stored.manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        for child in tmp.iterdir():
            _fsync(child)
        tmp.rename(version)
        _swap_link(index_dir, version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_versions(index_dir, keep=version)


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest alone (cheap freshness check)."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise StoreError(f"no index at {index_dir}; run `qabot index` to build it")
    try:
        manifest = Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise StoreError(f"index manifest {path} is damaged ({exc}); it will be rebuilt") from exc
    if manifest.format != FORMAT_VERSION:
        raise StoreError(
            f"index at {index_dir} has format {manifest.format}, expected {FORMAT_VERSION}; "
            "it will be rebuilt"
        )
    return manifest


def load(index_dir: Path) -> StoredIndex:
    """Read and cross-check every file; any inconsistency raises StoreError."""
    manifest = read_manifest(index_dir)
    try:
        passages = [Passage(**row) for row in _read_jsonl(index_dir / "passages.jsonl")]
        paragraphs = [Paragraph(**row) for row in _read_jsonl(index_dir / "paragraphs.jsonl")]
        vectors = np.load(index_dir / "vectors.npy", allow_pickle=False)
        arrays = {n: np.load(index_dir / f"{n}.npy", allow_pickle=False) for n in manifest.arrays}
        matrices = {n: sparse.csr_matrix(sparse.load_npz(index_dir / f"{n}.npz"))
                    for n in manifest.matrices}
        faiss_index = faiss.read_index(str(index_dir / "index.faiss"))
    except Exception as exc:  # numpy/faiss/zipfile raise many types; all mean "damaged"
        raise StoreError(f"index at {index_dir} is damaged ({exc!r}); it will be rebuilt") from exc
    expected = (manifest.passages, manifest.dim)
    if (
        len(passages) != manifest.passages
        or vectors.shape != expected
        or vectors.dtype != np.float32
        or faiss_index.ntotal != manifest.passages
        or faiss_index.d != manifest.dim
    ):
        raise StoreError(f"index at {index_dir} is inconsistent (sizes differ); it will be rebuilt")
    per_passage = [m.shape[0] for n, m in (*matrices.items(), *arrays.items()) if n in PER_PASSAGE]
    empty = [n for n, a in arrays.items() if n.startswith("background") and not len(a)]
    if any(rows != manifest.passages for rows in per_passage) or empty:
        raise StoreError(f"index at {index_dir} is inconsistent (array rows); it will be rebuilt")
    return StoredIndex(manifest, passages, paragraphs, vectors, faiss_index, arrays, matrices)


def _swap_link(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():  # a plain folder from elsewhere: move it aside
        link.rename(link.parent / f"{link.name}.v0-moved")
    tmp_link = link.parent / f".{link.name}.link-{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(target.name)
    tmp_link.replace(link)
    _fsync(link.parent)


def _remove_old_versions(link: Path, keep: Path) -> None:
    for old in link.parent.glob(f"{link.name}.v*"):
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
