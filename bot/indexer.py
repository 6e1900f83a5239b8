"""Build an index: passages → vectors (reusing unchanged ones) → FAISS → StoredIndex."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

import numpy as np
from scipy import sparse
from tqdm import tqdm

from bot.concepts import VOCABULARY_ARRAY, vocabulary, vocabulary_vectors
from bot.ingest import Paragraph, Passage, to_passages
from bot.lexical import tokenize
from bot.nullmodel import BACKGROUND_FILE, documents_are_cjk, load_background
from bot.retrieve import choose_index_type, make_faiss_index
from bot.sentences import SENTENCE_ARRAY, paragraph_sentences
from bot.store import FORMAT_VERSION, Manifest, StoredIndex
from config.settings import Settings
from embeddings.encoder import Encoder

log = logging.getLogger(__name__)


def fingerprint(settings: Settings, paragraphs: list[Paragraph]) -> str:
    """Hash of everything besides documents and model that shapes the index."""
    parts = f"{settings.ingest.max_chars}/{settings.ingest.overlap_chars}/{_cjk(paragraphs)}/"
    parts += BACKGROUND_FILE.read_text(encoding="utf-8")
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


def document_hashes(paragraphs: list[Paragraph]) -> dict[str, str]:
    """Per-document hash over its paragraphs' hashes."""
    docs: dict[str, hashlib._Hash] = {}
    for p in paragraphs:
        docs.setdefault(p.doc, hashlib.sha256()).update(f"{p.number}:{p.hash};".encode())
    return {name: h.hexdigest()[:16] for name, h in docs.items()}


def is_fresh(
    stored: StoredIndex,
    settings: Settings,
    encoder: Encoder,
    paragraphs: list[Paragraph],
    second: Encoder | None = None,
) -> bool:
    """True when ``stored`` was built from these documents, this model and these settings."""
    m = stored.manifest
    reasons = []
    if m.model != encoder.model_id or m.dim != encoder.dim:
        reasons.append(f"it was built with model {m.model!r} ({m.dim}d), now {encoder.model_id!r}")
    if m.second_model != _model_id(second):
        reasons.append(f"it was built with second model {m.second_model!r}, now {_model_id(second)!r}")
    if m.documents != document_hashes(paragraphs):
        reasons.append("the documents changed")
    if m.fingerprint != fingerprint(settings, paragraphs):
        reasons.append("the ingest settings or the background changed")
    if SENTENCE_ARRAY not in stored.arrays:
        reasons.append("it has no sentence vectors")
    if second is not None and VOCABULARY_ARRAY not in stored.arrays:
        reasons.append("it has no vocabulary vectors")
    if reasons:
        log.info("index at %s is stale: %s; rebuilding", settings.index_dir, "; ".join(reasons))
    return not reasons


def build_index(
    settings: Settings,
    encoder: Encoder,
    paragraphs: list[Paragraph],
    previous: StoredIndex | None = None,
    progress: bool = False,
    second: Encoder | None = None,
) -> tuple[StoredIndex, int]:
    """The index over ``paragraphs`` and how many passages had to be embedded anew."""
    passages = to_passages(paragraphs, settings.ingest.max_chars, settings.ingest.overlap_chars)
    same_model = previous is not None and previous.manifest.model == encoder.model_id
    old = _reusable(previous) if same_model else {}
    todo = [i for i, p in enumerate(passages) if p.hash not in old]
    vectors = np.zeros((len(passages), encoder.dim), dtype=np.float32)
    sparse_rows: list[sparse.csr_matrix | None] = [None] * len(passages)
    for i, p in enumerate(passages):
        if p.hash in old:
            vectors[i], sparse_rows[i] = old[p.hash]
    batch = max(1, settings.embedding.batch_size)
    bar = tqdm(total=len(todo), desc="embedding", unit="passage", disable=not progress)
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        texts = [passages[i].text for i in rows]
        vectors[rows] = encoder.encode_passages(texts)
        fresh = encoder.encode_sparse(texts)
        for j, i in enumerate(rows):
            sparse_rows[i] = None if fresh is None else fresh[j]
        bar.update(len(rows))
    bar.close()
    arrays, matrices = _background(encoder, previous if same_model else None, settings, paragraphs)
    if passages and all(row is not None for row in sparse_rows):
        matrices["sparse"] = sparse.csr_matrix(sparse.vstack(sparse_rows), dtype=np.float32)
    if second is not None:
        arrays["second"] = _second_vectors(second, passages, previous, batch)
        arrays["background_second"] = second.encode_passages(load_background(_cjk(paragraphs)))
    arrays[SENTENCE_ARRAY] = _sentence_vectors(second or encoder, paragraphs, previous, batch)
    if second is not None:  # near-synonyms by the cross-lingual model the check is calibrated on
        arrays[VOCABULARY_ARRAY] = _vocabulary_vectors(second, passages, previous)
    manifest = Manifest(
        format=FORMAT_VERSION, model=encoder.model_id, second_model=_model_id(second),
        dim=encoder.dim, normalized=True,
        metric="inner_product", index_type=choose_index_type(len(passages)),
        documents=document_hashes(paragraphs),
        fingerprint=fingerprint(settings, paragraphs), passages=len(passages),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        arrays=sorted(arrays), matrices=sorted(matrices),
    )
    index = make_faiss_index(vectors, settings.retrieval.faiss_threads)
    return StoredIndex(manifest, passages, paragraphs, vectors, index, arrays, matrices), len(todo)


def _reusable(
    previous: StoredIndex | None,
) -> dict[str, tuple[np.ndarray, sparse.csr_matrix | None]]:
    if previous is None:
        return {}
    matrix = previous.matrices.get("sparse")
    return {
        p.hash: (previous.vectors[i], None if matrix is None else matrix[i])
        for i, p in enumerate(previous.passages)
    }


def _model_id(encoder: Encoder | None) -> str:
    return "" if encoder is None else encoder.model_id


def _second_vectors(
    second: Encoder, passages: list[Passage], previous: StoredIndex | None, batch: int
) -> np.ndarray:
    """The second model's passage vectors, reusing unchanged passages' rows."""
    old: dict[str, np.ndarray] = {}
    if previous is not None and previous.manifest.second_model == second.model_id:
        old = {p.hash: previous.arrays["second"][i] for i, p in enumerate(previous.passages)}
    out = np.zeros((len(passages), second.dim), dtype=np.float32)
    todo = []
    for i, p in enumerate(passages):
        if p.hash in old:
            out[i] = old[p.hash]
        else:
            todo.append(i)
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        out[rows] = second.encode_passages([passages[i].text for i in rows])
    return out


def _sentence_vectors(
    model: Encoder, paragraphs: list[Paragraph], previous: StoredIndex | None, batch: int
) -> np.ndarray:
    """Vectors of every sentence of the servable paragraphs (answer extraction), by the
    second model when there is one; unchanged sentences keep their rows."""
    old: dict[str, np.ndarray] = {}
    if previous is not None and SENTENCE_ARRAY in previous.arrays:
        m = previous.manifest
        if (m.second_model or m.model) == model.model_id:
            before = paragraph_sentences(previous.paragraphs)
            if len(before) == len(previous.arrays[SENTENCE_ARRAY]):
                old = {s.text: previous.arrays[SENTENCE_ARRAY][i] for i, s in enumerate(before)}
    texts = [s.text for s in paragraph_sentences(paragraphs)]
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    todo = [i for i, t in enumerate(texts) if t not in old]
    for i, t in enumerate(texts):
        if t in old:
            out[i] = old[t]
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        out[rows] = model.encode_passages([texts[i] for i in rows])
    return out


def _vocabulary_vectors(
    model: Encoder, passages: list[Passage], previous: StoredIndex | None
) -> np.ndarray:
    """Vectors of the documents' words (bot/concepts.py) by the second model; words of the
    previous index keep theirs."""
    cache: dict[str, list[str]] = {}

    def words_of(rows: list[Passage]) -> list[str]:
        return vocabulary({t for p in rows for t in cache.setdefault(p.norm, tokenize(p.norm))})

    old: dict[str, np.ndarray] = {}
    if previous is not None and VOCABULARY_ARRAY in previous.arrays:
        m, vectors = previous.manifest, previous.arrays[VOCABULARY_ARRAY]
        before = words_of(previous.passages)
        if m.second_model == model.model_id and len(before) == len(vectors):
            old = dict(zip(before, vectors, strict=True))
    return vocabulary_vectors(words_of(passages), lambda w: model.encode_queries(w), old)


def _cjk(paragraphs: list[Paragraph]) -> bool:
    return documents_are_cjk([p.text for p in paragraphs])


def _background(
    encoder: Encoder, previous: StoredIndex | None, settings: Settings, paragraphs: list[Paragraph]
) -> tuple[dict[str, np.ndarray], dict[str, sparse.csr_matrix]]:
    """The null model's vectors, reused when the background file did not change."""
    if previous is not None and previous.manifest.fingerprint == fingerprint(settings, paragraphs):
        matrices = {k: v for k, v in previous.matrices.items() if k == "background_sparse"}
        return {"background": previous.arrays["background"]}, matrices
    sentences = load_background(cjk=_cjk(paragraphs))
    arrays = {"background": encoder.encode_passages(sentences)}
    found = encoder.encode_sparse(sentences)
    return arrays, ({} if found is None else {"background_sparse": found})


__all__ = ["Passage", "build_index", "document_hashes", "is_fresh"]
