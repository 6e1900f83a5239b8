"""End to end through the Bot API (bot/telegram/documents.py with bot/serving/staging.py): an
upload is answered from its words while its vectors are still being embedded, the status
message says so ("已可按关键词检索（2 段）…正在建立语义索引 0%…") and /docs marks the document;
once embedded the status ends "…完成" and the answer comes from the full index. The real
Application, the real default models and the local Bot API server; the background's chunk
build is held back on a gate (then run for real) so the lexical stage can be looked at."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_telegram_documents import final_text
from test_telegram_harness import ADMIN, TIMEOUT, Live

from bot.serving import staging
from bot.tools.botapi import SentMessage, SimUser

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
NEW_DOC = "长者食堂.txt"
NEW_TEXT = "幸福里社区长者食堂每天中午供应一百二十份午餐。\n\n长者食堂的午餐每份补贴八元。\n"
QUESTION = "幸福里社区长者食堂每天中午供应多少份午餐？"


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Chunk builds of the background wait until the gate opens, then run as they would."""
    opened = threading.Event()
    real = staging.rebuild

    def held(*args: Any, **kwargs: Any) -> Any:
        opened.wait(TIMEOUT)
        return real(*args, **kwargs)

    monkeypatch.setattr(staging, "rebuild", held)
    yield opened
    opened.set()


async def _text_with(live: Live, status: SentMessage, part: str) -> str:
    deadline = time.monotonic() + TIMEOUT
    while True:
        current = next(m for m in live.server.messages(status.chat_id) if m.message_id == status.message_id)
        if part in current.plain_text or time.monotonic() > deadline:
            return current.plain_text
        await asyncio.sleep(0.1)


async def test_an_upload_is_answered_from_its_words_then_from_its_vectors(
    live: Live, gate: threading.Event
) -> None:
    uid = live.server.send_document(ADMIN, NEW_DOC, NEW_TEXT.encode())
    (status, *_) = await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    text = await _text_with(live, status, "已可按关键词检索")
    assert text == "已可按关键词检索（2 段）…正在建立语义索引 0%…", text
    engine = live.runtime.engine
    assert engine.current.stored.manifest.pending == 2  # words only so far
    (reply, *_) = await live.ask(SimUser(id=401), QUESTION)
    assert "一百二十份" in reply.plain_text and f"《{NEW_DOC}》" in reply.plain_text, reply.plain_text
    (listing,) = await live.ask(ADMIN, "/docs")
    assert f"{NEW_DOC}：2 段" in listing.plain_text and "正在建立语义索引" in listing.plain_text

    gate.set()
    text = await final_text(live.server, status)
    done = f"已添加文件“{NEW_DOC}”（2 段）。\n已可按关键词检索（2 段）…正在建立语义索引 100%…完成\n"
    assert text.startswith(done), text
    assert "重新加载完成" in text
    assert engine.current.stored.manifest.pending == 0
    (reply, *_) = await live.ask(SimUser(id=402), QUESTION)
    assert "一百二十份" in reply.plain_text, reply.plain_text
    (listing,) = await live.ask(ADMIN, "/docs")
    assert f"{NEW_DOC}：2 段" in listing.plain_text and "正在建立语义索引" not in listing.plain_text
