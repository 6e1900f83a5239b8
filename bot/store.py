"""The index on disk: a folder of named files, written atomically, checked when read.

    manifest.json        format, model, dimension, metric, per-document file hashes, build time
    passages.jsonl       one passage per line, row i ↔ FAISS id i (a passage that is a whole
                         paragraph names it instead of repeating its text)
    paragraphs.jsonl     every paragraph (noise included) for context around a citation
    index.faiss          the FAISS index (inner product over unit vectors; it holds the vectors)
    <name>.npy / .npz    the named arrays of ``IndexArrays`` (dense / sparse), e.g. sparse.npz
    terms.vocabulary.json, terms.{indptr,ids,counts}.npy
                         the lexical index: each passage's term ids and counts (bot/lexical.py),
                         memory-mapped when loaded (a reload reads them, serving does not)

``index_dir`` is a symlink to a versioned sibling folder; a save writes a new version and
swaps the link with one rename, so a reader never sees a half-written index. An index of an
older format is not read: the caller rebuilds it (the message says so).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from scipy import sparse
from scipy.sparse import csr_matrix

from bot.ingest import Paragraph, Passage
from bot.lexical import TermCounts

FORMAT_VERSION = 2  # 2: lexical term counts saved, vectors only in index.faiss, file hashes
MANIFEST = "manifest.json"
PER_PASSAGE = {"rows": "passage"}  # field metadata: one row per passage (checked on load)
TERMS = "terms"


class StoreError(RuntimeError):
    """The index on disk is missing, damaged or built differently; the message says which."""


@dataclass(frozen=True)
class IndexArrays:
    """Named arrays saved beside the FAISS index; None = not computed for this index.

    Adding a field is all it takes to save and load another array: ``save`` writes every
    field that is set as <name>.npy (a numpy array) or <name>.npz (a scipy sparse matrix).
    """

    sparse: csr_matrix | None = field(default=None, metadata=PER_PASSAGE)  # e5 SAE terms
    second: np.ndarray | None = field(default=None, metadata=PER_PASSAGE)  # second model
    background: np.ndarray | None = None  # the null model's background sentences (dense)
    background_sparse: csr_matrix | None = None
    background_second: np.ndarray | None = None
    sentences: np.ndarray | None = None  # one per sentence of the servable paragraphs (bot/sentences.py)

    def named(self) -> dict[str, Any]:
        """The arrays that are set, by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def per_passage(self) -> dict[str, Any]:
        return {n: a for n, a in self.named().items() if _field(n).metadata.get("rows") == "passage"}


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and how (``fingerprint``: ingest settings, null model;
    ``documents``: a hash of each document file's bytes)."""

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
    normalization: int = 1  # ingest.NORMALIZATION the paragraphs' matching forms were made with


@dataclass(frozen=True)
class StoredIndex:
    """Everything an index holds, in memory."""

    manifest: Manifest
    passages: list[Passage]
    paragraphs: list[Paragraph]
    faiss_index: Any
    arrays: IndexArrays
    terms: TermCounts


def save(index_dir: Path, stored: StoredIndex) -> None:
    """Write a complete new version next to ``index_dir`` and point ``index_dir`` at it."""
    parent = index_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    version = parent / f"{index_dir.name}.v{time.time_ns()}"
    tmp = parent / f".{version.name}.tmp"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "passages.jsonl", _passage_rows(stored.passages, stored.paragraphs))
        _write_jsonl(tmp / "paragraphs.jsonl", [asdict(p) for p in stored.paragraphs])
        for name, array in stored.arrays.named().items():
            if sparse.issparse(array):
                sparse.save_npz(tmp / f"{name}.npz", sparse.csr_matrix(array), compressed=False)
            else:
                data = np.ascontiguousarray(array, dtype=np.float32)
                np.save(tmp / f"{name}.npy", data, allow_pickle=False)
        _save_terms(tmp, stored.terms)
        faiss.write_index(stored.faiss_index, str(tmp / "index.faiss"))
        manifest = asdict(stored.manifest) | {"arrays": sorted(stored.arrays.named())}
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
        data = json.loads(path.read_text(encoding="utf-8"))
        version = data.get("format") if isinstance(data, dict) else None
        if version != FORMAT_VERSION:
            raise StoreError(
                f"index at {index_dir} has format {version}, this qabot reads format {FORMAT_VERSION}; "
                "it will be rebuilt (or run `qabot index`)"
            )
        return Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise StoreError(f"index manifest {path} is damaged ({exc}); it will be rebuilt") from exc


def load(index_dir: Path) -> StoredIndex:
    """Read and cross-check every file; any inconsistency raises StoreError."""
    manifest = read_manifest(index_dir)
    try:
        paragraphs = [_paragraph(row) for row in _read_jsonl(index_dir / "paragraphs.jsonl")]
        by_key = {(p.doc, p.number): p for p in paragraphs}
        passages = [_passage(row, by_key) for row in _read_jsonl(index_dir / "passages.jsonl")]
        found = {n: _read_array(index_dir, n) for n in manifest.arrays}
        arrays = IndexArrays(**found)
        terms = load_terms(index_dir)
        faiss_index = faiss.read_index(str(index_dir / "index.faiss"))
    except Exception as exc:  # json/numpy/faiss/zipfile raise many types; all mean "damaged"
        raise StoreError(f"index at {index_dir} is damaged ({exc!r}); it will be rebuilt") from exc
    sizes = [len(passages), faiss_index.ntotal, terms.passages]
    sizes += [a.shape[0] for a in arrays.per_passage().values()]
    if (
        any(r != manifest.passages for r in sizes)
        or faiss_index.d != manifest.dim
        or (arrays.background is not None and not len(arrays.background))
    ):
        raise StoreError(f"index at {index_dir} is inconsistent (sizes differ); it will be rebuilt")
    return StoredIndex(manifest, passages, paragraphs, faiss_index, arrays, terms)


def _field(name: str) -> Any:
    return next(f for f in fields(IndexArrays) if f.name == name)


def _read_array(folder: Path, name: str) -> Any:
    _field(name)  # an unknown name is a damaged (or newer) manifest: StopIteration → damaged
    if (folder / f"{name}.npz").is_file():
        return sparse.csr_matrix(sparse.load_npz(folder / f"{name}.npz"))
    return np.load(folder / f"{name}.npy", allow_pickle=False)


def _save_terms(folder: Path, terms: TermCounts) -> None:
    counts = terms.counts
    (folder / f"{TERMS}.vocabulary.json").write_text(json.dumps(terms.vocabulary, ensure_ascii=False))
    for part, array, dtype in (("indptr", counts.indptr, np.int64), ("ids", counts.indices, np.int32),
                               ("counts", counts.data, np.uint16)):  # fmt: skip
        np.save(folder / f"{TERMS}.{part}.npy", np.asarray(array, dtype=dtype), allow_pickle=False)


def load_terms(folder: Path) -> TermCounts:
    """The lexical term counts of the index in ``folder``, memory-mapped."""
    vocabulary = tuple(json.loads((folder / f"{TERMS}.vocabulary.json").read_text(encoding="utf-8")))
    indptr, ids, counts = (np.load(folder / f"{TERMS}.{p}.npy", mmap_mode="r", allow_pickle=False)
                           for p in ("indptr", "ids", "counts"))  # fmt: skip
    fits = ids.dtype == np.int32 and counts.dtype == np.uint16 and len(ids) == len(counts)
    if not fits or not len(indptr) or indptr[-1] != len(ids):
        raise ValueError(f"term count arrays in {folder} do not fit together")
    shape = (len(indptr) - 1, len(vocabulary))
    return TermCounts(vocabulary, sparse.csr_matrix((counts, ids, np.asarray(indptr)), shape=shape))


def _passage_rows(passages: list[Passage], paragraphs: list[Paragraph]) -> Iterator[dict[str, Any]]:
    hashes = {(p.doc, p.number): p.hash for p in paragraphs}
    for p in passages:
        whole = p.part == 0 and hashes.get((p.doc, p.paragraph)) == p.hash
        yield {"doc": p.doc, "paragraph": p.paragraph, "part": 0, "hash": p.hash} if whole else asdict(p)


def _paragraph(row: dict[str, Any]) -> Paragraph:
    """A paragraph whose normalised text equals its display text holds one string."""
    if row["norm"] == row["text"]:
        row["norm"] = row["text"]
    return Paragraph(**row)


def _passage(row: dict[str, Any], paragraphs: dict[tuple[str, int], Paragraph]) -> Passage:
    if "text" in row:
        return Passage(**row)
    p = paragraphs[(row["doc"], row["paragraph"])]  # a whole paragraph: its strings
    if p.hash != row["hash"]:
        raise ValueError(f"passage of ¶{p.number} in {p.doc} does not match its paragraph")
    return Passage(p.doc, p.number, 0, p.text, p.norm, p.hash)


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


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
