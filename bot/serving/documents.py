"""The served documents as transports see them: paragraphs, the catalogue, uploads, removal.

Transports never hold the engine's paragraphs or its folder. They look a paragraph up by
(document, ¶n) as a ``Hit`` (which carries its content hash), list the catalogue, and add or
remove a document through ``ServedEngine`` (which mixes ``DocumentDesk`` in).

An upload goes down once: its bytes are read by the format readers off the event loop
(progress reported as the reader goes: "pages", "ocr", then "indexing" once read), written
into the documents folder under the folder's rules (bot/engine/documents/folder.py) inside
the reload (so a failed rebuild takes it out again), and rebuilt with the document already
read (it is not read again). The reload still lists the folder, because under the replicas'
lock the folder may first catch up with a version another replica published.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from bot.engine.documents.changes import compare
from bot.engine.documents.folder import Placed, place, remove, target_name, with_who_added
from bot.engine.documents.formats import SUPPORTED, Progress
from bot.engine.documents.formats.sniff import suffix_of
from bot.engine.documents.ingest import Document, read_document
from bot.engine.lifecycle import ReloadError, document_limits
from bot.engine.types import DocumentSummary, Hit, ReloadReport, Skipped, Upload
from bot.serving.holder import ServiceHolder
from config.settings import Settings

log = logging.getLogger(__name__)
Undo = Callable[[], None]

__all__ = ["SUPPORTED", "DocumentDesk", "Progress", "ReloadError", "readable", "target_name"]


def readable(name: str) -> bool:
    """Whether a file called ``name`` is of a kind the readers know (by its extension)."""
    return suffix_of(name) in SUPPORTED


class DocumentDesk:
    """The documents half of the serving layer's door (mixed into ServedEngine)."""

    settings: Settings
    holder: ServiceHolder

    async def reload(
        self, change: Callable[[], Undo] | None = None, read: Sequence[Document] = ()
    ) -> ReloadReport:
        """Rebuild from the documents folder and swap the new index in (ServedEngine's)."""
        raise NotImplementedError

    def paragraph(self, doc: str, number: int) -> Hit | None:
        """¶n of ``doc`` in the serving index as a citation (noise included), None when gone."""
        with self.holder.borrow() as service:
            return service.library.hit(doc, number)

    def paragraph_hash(self, doc: str, number: int) -> str:
        """The content hash of ¶n of ``doc`` in the serving index ("" when gone)."""
        found = self.paragraph(doc, number)
        return found.hash if found is not None else ""

    def document(self, doc: str) -> tuple[Hit, ...]:
        """Every paragraph of ``doc`` in the serving index, in order (empty when unknown)."""
        with self.holder.borrow() as service:
            return tuple(service.library.cite(p) for p in service.library.document(doc))

    def neighbours(self, doc: str, number: int) -> list[Hit]:
        """The servable paragraphs just before and after ¶n of ``doc``."""
        with self.holder.borrow() as service:
            return service.library.neighbours(doc, number)

    def catalogue(self) -> list[DocumentSummary]:
        """Every document served (paragraphs, pages), with who added it when and whether it
        is still being embedded (searchable by its words only so far)."""
        with self.holder.borrow() as service:
            served = service.library.catalogue()
            pending = service.stored.arrays.pending
            passages = service.stored.passages
            embedding = set() if pending is None else {passages[i].doc for i in np.flatnonzero(pending)}
        served = [replace(d, embedding=d.name in embedding) for d in served]
        return with_who_added(served, self.settings.docs_dir)

    async def add_document(
        self, name: str, data: bytes, added_by: int | None = None, progress: Progress | None = None
    ) -> Upload:
        """Read ``data`` as the document ``name`` and, when readable, add it (replacing the
        document of the same safe name) and reload. A document that cannot be read changes
        nothing (``Upload.problem``); a failed reload raises ReloadError and the old index
        and folder stay as they were."""
        target = target_name(name)
        read = await asyncio.to_thread(read_document, target, data, document_limits(self.settings), progress)
        if read.problem is not None:
            log.info("upload %r refused: %s", name, read.problem)
            return Upload(target, Skipped.of(target, read.problem.reason, read.problem.values))
        if progress is not None:
            progress("indexing", len(read.paragraphs), len(read.paragraphs))
        before = [h.hash for h in self.document(read.name)]

        def add() -> Undo:
            placed = place(self.settings.docs_dir, read.name, data, added_by)
            log.info("admin upload saved as %s", placed.path.name)
            return placed.rollback

        report = await self.reload(add, read=[read])
        changes = compare(before, [p.hash for p in read.paragraphs]) if before else None
        servable = sum(p.servable for p in read.paragraphs)
        return Upload(read.name, None, servable, read.pages, changes, report)

    async def remove_document(self, name: str) -> ReloadReport:
        """Delete the document ``name`` and reload; on failure (ReloadError, or
        FileNotFoundError when it is not in the folder) it is put back."""

        def gone() -> Undo:
            placed: Placed = remove(self.settings.docs_dir, name)
            return placed.rollback

        return await self.reload(gone)
