"""The search service: owns the index, the encoder and the scorers; answers questions.

    open_service(settings)          load the index when it is fresh, else build and save it
    rebuild(settings, previous)     re-read the documents, re-embed only changed passages,
                                    return a NEW service (``previous`` keeps serving)
    SearchService.ask(question)     → Answer (sync, CPU-bound: call it off the event loop)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import faiss
import numpy as np

from bot.answer import NullModel, RefusalRule, extract, has_content
from bot.cache import AnswerCache
from bot.indexer import build_index, is_fresh, known_documents
from bot.ingest import IngestError, Paragraph, load_documents, normalize
from bot.lexical import LexicalIndex
from bot.retrieve import HybridRetriever, Query
from bot.store import StoredIndex, StoreError, mapped
from bot.store import load as load_store
from bot.store import save as save_store
from bot.types import Answer, Hit, IndexInfo, ReloadReport, Turn
from config.settings import Settings
from embeddings.encoder import Encoder, EncoderError, load_encoder, load_second_encoder

log = logging.getLogger(__name__)


class ReloadError(RuntimeError):
    """A (re)build failed; the message is safe to show to an admin. The old index serves on."""


@dataclass
class SearchService:
    """Answers questions from one immutable index. Swap the whole object to reload."""

    settings: Settings
    encoder: Encoder
    stored: StoredIndex
    second: Encoder | None = None
    rule: RefusalRule = field(default_factory=RefusalRule)

    def __post_init__(self) -> None:
        faiss.omp_set_num_threads(self.settings.retrieval.faiss_threads)
        s, a = self.stored, self.stored.arrays
        self.lexical = LexicalIndex(s.terms, s.postings)
        self.retriever = HybridRetriever(s.passages, s.faiss_index, self.lexical, a.sparse, a.second)
        background = a.background if a.background is not None else np.zeros((0, s.manifest.dim), np.float32)
        self.null = NullModel(background, a.background_sparse, a.background_second)
        self._paragraphs = {(p.doc, p.number): p for p in s.paragraphs}
        self._encode_lock = threading.Lock()
        self.cache = AnswerCache(self.settings.retrieval.answer_cache, s.manifest.built_at)
        m = s.manifest
        self.info = IndexInfo(
            documents=tuple(m.documents), paragraphs=sum(p.servable for p in s.paragraphs),
            passages=m.passages, model=m.model, built_at=m.built_at,
        )

    def ask(
        self, question: str, k: int | None = None, offset: int = 0, context: Turn | None = None
    ) -> Answer:
        """The answer to one question: covered or not, extractive answer, cited paragraphs.

        ``context`` is the previous turn of the same conversation (``Answer.turn`` of the
        last answer, while still fresh): a follow-up is understood with it.
        """
        return self.ask_batch([question], k, offset, [context])[0]

    def ask_batch(
        self,
        questions: Sequence[str],
        k: int | None = None,
        offset: int = 0,
        contexts: Sequence[Turn | None] | None = None,
    ) -> list[Answer]:
        """Answers to several questions (each with its own context), embedded in one batch.
        A question asked before (same words, no context) is answered from the cache."""
        start = time.perf_counter()
        k = k or self.settings.retrieval.top_k
        texts = [q.strip() for q in questions]
        norms = [normalize(t) for t in texts]
        keys = [
            None if context is not None else self.cache.key(norm, k, offset)
            for norm, context in zip(norms, contexts or [None] * len(texts), strict=True)
        ]
        found = [None if key is None else self.cache.get(key) for key in keys]
        todo = [i for i, answer in enumerate(found) if answer is None]
        if todo:
            asked = [texts[i] for i in todo]
            with self._encode_lock:
                vectors, sparse_rows = self.encoder.encode_queries_and_sparse(asked)
                second = None if self.second is None else self.second.encode_queries(asked)
            for j, i in enumerate(todo):
                query = Query(
                    norms[i], vectors[j],
                    None if sparse_rows is None else sparse_rows[j],
                    None if second is None else second[j],
                )  # fmt: skip
                found[i] = answer = self._answer(texts[i], query, k, offset)
                key = keys[i]
                if key is not None:
                    self.cache.put(key, answer)
        ms = (time.perf_counter() - start) * 1000 / max(len(texts), 1)
        return [_as_asked(a, t, ms) for a, t in zip(found, texts, strict=True) if a is not None]

    def _answer(self, question: str, query: Query, k: int, offset: int) -> Answer:
        if not has_content(query.norm) or not self.retriever.passages:
            return Answer(question, "not_covered", "", ())
        ranking = self.retriever.rank(query)
        covered = self.rule.covered(*self.null.margins(query, ranking))
        hits = tuple(
            Hit(p.doc, p.paragraph, self._paragraphs[(p.doc, p.paragraph)].text, r.fused)
            for r in ranking.items[offset : offset + k]
            for p in [self.retriever.passages[r.passage]]
        )
        if not covered or not hits:
            return Answer(question, "not_covered", "", hits)
        top = ranking.items[0]
        text = hits[0].text if offset == 0 else self._paragraph_text(top.passage)
        turn = Turn(question, tuple((h.doc, h.paragraph) for h in hits))
        return Answer(question, "answered", extract(question, text, self._similarity(query)), hits, turn=turn)

    def _paragraph_text(self, row: int) -> str:
        p = self.retriever.passages[row]
        return self._paragraphs[(p.doc, p.paragraph)].text

    def _similarity(self, query: Query) -> Callable[[Sequence[str]], np.ndarray]:
        """Question-to-sentence cosines, by the second model when there is one: it is
        cross-lingual and ~30× cheaper per sentence than e5 (bench/RESULTS.md)."""
        model, vector = (self.encoder, query.vector)
        if self.second is not None and query.second is not None:
            model, vector = self.second, query.second

        def similarity(sentences: Sequence[str]) -> np.ndarray:
            with self._encode_lock:
                scores: np.ndarray = model.encode_passages(sentences) @ vector
            return scores

        return similarity

    def warm_up(self) -> None:
        """Run every model once so the first user does not pay for lazy loading."""
        with self._encode_lock:
            self.encoder.encode_queries_and_sparse(["warm up"])
            if self.second is not None:
                self.second.encode_queries(["warm up"])

    def paragraph(self, doc: str, number: int) -> Paragraph | None:
        """A paragraph by document and ¶n (noise paragraphs included)."""
        return self._paragraphs.get((doc, number))

    def neighbours(self, doc: str, number: int) -> list[Hit]:
        """The servable paragraphs just before and after ¶n of ``doc``."""
        around = (self._paragraphs.get((doc, n)) for n in (number - 1, number + 1))
        return [Hit(p.doc, p.number, p.text, 0.0) for p in around if p and p.servable]

    def close(self) -> None:
        """Release what the service holds (the index is read-only; nothing to flush)."""
        self._paragraphs = {}


def open_service(
    settings: Settings,
    encoder: Encoder | None = None,
    second: Encoder | None = None,
    progress: bool = False,
) -> SearchService:
    """The service over ``settings.docs_dir``, loading the saved index when it is fresh.

    Models not passed in are loaded from ``settings.embedding``; set its ``second_model``
    to "" for no second model (as the fast unit tests do).
    """
    encoder = encoder or load_encoder(settings.embedding)
    second = second or load_second_encoder(settings.embedding)
    previous: StoredIndex | None = None
    try:
        previous = load_store(settings.index_dir)
    except StoreError as exc:
        if settings.index_dir.exists():
            log.warning("%s", exc)
    known = None if previous is None else known_documents(previous)
    documents = load_documents(settings.docs_dir, settings.ingest.max_document_bytes, known)
    if previous is None or not is_fresh(previous, settings, encoder, documents, second):
        previous, _ = build_index(settings, encoder, documents, previous, progress, second)
        previous = _saved(settings, previous)
    service = SearchService(settings, encoder, previous, second)
    service.warm_up()
    return service


def rebuild(settings: Settings, previous: SearchService) -> tuple[SearchService, ReloadReport]:
    """A new service over the current documents; unchanged passages keep their vectors."""
    start = time.perf_counter()
    try:
        known = known_documents(previous.stored)
        documents = load_documents(settings.docs_dir, settings.ingest.max_document_bytes, known)
        stored, reembedded = build_index(
            settings, previous.encoder, documents, previous.stored, second=previous.second
        )
        stored = _saved(settings, stored)
    except (IngestError, EncoderError, StoreError) as exc:
        raise ReloadError(str(exc)) from exc
    except Exception as exc:  # model, FAISS or disk failure: report it, keep the old index
        log.exception("rebuild failed")
        raise ReloadError(f"rebuild failed ({type(exc).__name__}: {exc})") from exc
    service = SearchService(settings, previous.encoder, stored, previous.second, previous.rule)
    report = ReloadReport(
        documents=len(service.info.documents),
        paragraphs=service.info.paragraphs,
        reembedded=reembedded,
        seconds=round(time.perf_counter() - start, 3),
    )
    return service, report


def _saved(settings: Settings, stored: StoredIndex) -> StoredIndex:
    """``stored`` written to ``settings.index_dir``, its lexical arrays now memory-mapped
    from there (the built copies are freed)."""
    save_store(settings.index_dir, stored)
    return mapped(settings.index_dir, stored)


def _as_asked(answer: Answer, question: str, ms: float) -> Answer:
    """A (possibly cached) answer, as the answer to ``question`` as this user wrote it."""
    turn = answer.turn and Turn(question, answer.turn.cited)
    return replace(answer, question=question, ms=ms, turn=turn)


__all__ = ["ReloadError", "SearchService", "open_service", "rebuild"]
