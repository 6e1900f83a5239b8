"""Open the search service over the documents, and rebuild it when they change.

    open_service(settings)          load the index when it is fresh, else build and save it
    rebuild(settings, previous)     re-read the documents, re-embed only changed passages,
                                    return a NEW service (``previous`` keeps serving)

A failed rebuild raises ReloadError with a message fit for an admin; the old service
serves on. The service itself (answering) is bot/engine/service.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from tqdm import tqdm

from bot.engine.documents.formats import Limits, Progress
from bot.engine.documents.ingest import Document, IngestError, load_documents, unreadable
from bot.engine.index.build import build_index, is_fresh, known_documents
from bot.engine.index.mapped import Scratch
from bot.engine.index.store import StoredIndex, StoreError, mapped
from bot.engine.index.store import load as load_store
from bot.engine.index.store import save as save_store
from bot.engine.service import SearchService
from bot.engine.types import ReloadReport
from config.settings import Settings
from embeddings.encoder import Encoder, EncoderError, load_encoder, load_second_encoder

log = logging.getLogger(__name__)


class ReloadError(RuntimeError):
    """A (re)build failed; the message is safe to show to an admin. The old index serves on."""


def document_limits(settings: Settings) -> Limits:
    """What one document may cost to read ([ingest]), for the folder and for uploads alike."""
    ingest = settings.ingest
    return Limits(
        max_bytes=ingest.max_document_bytes, max_pages=ingest.max_pages, max_ocr_pages=ingest.max_ocr_pages
    )


def open_service(
    settings: Settings,
    encoder: Encoder | None = None,
    second: Encoder | None = None,
    progress: bool = False,
    finish: bool = False,
) -> SearchService:
    """The service over ``settings.docs_dir``, loading the saved index when it is fresh.
    An index with passages still to embed (a staged build cut short) is served as it is,
    for the caller to finish in the background; ``finish``: embed them first (the CLI).

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
    reading = _progress_bars() if progress else None
    documents = load_documents(settings.docs_dir, document_limits(settings), known, reading)
    for problem in unreadable(documents):
        log.warning("document left out: %s", problem)
    unfinished = finish and previous is not None and previous.manifest.pending > 0
    if previous is None or unfinished or not is_fresh(previous, settings, encoder, documents, second):
        previous, _ = _build(settings, encoder, documents, previous, second, progress)
    service = SearchService(settings, encoder, previous, second)
    service.warm_up()
    return service


def rebuild(
    settings: Settings, previous: SearchService, read: Sequence[Document] = (), budget: int | None = None
) -> tuple[SearchService, ReloadReport]:
    """A new service over the current documents; unchanged passages keep their vectors.
    ``read``: documents already read (an upload), not read again when their bytes match.
    ``budget``: embed at most that many passages, the rest later (bot/engine/index/stages.py;
    0: the lexical version, searchable by its words at once)."""
    start = time.perf_counter()
    try:
        known = known_documents(previous.stored) | {d.name: d for d in read if d.problem is None}
        documents = load_documents(settings.docs_dir, document_limits(settings), known)
        stored, reembedded = _build(
            settings, previous.encoder, documents, previous.stored, previous.second, budget=budget)
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
        skipped=service.info.skipped,
        pending=stored.manifest.pending,
    )
    return service, report


def _progress_bars() -> Progress:
    """Progress bars for slow reading (PDF pages, OCR of scanned pages) in `qabot index`."""
    bars: dict[str, tqdm[Any]] = {}

    def report(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None or bar.total != total:
            bar = bars[stage] = tqdm(total=total, desc={"ocr": "OCR (scanned pages)"}.get(stage, "pages"))
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            del bars[stage]

    return report


def _build(
    settings: Settings, encoder: Encoder, documents: Sequence[Document], previous: StoredIndex | None,
    second: Encoder | None, progress: bool = False, budget: int | None = None,
) -> tuple[StoredIndex, int]:
    """Build (the biggest arrays through scratch files), save to ``settings.index_dir``, and
    map the saved arrays back: what the service holds is the index on disk, not the built
    copies. Returns the index and how many passages were embedded."""
    with Scratch(settings.index_dir) as scratch:
        stored, embedded = build_index(
            settings, encoder, documents, previous, progress, second, scratch, budget)
        save_store(settings.index_dir, stored)
        return mapped(settings.index_dir, stored), embedded


__all__ = ["ReloadError", "document_limits", "open_service", "rebuild"]
