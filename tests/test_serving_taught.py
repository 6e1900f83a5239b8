"""What is taught reaches every replica (bot/serving/engine.py): two ServedEngines over one
documents folder, one index and one state store (SQLite or a real PostgreSQL), each reading
the store through its own connection as two processes would; a teaching reaches the other
within seconds, survives a restart, and one whose paragraph changed is reported, not applied."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

import pytest

from bot.engine.types import Teaching
from bot.serving.engine import ServedEngine, Teachings
from bot.state import SqlStore, open_store
from bot.tools.teach import Paragraphs
from config.settings import Settings
from embeddings import Encoder

pytestmark = [pytest.mark.slow]
QUESTION = "乡镇一年要签多少份责任状？"
ASKED = "乡镇一年要签多少份责任状"  # the taught wording, punctuation aside (a paraphrase is only suggested)


@pytest.fixture
def settings(real_index_copy: Settings, state_settings: Settings) -> Settings:
    return replace(real_index_copy, state=state_settings.state)


def reader(store: SqlStore) -> Teachings:
    """What the Telegram runtime passes: the store's teachings, read off the event loop."""

    async def read() -> Sequence[Teaching]:
        return await asyncio.to_thread(store.taught)

    return read


async def replica(settings: Settings, encoder: Encoder, store: SqlStore) -> ServedEngine:
    served = ServedEngine(settings, encoder, teachings=reader(store))
    await served.open()
    return served


@pytest.fixture
async def stores(settings: Settings) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    a, b = open_store(settings), open_store(settings)
    yield a, b
    a.close()
    b.close()


async def test_a_teaching_reaches_another_replica_and_survives_a_restart(
    settings: Settings, real_encoder: Encoder, stores: tuple[SqlStore, SqlStore]
) -> None:
    store_a, store_b = stores
    first = await replica(settings, real_encoder, store_a)
    second = await replica(settings, real_encoder, store_b)
    follower = asyncio.create_task(second.follow_forever())
    try:
        assert (await second.ask(ASKED)).taught == ""
        number = _number(settings, "足足签了50多份")
        teaching = Paragraphs.read(settings).teaching(QUESTION, "article.txt", number, "足足签了50多份")
        kept = await asyncio.to_thread(store_a.teach, teaching, "test")
        start = time.monotonic()
        while (answer := await second.ask(ASKED)).taught != kept.id:
            assert time.monotonic() - start < 5, "the teaching did not reach the second replica"
            await asyncio.sleep(0.05)
        assert "50多份" in answer.answer and time.monotonic() - start < 3
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        first.close()
        second.close()
    restarted = await replica(settings, real_encoder, store_b)
    try:
        assert (await restarted.ask(ASKED)).taught == kept.id
    finally:
        restarted.close()


async def test_a_changed_paragraph_is_reported_not_misapplied(
    settings: Settings, real_encoder: Encoder, stores: tuple[SqlStore, SqlStore]
) -> None:
    store, _ = stores
    number = _number(settings, "足足签了50多份")
    teaching = Paragraphs.read(settings).teaching(QUESTION, "article.txt", number, "足足签了50多份")
    kept = store.teach(teaching, "test")
    served = await replica(settings, real_encoder, store)
    try:
        assert (await served.ask(QUESTION)).taught == kept.id and served.stale == ()
        path = settings.docs_dir / "article.txt"
        edited = path.read_text(encoding="utf-8").replace("足足签了50多份", "足足签了60多份")
        path.write_text(edited, encoding="utf-8")
        await served.reload()
        assert served.stale == (kept,)
        answer = await served.ask(QUESTION)
        assert answer.taught == ""  # answered by the signals, never from another text
    finally:
        served.close()


def _number(settings: Settings, piece: str) -> int:
    return next(n for (_, n), p in Paragraphs.read(settings).by_number.items() if piece in p.text)
