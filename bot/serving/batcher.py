"""Let concurrent questions share one encode call.

Each question costs three model calls (dense, sparse, second model). Asked one by one from
a thread pool, concurrent questions queue on the service's encode lock; asked together
through ``SearchService.ask_batch`` they are embedded in one call per model. The batcher
runs one drain loop: while a batch is being answered the next one gathers, so batches
grow with the load and a lone question waits for nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.engine.service import SearchService
from bot.engine.types import Answer, Turn


@dataclass
class _Pending:
    service: SearchService
    question: str
    context: Turn | None
    k: int | None
    offset: int
    future: asyncio.Future[Answer]


@dataclass
class AskBatcher:
    """``await batcher.ask(service, question)`` ≡ ``service.ask(question)``, batched."""

    max_batch: int = 16
    _queue: list[_Pending] = field(default_factory=list)
    _drainer: asyncio.Task[None] | None = None
    batches: int = 0

    async def ask(
        self,
        service: SearchService,
        question: str,
        k: int | None = None,
        offset: int = 0,
        context: Turn | None = None,
    ) -> Answer:
        """The service's answer to ``question``, computed in a batch with its neighbours."""
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(service, question, context, k, offset, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._take()
                head = batch[0]
                questions = [p.question for p in batch]
                contexts = [p.context for p in batch]
                try:
                    answers = await asyncio.to_thread(
                        head.service.ask_batch, questions, head.k, head.offset, contexts
                    )
                except Exception as exc:  # every waiter gets the error, the loop goes on
                    for p in batch:
                        if not p.future.done():
                            p.future.set_exception(exc)
                    continue
                self.batches += 1
                for p, answer in zip(batch, answers, strict=True):
                    if not p.future.done():
                        p.future.set_result(answer)
        finally:
            self._drainer = None

    def _take(self) -> list[_Pending]:
        """Up to ``max_batch`` queued questions that share service, k and offset."""
        head = self._queue[0]
        batch: list[_Pending] = []
        rest: list[_Pending] = []
        for p in self._queue:
            same = p.service is head.service and p.k == head.k and p.offset == head.offset
            (batch if same and len(batch) < self.max_batch else rest).append(p)
        self._queue = rest
        return batch
