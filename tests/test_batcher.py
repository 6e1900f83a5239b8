"""AskBatcher: concurrent questions share ask_batch calls and get their own answers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from bot.engine.types import Answer, Turn
from bot.serving.batcher import AskBatcher


class RecordingService:
    """Stands in for SearchService: records each ask_batch call."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def ask_batch(
        self, questions: Sequence[str], k: int | None = None, offset: int = 0,
        contexts: Sequence[Turn | None] | None = None,
    ) -> list[Answer]:
        self.calls.append(list(questions))
        if self.fail_on in questions:
            raise RuntimeError("model failed")
        contexts = contexts or [None] * len(questions)
        return [
            Answer(q, "answered", f"{q}|k={k}|o={offset}|c={c.question if c else ''}", ())
            for q, c in zip(questions, contexts, strict=True)
        ]


async def test_concurrent_questions_share_batches_and_keep_their_answers() -> None:
    service: Any = RecordingService()
    batcher = AskBatcher(max_batch=4)
    questions = [f"q{i}" for i in range(10)]
    answers = await asyncio.gather(*(batcher.ask(service, q) for q in questions))
    assert [a.answer for a in answers] == [f"q{i}|k=None|o=0|c=" for i in range(10)]
    assert sum(len(c) for c in service.calls) == 10
    assert len(service.calls) < 10  # batched, not one call per question
    assert max(len(c) for c in service.calls) <= 4


async def test_different_offsets_are_not_mixed_in_one_batch() -> None:
    service: Any = RecordingService()
    batcher = AskBatcher()
    first, second = await asyncio.gather(
        batcher.ask(service, "a", k=3, offset=0), batcher.ask(service, "b", k=3, offset=3)
    )
    assert first.answer == "a|k=3|o=0|c="
    assert second.answer == "b|k=3|o=3|c="
    assert all(len(c) == 1 for c in service.calls)


async def test_a_failing_batch_fails_its_waiters_and_the_next_batch_still_runs() -> None:
    service: Any = RecordingService(fail_on="bad")
    batcher = AskBatcher(max_batch=1)
    results = await asyncio.gather(
        batcher.ask(service, "bad"), batcher.ask(service, "good"), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError)
    assert isinstance(results[1], Answer) and results[1].question == "good"
    with pytest.raises(RuntimeError):
        await batcher.ask(service, "bad")
    assert (await batcher.ask(service, "again")).answered


async def test_each_question_keeps_its_own_context_in_a_shared_batch() -> None:
    service: Any = RecordingService()
    batcher = AskBatcher(max_batch=8)
    turns = [Turn(f"earlier {i}", (("a.txt", i),)) if i % 2 else None for i in range(6)]
    answers = await asyncio.gather(
        *(batcher.ask(service, f"q{i}", context=turn) for i, turn in enumerate(turns))
    )
    assert [a.answer.rsplit("|c=", 1)[1] for a in answers] == [
        f"earlier {i}" if i % 2 else "" for i in range(6)
    ]
    assert len(service.calls) < 6
