"""Shared end-to-end harness: the fake Bot API server plus the real Application and model.

Imported by the test_telegram_e2e*.py modules (this file holds no tests). ``live_bot``
starts one BotAPIServer and one real Application per module over temp copies of the
session's docs and real-model index (tests/conftest.py), and captures every log record at
DEBUG (httpx included) so a module can prove the token never reached a log line.
``light_bot`` does the same over the article with the HashingEncoder (an index built in
about a second), on the state store of the given settings, with the ops endpoint on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bot.telegram import build_application, running
from bot.telegram.app import QAApp
from bot.telegram.context import runtime_of
from bot.telegram.runtime import Runtime
from bot.tools.botapi import BotAPIServer, SentMessage, SimUser
from config.settings import PROJECT_ROOT, Settings
from embeddings import Encoder, HashingEncoder

TOKEN = "7000000123:E2E-secret_token-9f8e7d"
BOT_NAME = "qabot_test_bot"
ADMIN = SimUser(id=9001, first_name="管理员", username="admin")
TIMEOUT = 90.0  # generous: CI machines may be busy
RATE_LIMIT = 6
MAX_UPLOAD = 100_000
QUESTION = "街道年终考核一共有多少项指标？"
OFF_TOPIC = "红烧肉怎么做？"
PARA = re.compile(r"¶(\d+)")


class Capture(logging.Handler):
    """Keeps every formatted record (traceback included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Live:
    """A running server + bot."""

    server: BotAPIServer
    app: QAApp
    settings: Settings
    logs: Capture

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.app)

    async def ask(self, user: SimUser, text: str, **kwargs: object) -> list[SentMessage]:
        """Send ``text`` and return the bot's messages in reply."""
        uid = self.server.send_text(user, text, **kwargs)  # type: ignore[arg-type]
        return await self.server.wait_for_reply(uid, timeout=TIMEOUT)

    async def silent(self, update_id: int, chat_id: int, settle: float = 0.6) -> None:
        """Assert the bot got ``update_id`` and sent nothing to ``chat_id`` about it."""
        before = len(self.server.messages(chat_id))
        for _ in range(int(TIMEOUT * 20)):
            if self.server.delivered_at(update_id) is not None:
                break
            await asyncio.sleep(0.05)
        assert self.server.delivered_at(update_id) is not None, "update never delivered"
        await asyncio.sleep(settle)
        after = self.server.messages(chat_id)
        assert len(after) == before, [m.text for m in after[before:]]


def paragraphs(text: str) -> list[int]:
    """The ¶ numbers cited in a message."""
    return [int(n) for n in PARA.findall(text)]


@asynccontextmanager
async def light_bot(root: Path, state: Settings, token: str = TOKEN) -> AsyncIterator[Live]:
    """Server + Application over the article (seeds/) with the HashingEncoder, on ``state``'s
    state store (SQLite in its data folder, or its PostgreSQL database), ops on a free port."""
    settings = light_settings(root, state)
    with captured() as capture:
        async with BotAPIServer(token, bot_username=BOT_NAME) as server:
            app = build_application(settings, token, encoder=HashingEncoder(),
                                    base_url=server.base_url, base_file_url=server.base_file_url)
            logging.getLogger("httpx").setLevel(logging.DEBUG)  # prove redaction, not just silence
            async with running(app):
                yield Live(server, app, settings, capture)


def light_settings(root: Path, state: Settings) -> Settings:
    """``state``'s store over a copy of the article under ``root``, ops on a free port."""
    shutil.copytree(PROJECT_ROOT / "seeds", root / "docs")
    return replace(
        state, docs_dir=root / "docs", index_dir=root / "index", data_dir=root / "data",
        ops=replace(state.ops, listen="127.0.0.1:0"),
        telegram=replace(state.telegram, admin_ids=frozenset({ADMIN.id}), rate_limit_per_minute=10_000),
    )


@contextmanager
def captured() -> Iterator[Capture]:
    """Every log record at DEBUG while inside (httpx: set it to DEBUG after build_application,
    which quiets it; put back to WARNING here)."""
    capture, root_logger = Capture(), logging.getLogger()
    httpx_logger, own_logger = logging.getLogger("httpx"), logging.getLogger("bot.telegram")
    old_level, own_level = root_logger.level, own_logger.level
    own_logger.setLevel(logging.NOTSET)  # other tests may have quieted it
    root_logger.addHandler(capture)
    root_logger.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        httpx_logger.setLevel(logging.WARNING)
        root_logger.removeHandler(capture)
        root_logger.setLevel(old_level)
        own_logger.setLevel(own_level)


@asynccontextmanager
async def live_bot(
    root: Path, source: Settings, encoder: Encoder
) -> AsyncIterator[Live]:
    """Server + Application over copies of ``source``'s docs and index under ``root``."""
    shutil.copytree(source.docs_dir, root / "docs")
    shutil.copytree(source.index_dir.resolve(), root / "index")
    settings = replace(
        source, docs_dir=root / "docs", index_dir=root / "index", data_dir=root / "data",
        telegram=replace(
            source.telegram, admin_ids=frozenset({ADMIN.id}), rate_limit_per_minute=RATE_LIMIT,
            max_upload_bytes=MAX_UPLOAD,
        ),
    )
    with captured() as capture:
        async with BotAPIServer(TOKEN, bot_username=BOT_NAME) as server:
            app = build_application(
                settings, TOKEN, encoder=encoder,
                base_url=server.base_url, base_file_url=server.base_file_url,
            )
            logging.getLogger("httpx").setLevel(logging.DEBUG)  # prove redaction, not just silence
            async with running(app):
                yield Live(server, app, settings, capture)
