"""Embedding in the background: a changed library is answered from its words at once, from its
vectors chunk by chunk.

A reload (an upload, /reload, a removal) builds and publishes the lexical version first: the
new passages searchable by BM25, the outline and the fields, their vectors left pending
(bot/engine/index/stages.py). ``Staging`` then embeds what is pending, ``stages.CHUNK``
passages at a time; each chunk is a new version built, published and swapped in like any
reload (under the same locks, so replicas follow each version), until nothing is pending.
Questions are answered from the newest version throughout. On start, an index left with
pending passages (the process stopped between stages) is served as it is and finished the
same way. A chunk that fails is logged and the background stops; the index keeps serving as
it is and the next start (or the next reload) takes it up again.

Transports watch it through ``embedding()``: (left, total) after each chunk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from bot.engine.index.stages import CHUNK
from bot.engine.lifecycle import open_service, rebuild
from bot.engine.service import SearchService
from bot.serving.holder import ServiceHolder
from bot.serving.source import IndexSource, local_version
from config.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Background:
    """The background embedding of one process: its task and how far it got."""

    task: asyncio.Task[None] | None = None
    total: int = 0  # passages pending since the background was last idle
    left: int = 0  # ... still pending
    changed: asyncio.Event | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def note(self, left: int) -> None:
        """``left`` passages are pending now; wake whoever watches."""
        self.total = max(self.total, left) if self.left or self.running else left
        self.left = left
        event, self.changed = self.changed, asyncio.Event()
        if event is not None:
            event.set()

    async def next(self) -> None:
        if self.changed is None:
            self.changed = asyncio.Event()
        await self.changed.wait()


class Staging:
    """The background half of ServedEngine: finish what a staged reload left pending."""

    settings: Settings
    holder: ServiceHolder
    reload_lock: asyncio.Lock
    version: str
    background: Background
    shared_lock: Callable[[], AbstractContextManager[Any]]

    @property
    def origin(self) -> IndexSource:
        raise NotImplementedError

    @staticmethod
    def _shared(step: Callable[[], None]) -> None:
        raise NotImplementedError

    async def _swap_in(self, make: Callable[[], SearchService], kind: str) -> SearchService:
        raise NotImplementedError

    def embed_later(self) -> None:
        """Start embedding what the serving index has pending (nothing when none is)."""
        left = self.holder.current.stored.manifest.pending if self.holder.ready else 0
        self.background.note(left)
        if left and not self.background.running:
            self.background.task = asyncio.create_task(self._finish())

    async def embedding(self) -> AsyncIterator[tuple[int, int]]:
        """(passages still pending, pending in all) now and after each chunk; ends when none
        is pending or the background stopped (a failure: the next start takes it up)."""
        bg = self.background
        while True:
            yield bg.left, bg.total
            if not bg.left or not bg.running:
                return
            await bg.next()

    async def embedded(self) -> int:
        """Wait for the background embedding to end; the passages still pending (0: done)."""
        async for _ in self.embedding():
            pass
        return self.background.left

    async def _finish(self) -> None:
        """Embed the pending passages a chunk at a time, each chunk a published version."""
        while True:
            async with self.reload_lock:
                current = self.holder.current
                if not current.stored.manifest.pending:
                    break

                def work(current: SearchService = current) -> SearchService:
                    self._shared(self.origin.fetch)
                    if local_version(self.settings.index_dir) != self.version:  # another replica went first
                        return open_service(self.settings, current.encoder, current.second)
                    service, _ = rebuild(self.settings, current, (), CHUNK)
                    self._shared(self.origin.publish)
                    return service

                try:
                    service = await self._swap_in(work, "embed")
                except Exception as exc:
                    log.warning("background embedding stopped (%r); serving the index as it is", exc)
                    self.background.task = None
                    self.background.note(current.stored.manifest.pending)
                    return
            left = service.stored.manifest.pending
            log.info("embedded in the background: %d passage(s) left", left)
            self.background.note(left)
        self.background.note(0)
