"""The engine as it is served: one ``ask`` for every transport, reloads under one lock.

    served = ServedEngine(settings)
    await served.open()                                  # load (or build) the index
    answer = await served.ask("…", context=last_turn)    # batched with concurrent questions
    report = await served.reload(change)                 # rebuild off the event loop, swap in
    upload = await served.add_document(name, data)       # read, place, rebuild (documents.py)
    await served.embedded()                              # the vectors, embedded after (staging.py)

This is the transports' one door to the engine: Telegram handlers, inline mode, buttons, the
console and (through Telegram) the dialogue runner ask, look paragraphs up, manage documents
and apply teachings here, and import nothing of the engine but bot/engine/types.py
(tests/test_imports.py). Concurrent questions share one encode call (bot/serving/batcher.py);
the current SearchService is borrowed for each call (bot/serving/holder.py), so a reload that
swaps in a new index never closes one that a question is still using.

Replicas share the state store, and the published index through ``source``
(bot/serving/source.py): the shared folders themselves (``FolderSource``), or the database,
from which each replica fetches a version into its own folders. Every rebuild or load of a
new version runs under ``shared_lock`` (the state store's "rebuild" lock: one replica at a
time): catch up with the published version, rebuild, publish. Every replica asks the source
each second (``follow_forever``) and swaps to a version another published. The slow part
of taking a version from the database, downloading it (``prefetch``), runs before the lock,
so replicas download side by side; only placing and loading it waits for the lock.

What admins taught lives in the state store; the serving layer cannot import the store, so
whoever opens it passes ``teachings`` (an async callable that reads them). They are applied
at open, to every index swapped in, and re-read on every ``follow`` tick, so a wording
taught on one replica is answered on every other within about a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from bot.engine.documents.ingest import Document
from bot.engine.index.stages import LEXICAL
from bot.engine.lifecycle import ReloadError, open_service, rebuild
from bot.engine.service import SearchService
from bot.engine.types import Answer, IndexInfo, ReloadReport, Teaching, Turn
from bot.serving.batcher import AskBatcher
from bot.serving.documents import DocumentDesk, Undo
from bot.serving.holder import ServiceHolder
from bot.serving.source import FolderSource, IndexSource, local_version
from bot.serving.staging import Background, Staging
from config.settings import Settings
from embeddings import Encoder

log = logging.getLogger(__name__)
FOLLOW_EVERY = 1.0  # seconds between checks for an index version another replica published
Teachings = Callable[[], Awaitable[Sequence[Teaching]]]


@dataclass
class ServedEngine(DocumentDesk, Staging):
    """The serving index of one process, and the transports' one door to the engine: asks,
    the documents (bot/serving/documents.py), reloads, following other replicas' reloads."""

    settings: Settings
    encoder: Encoder | None = None
    shared_lock: Callable[[], AbstractContextManager[Any]] = nullcontext  # across replicas
    holder: ServiceHolder = field(default_factory=ServiceHolder)
    batcher: AskBatcher = field(default_factory=AskBatcher)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # within this process
    version: str = ""  # the published index version being served
    source: IndexSource | None = None  # where the published index comes from (None: the folders)
    seen: str = ""  # the version the source published when last asked
    swapped: Callable[[str, float], None] = lambda kind, seconds: None  # (open|reload|follow, s)
    teachings: Teachings | None = None  # reads what admins taught (None: nothing taught)
    taught: tuple[Teaching, ...] = ()  # what the serving index answers with
    background: Background = field(default_factory=Background)  # embedding what is pending

    @property
    def origin(self) -> IndexSource:
        """Where the published index comes from (the index folder itself unless set)."""
        return self.source or FolderSource(self.settings.index_dir)

    @property
    def ready(self) -> bool:
        """Whether an index is loaded."""
        return self.holder.ready

    @property
    def current(self) -> SearchService:
        """The serving SearchService (NotReady before ``open``)."""
        return self.holder.current

    @property
    def info(self) -> IndexInfo:
        """What the serving index holds (NotReady before ``open``)."""
        return self.holder.current.info

    async def ask(
        self, question: str, context: Turn | None = None, k: int | None = None, offset: int = 0
    ) -> Answer:
        """The answer to ``question`` (a follow-up of ``context``), batched with its neighbours."""
        with self.holder.borrow() as service:
            return await self.batcher.ask(service, question, k, offset, context)

    async def ask_all(self, questions: list[str]) -> tuple[list[Answer], str]:
        """Answers to several standalone questions from one index, and that index's version
        (``IndexInfo.built_at``)."""
        with self.holder.borrow() as service:
            answers = await asyncio.gather(*(self.batcher.ask(service, q) for q in questions))
            return list(answers), service.info.built_at

    @property
    def stale(self) -> tuple[Teaching, ...]:
        """Teachings whose paragraph is not in the serving index (changed or gone): not
        applied; admins are asked to confirm them again."""
        return self.holder.current.taught.stale

    async def refresh_teachings(self) -> bool:
        """Read the teachings again and apply them when they changed; True when applied."""
        if self.teachings is None or self.reload_lock.locked() or not self.holder.ready:
            return False
        fresh = tuple(await self.teachings())
        if fresh == self.taught:
            return False
        async with self.reload_lock:
            service = self.holder.current
            await asyncio.to_thread(service.teach, fresh)
            self.taught = fresh
        log.info("answering with %d taught wording(s)", len(fresh))
        return True

    async def open(self) -> None:
        """Open the index (building it when stale, one replica at a time) at start, with
        what was taught."""
        if self.teachings is not None:
            self.taught = tuple(await self.teachings())
        await asyncio.to_thread(self._shared, self.origin.prefetch)  # no lock across replicas

        def make() -> SearchService:
            self._shared(self.origin.fetch)
            service = open_service(self.settings, self.encoder)
            self._shared(self.origin.publish)  # when this replica built the first version
            return service

        service = await self._swap_in(make, "open")
        log.info("serving %d documents, %d paragraphs", len(service.info.documents), service.info.paragraphs)
        self.embed_later()  # an index left with passages to embed (stopped between stages)

    async def reload(
        self, change: Callable[[], Undo] | None = None, read: Sequence[Document] = ()
    ) -> ReloadReport:
        """Rebuild from the documents folder off the event loop, publish, swap the new index in.

        Under the reload locks, in the worker thread: the local folders catch up with the
        published version first; then ``change`` edits the documents folder and returns how
        to undo the edit; the undo runs when the rebuild or its publication fails. On failure
        ReloadError propagates and the old index keeps serving. ``read``: documents already
        read (an upload's), not read again. What is new is served by its words first, its
        vectors embedded in the background (bot/serving/staging.py).
        """
        async with self.reload_lock:
            current = self.holder.current
            reports: list[ReloadReport] = []

            def work() -> SearchService:
                self._shared(self.origin.fetch)
                undo = change() if change is not None else None
                try:
                    service, report = rebuild(self.settings, current, read, LEXICAL)
                    self._shared(self.origin.publish)
                except BaseException:
                    if undo is not None:
                        undo()
                    raise
                reports.append(report)
                return service

            await self._swap_in(work, "reload")
        self.embed_later()
        report = reports[0]
        log.info(
            "reloaded: %d documents, %d paragraphs, %d re-embedded, %.2f s",
            report.documents, report.paragraphs, report.reembedded, report.seconds,
        )
        return report

    async def follow(self) -> bool:
        """Swap to an index version another replica published; True when swapped."""
        if self.reload_lock.locked() or not self.holder.ready:
            return False
        self.seen = await asyncio.to_thread(self.origin.published)
        if self.seen in ("", self.version):
            return False
        async with self.reload_lock:
            current = self.holder.current
            await asyncio.to_thread(self._shared, self.origin.prefetch)  # no lock across replicas

            def make() -> SearchService:
                self._shared(self.origin.fetch)
                return open_service(self.settings, current.encoder, current.second)

            await self._swap_in(make, "follow")
        log.info("now serving index %s (published by another replica)", self.version)
        return True

    async def follow_forever(self) -> None:
        """``follow`` (and re-read the teachings) every FOLLOW_EVERY seconds; a failed swap
        is logged once per version."""
        failed = ""
        while True:
            await asyncio.sleep(FOLLOW_EVERY)
            try:
                await self.refresh_teachings()
            except Exception as exc:
                log.warning("could not read the teachings (%r); answering with the ones read before", exc)
            try:
                await self.follow()
            except Exception as exc:
                if self.seen != failed:
                    log.warning("could not load index %s (%r); still serving %s", self.seen, exc,
                                self.version)
                    failed = self.seen

    def close(self) -> None:
        """Close the serving index and its source (at shutdown)."""
        if self.background.task is not None:
            self.background.task.cancel()
        self.holder.close()
        self.origin.close()

    @staticmethod
    def _shared(step: Callable[[], None]) -> None:
        """Run a fetch or publish step of the source; its failure is a ReloadError (the old
        index serves on)."""
        try:
            step()
        except ReloadError:
            raise
        except Exception as exc:
            raise ReloadError(f"the published index is out of reach ({type(exc).__name__}: {exc})") from exc

    async def _swap_in(self, make: Callable[[], SearchService], kind: str) -> SearchService:
        """Run ``make`` in a worker thread under the shared rebuild lock, note the published
        version, serve what it made, and tell ``swapped`` how long it took."""
        started = time.perf_counter()

        def work() -> tuple[SearchService, str]:
            with self.shared_lock():
                service, version = make(), local_version(self.settings.index_dir)
            service.teach(self.taught)
            return service, version

        service, self.version = await asyncio.to_thread(work)
        self.holder.swap(service)
        self.swapped(kind, time.perf_counter() - started)
        return service

