"""Build an index: documents → passages → vectors and term counts → FAISS → StoredIndex.

What a previous index already holds is reused, so a reload costs about what changed:
- documents whose file bytes did not change keep their paragraphs (ingest.load_documents)
  and their passages (here);
- passages whose text did not change keep their vectors, learned-sparse rows, second-model
  rows and term counts: matched to the previous rows by content hash with one sort and
  taken with one fancy index per array;
- the FAISS index is updated, not rebuilt (bot/engine/index/faiss_index.py: no IVF retraining).
Vectors are reused only from an index of the same model; term counts always.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from scipy import sparse
from tqdm import tqdm

from bot.engine.documents.ingest import READING, Document, Paragraph, Passage, to_passages
from bot.engine.index import faiss_index, stages
from bot.engine.index.answer_vectors import sentence_arrays, word_vectors
from bot.engine.index.background import BACKGROUND_FILE, load_background
from bot.engine.index.mapped import Scratch
from bot.engine.index.store import FORMAT_VERSION, IndexArrays, Manifest, StoredIndex
from bot.engine.index.terms import Postings, TermCounts, merge_counts
from bot.engine.text.normalize import NORMALIZATION
from bot.engine.text.script import documents_are_cjk
from config.settings import Settings
from embeddings.encoder import Encoder

log = logging.getLogger(__name__)
TOKENIZE_CHUNK = 2_000  # passages per tokenizer progress step


def fingerprint(settings: Settings, cjk: bool) -> str:
    """Hash of everything besides documents and model that shapes the index (``cjk``: the
    documents' script, which picks the background)."""
    parts = f"{settings.ingest.max_chars}/{settings.ingest.overlap_chars}/{cjk}/{NORMALIZATION}/{READING}/"
    parts += BACKGROUND_FILE.read_text(encoding="utf-8")
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


def known_documents(stored: StoredIndex) -> dict[str, Document]:
    """The documents ``stored`` was built from, with their file hashes (for load_documents)."""
    hashes = stored.manifest.documents
    if stored.manifest.normalization != NORMALIZATION or stored.manifest.reading != READING:
        return {}  # their paragraphs' matching forms, or the readers, are outdated: parse them again
    return {
        name: Document(name, hashes[name], tuple(group), fields=stored.fields.get(name, {}))
        for name, group in itertools.groupby(stored.paragraphs, key=lambda p: p.doc)
        if name in hashes
    }


def is_fresh(
    stored: StoredIndex,
    settings: Settings,
    encoder: Encoder,
    documents: Sequence[Document],
    second: Encoder | None = None,
) -> bool:
    """True when ``stored`` was built from these documents, this model and these settings."""
    m = stored.manifest
    reasons = []
    if m.model != encoder.model_id or m.dim != encoder.dim:
        reasons.append(f"it was built with model {m.model!r} ({m.dim}d), now {encoder.model_id!r}")
    if m.sparse_kind() != encoder.sparse_kind:
        reasons.append(f"its learned-sparse rows are {m.sparse_kind()!r}, now {encoder.sparse_kind!r}")
    if m.second_model != _model_id(second):
        reasons.append(f"it was built with second model {m.second_model!r}, now {_model_id(second)!r}")
    if m.documents != {d.name: d.file_hash for d in documents}:
        reasons.append("the documents changed")
    elif m.fingerprint != fingerprint(settings, _cjk(_paragraphs(documents))):
        reasons.append("the ingest settings or the background changed")
    if m.normalization != NORMALIZATION or m.reading != READING:
        reasons.append("the text normalisation or the document readers changed")
    if stored.arrays.sentences is None or stored.arrays.sentence_counts is None:
        reasons.append("it has no sentence vectors")
    if second is not None and stored.arrays.vocabulary is None:
        reasons.append("it has no vocabulary vectors")
    if reasons:
        log.info("index at %s is stale: %s; rebuilding", settings.index_dir, "; ".join(reasons))
    return not reasons


def build_index(
    settings: Settings,
    encoder: Encoder,
    documents: Sequence[Document],
    previous: StoredIndex | None = None,
    progress: bool = False,
    second: Encoder | None = None,
    scratch: Scratch | None = None,
    budget: int | None = None,
) -> tuple[StoredIndex, int]:
    """The index over ``documents`` and how many passages need vectors anew; the biggest
    arrays are written through files in ``scratch`` when one is given. ``budget``: embed at
    most that many of them now, the rest later (pending: bot/engine/index/stages.py)."""
    paragraphs = _paragraphs(documents)
    cjk = _cjk(paragraphs)  # the documents' script, kept in the manifest
    shape = fingerprint(settings, cjk)
    passages = _passages(settings, documents, previous, shape)
    old = previous.arrays if previous is not None else IndexArrays()
    has_sparse = bool(encoder.sparse_kind)
    same_model = previous is not None and (previous.manifest.model, previous.manifest.dim) == (
        encoder.model_id, encoder.dim) and previous.manifest.sparse_kind() == encoder.sparse_kind
    source = _previous_rows(passages, previous)  # previous row of the same text, else -1
    reuse = stages.reusable(source if same_model else np.full(len(passages), -1), old.pending)
    todo = np.flatnonzero(reuse < 0)
    batch = max(1, settings.embedding.batch_size)
    chosen, left = stages.plan(budget, passages, todo, paragraphs)
    fresh, fresh_sparse = _embed(
        stages.deferring(encoder, chosen), [passages[i].text for i in todo], batch, has_sparse, progress)
    index = _faiss(settings, previous if same_model else None, reuse, todo, fresh)
    del fresh  # the FAISS index holds its own copy (memory peak of a 100k build)
    arrays: dict[str, Any] = {}
    if fresh_sparse is not None:
        arrays["sparse"] = _assemble(reuse, old.sparse, todo, fresh_sparse)
    arrays.update(_background(encoder, previous if same_model else None, shape, cjk))
    if second is not None:
        same_second = previous is not None and previous.manifest.second_model == second.model_id
        second_reuse = source if same_second and old.second is not None else np.full(len(passages), -1)
        second_todo = np.flatnonzero(stages.reusable(second_reuse, old.pending) < 0)
        later = stages.deferring(second, chosen)
        vectors = _encode(later.encode_passages, [passages[i].text for i in second_todo], batch, second.dim)
        arrays["second"] = _assemble(second_reuse, old.second, second_todo, vectors)
        arrays["background_second"] = second.encode_passages(load_background(cjk))
    terms = _terms(passages, previous, source, progress, scratch)
    postings = Postings.build(terms)
    sentence_model = stages.deferring(second or encoder, chosen)
    same_sentences = previous is not None and (previous.manifest.second_model or previous.manifest.model) == (
        sentence_model.model_id)
    stale = None if previous is None else stages.zero_rows(old.sentences, previous.manifest.pending)
    arrays["sentences"], arrays["sentence_counts"], arrays["sentence_hashes"] = sentence_arrays(
        sentence_model, paragraphs, previous, same_sentences, batch, scratch, stale
    )
    if second is not None:  # near-synonyms by the cross-lingual model the check is calibrated on
        same_second = previous is not None and previous.manifest.second_model == second.model_id
        arrays["vocabulary"] = word_vectors(
            stages.deferring(second, chosen), terms, postings, previous, same_second)
    arrays.update(stages.pending_arrays(len(passages), left))
    manifest = Manifest(
        format=FORMAT_VERSION, model=encoder.model_id, second_model=_model_id(second),
        dim=encoder.dim, normalized=True, metric="inner_product",
        index_type=faiss_index.choose_index_type(len(passages)),
        documents={d.name: d.file_hash for d in documents}, fingerprint=shape, cjk=cjk,
        unreadable={d.name: {"reason": d.problem.reason, **d.problem.values} for d in documents if d.problem},
        passages=len(passages), built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        arrays=sorted(arrays), normalization=NORMALIZATION, reading=READING, pending=len(left),
        sparse_rows=encoder.sparse_kind,
    )
    fields = {d.name: dict(d.fields) for d in documents if d.fields}
    stored = StoredIndex(
        manifest, passages, paragraphs, index, IndexArrays(**arrays), terms, postings, fields)
    return stored, len(todo)


def _paragraphs(documents: Sequence[Document]) -> list[Paragraph]:
    return [p for d in documents for p in d.paragraphs]


def _passages(
    settings: Settings, documents: Sequence[Document], previous: StoredIndex | None, shape: str
) -> list[Passage]:
    """Passages of every document; an unchanged document keeps its previous passages."""
    kept: dict[str, list[Passage]] = {}
    if previous is not None and previous.manifest.fingerprint == shape:
        hashes = previous.manifest.documents
        same = {d.name for d in documents if hashes.get(d.name) == d.file_hash}
        groups = itertools.groupby(previous.passages, key=lambda p: p.doc)
        kept = {name: list(group) for name, group in groups if name in same}
    ingest = settings.ingest
    out: list[Passage] = []
    for d in documents:
        found = kept.get(d.name)
        out.extend(found or to_passages(list(d.paragraphs), ingest.max_chars, ingest.overlap_chars))
    return out


def _previous_rows(passages: Sequence[Passage], previous: StoredIndex | None) -> np.ndarray:
    """For each passage, the row of a previous passage with the same text (-1: none), by one
    sort of the previous hashes and one binary search per batch (vectorised). The hash is of
    the matching form: the texts are compared too (models embed the text itself)."""
    if previous is None or not previous.passages or not passages:
        return np.full(len(passages), -1, dtype=np.int64)
    before = previous.passages
    old = np.array([p.hash for p in before])
    new = np.array([p.hash for p in passages])
    order = np.argsort(old, kind="stable")
    at = np.minimum(np.searchsorted(old[order], new), len(old) - 1)
    found = np.where(old[order][at] == new, order[at], -1)
    same = [j >= 0 and before[j].text == p.text for j, p in zip(found.tolist(), passages, strict=True)]
    return np.where(same, found, -1).astype(np.int64)


def _embed(
    encoder: Encoder, texts: list[str], batch: int, has_sparse: bool, progress: bool
) -> tuple[np.ndarray, sparse.csr_matrix | None]:
    """Dense vectors and (when the model has a sparse head) learned-sparse rows of ``texts``,
    both from one model pass per passage where the model allows it (``sparse_kind``)."""
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    rows: list[sparse.csr_matrix] = []
    with tqdm(total=len(texts), desc="embedding", unit="passage", disable=not progress) as bar:
        for start in range(0, len(texts), batch):
            chunk = texts[start : start + batch]
            if has_sparse:
                dense, found = encoder.encode_passages_and_sparse(chunk)
                if found is not None:
                    rows.append(found)
            else:
                dense = encoder.encode_passages(chunk)
            vectors[start : start + len(chunk)] = dense
            bar.update(len(chunk))
    if not has_sparse:
        return vectors, None
    if not rows:
        rows = [encoder.encode_passages_and_sparse(["probe"])[1][:0]]  # type: ignore[index]  # no rows, the right width
    return vectors, sparse.csr_matrix(sparse.vstack(rows), dtype=np.float32)


def _encode(fn: Callable[[list[str]], np.ndarray], texts: list[str], batch: int, dim: int) -> np.ndarray:
    parts = [fn(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, dim), dtype=np.float32)


def _assemble(reuse: np.ndarray, old: Any, todo: np.ndarray, fresh: Any) -> Any:
    """Rows ``reuse[i]`` of ``old`` where it is ≥ 0, else the next row of ``fresh`` (in
    ``todo`` order): one fancy-index take per source, for dense arrays and CSR alike."""
    kept = np.flatnonzero(reuse >= 0)
    if sparse.issparse(fresh):
        parts = [fresh] if old is None or not len(kept) else [old[reuse[kept]], fresh]
        stacked = sparse.csr_matrix(sparse.vstack(parts), dtype=np.float32)
        order = np.empty(len(reuse), dtype=np.int64)
        order[np.concatenate([kept, todo]) if len(parts) == 2 else todo] = np.arange(len(reuse))
        return sparse.csr_matrix(stacked[order])
    out = np.empty((len(reuse), fresh.shape[1]), dtype=np.float32)
    if len(kept):
        out[kept] = old[reuse[kept]]
    out[todo] = fresh
    return out


def _faiss(
    settings: Settings, previous: StoredIndex | None, reuse: np.ndarray, todo: np.ndarray, fresh: np.ndarray
) -> Any:
    threads = settings.retrieval.faiss_threads
    if previous is None:  # nothing reused: ``fresh`` holds every row, in order
        return faiss_index.build(fresh, threads)
    # an old row moves to one new row; a second passage with the same text is added afresh
    new_row = np.full(len(previous.passages), -1, dtype=np.int64)
    kept = np.flatnonzero(reuse >= 0)
    first, at = np.unique(reuse[kept], return_index=True)
    new_row[first] = kept[at]
    copies = np.setdiff1d(kept, kept[at])
    rows = np.concatenate([todo, copies]).astype(np.int64)
    vectors = fresh
    if len(copies):
        vectors = np.concatenate([fresh, faiss_index.vectors_of(previous.faiss_index)[reuse[copies]]])
    return faiss_index.update(previous.faiss_index, new_row, rows, vectors, threads)


def _terms(
    passages: Sequence[Passage], previous: StoredIndex | None, source: np.ndarray, progress: bool,
    scratch: Scratch | None = None,
) -> TermCounts:
    """Term counts: previous rows for unchanged texts, the tokenizer for the rest (written
    through files in ``scratch`` when one is given)."""
    kept, todo = np.flatnonzero(source >= 0), np.flatnonzero(source < 0)
    parts: list[tuple[TermCounts, np.ndarray, np.ndarray]] = []
    vocabulary: tuple[str, ...] = ()
    ids = None
    if previous is not None:
        vocabulary = previous.terms.vocabulary
        if len(kept):
            parts.append((previous.terms, source[kept], kept))
    with tqdm(total=len(todo), desc="tokenizing", unit="passage", disable=not progress) as bar:
        for start in range(0, len(todo), TOKENIZE_CHUNK):
            rows = todo[start : start + TOKENIZE_CHUNK]
            counted = TermCounts.count([passages[i].norm for i in rows], vocabulary, ids)
            vocabulary, ids = counted.vocabulary, counted.term_ids()
            parts.append((counted, np.arange(len(rows)), rows))
            bar.update(len(rows))
    merged = merge_counts(parts, len(passages), scratch)
    if previous is not None:
        previous.terms.release()  # the previous counts were read once; let their pages go
    return merged


def _model_id(encoder: Encoder | None) -> str:
    return "" if encoder is None else encoder.model_id


def _cjk(paragraphs: Sequence[Paragraph]) -> bool:
    return documents_are_cjk([p.text for p in paragraphs])


def _background(encoder: Encoder, previous: StoredIndex | None, shape: str, cjk: bool) -> dict[str, Any]:
    """The null model's vectors, reused when the background file did not change."""
    old = None if previous is None or previous.manifest.fingerprint != shape else previous.arrays
    if old is not None and old.background is not None:
        return {"background": old.background} | ({} if old.background_sparse is None else {
            "background_sparse": old.background_sparse})
    sentences = load_background(cjk)  # rows of the passages' kind: the null model compares them
    dense, found = _embed(encoder, sentences, len(sentences) or 1, bool(encoder.sparse_kind), False)
    return {"background": dense} | ({} if found is None else {"background_sparse": found})


__all__ = ["Passage", "build_index", "fingerprint", "is_fresh", "known_documents"]
