"""Background embedding (bot/serving/staging.py): an upload is answered from its words before its
vectors exist, then from the full index; a process stopped between the stages loses nothing
(the next start serves the lexical version and finishes it); a replica follows both versions.
Real default models and real FAISS on disk (the replicas: real PostgreSQL, the HashingEncoder,
as tests/test_published.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import SEEDS_DIR
from test_published import database, opened, replica  # noqa: F401 (database: a fixture)

from bot.serving.engine import ServedEngine
from config.settings import Settings
from embeddings.encoder import Encoder

NEW_DOC = "长者食堂.txt"
NEW_TEXT = "幸福里社区长者食堂每天中午供应一百二十份午餐。\n\n长者食堂的午餐每份补贴八元。\n"
QUESTION = "幸福里社区长者食堂每天中午供应多少份午餐？"


async def _answered_from_the_upload(served: ServedEngine) -> None:
    answer = await served.ask(QUESTION)
    assert answer.status == "answered" and answer.hits[0].doc == NEW_DOC and "一百二十份" in answer.answer


def _embedding(served: ServedEngine) -> bool:
    return next(d for d in served.catalogue() if d.name == NEW_DOC).embedding


async def test_an_upload_is_answered_from_its_words_at_once_then_from_its_vectors(
    real_index_copy: Settings, real_encoder: Encoder
) -> None:
    served = ServedEngine(real_index_copy, encoder=real_encoder)
    await served.open()
    try:
        assert served.current.stored.manifest.pending == 0 and not served.background.running
        added = await served.add_document(NEW_DOC, NEW_TEXT.encode(), 7)
        assert added.report is not None and added.report.pending == 2 == added.report.reembedded
        async with served.reload_lock:  # the background waits: the lexical version serves
            assert served.current.stored.manifest.pending == 2 and served.background.running
            await _answered_from_the_upload(served)
            assert _embedding(served)
            assert not any(d.embedding for d in served.catalogue() if d.name != NEW_DOC)
        seen = [step async for step in served.embedding()]
        assert seen[0] == (2, 2) and seen[-1] == (0, 2)
        assert served.current.stored.manifest.pending == 0 and served.current.stored.arrays.pending is None
        await _answered_from_the_upload(served)
        assert not _embedding(served)
    finally:
        served.close()


async def test_a_stop_between_the_stages_is_finished_by_the_next_start(
    real_index_copy: Settings, real_encoder: Encoder
) -> None:
    served = ServedEngine(real_index_copy, encoder=real_encoder)
    await served.open()
    await served.add_document(NEW_DOC, NEW_TEXT.encode(), 7)
    served.close()  # stopped before the background embedded anything: the lexical version is on disk

    again = ServedEngine(real_index_copy, encoder=real_encoder)
    await again.open()
    try:
        assert again.current.stored.manifest.pending == 2  # served as it is meanwhile
        await _answered_from_the_upload(again)
        assert await again.embedded() == 0
        assert again.current.stored.manifest.pending == 0
        await _answered_from_the_upload(again)
    finally:
        again.close()


async def test_a_replica_follows_the_lexical_version_then_the_full_one(tmp_path: Path, database: str) -> None:  # noqa: F811
    a = await opened(replica(tmp_path / "a", database, SEEDS_DIR))
    b = await opened(replica(tmp_path / "b", database))
    try:
        def change() -> Any:
            path = a.settings.docs_dir / NEW_DOC
            path.write_text(NEW_TEXT, encoding="utf-8")
            return path.unlink

        await a.reload(change)
        async with a.reload_lock:  # a's background waits
            lexical = a.version
            assert await b.follow() and b.version == lexical
            assert b.current.stored.manifest.pending == 2 and not b.background.running  # b does not embed
            assert (await b.ask(QUESTION)).hits[0].doc == NEW_DOC
        assert await a.embedded() == 0 and a.version != lexical
        assert await b.follow() and b.version == a.version
        assert b.current.stored.manifest.pending == 0
        assert (await b.ask(QUESTION)).hits[0].doc == NEW_DOC
    finally:
        a.close()
        b.close()
