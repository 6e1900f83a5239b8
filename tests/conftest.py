"""Shared fixtures for the engine tests (ingest, store, retrieval, service, CLI).

Fast tests use ``fake_settings``: the deterministic HashingEncoder ("hashing-256").
Tests marked ``slow`` use the real default model; it is loaded once per session (with the
network blocked, to prove it ships offline) and the article's index is built once into a
session temp folder. Tests that mutate an index take ``real_index_copy``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import pytest
import pytest_asyncio
from telegram import Bot
from test_telegram_harness import Live, live_bot

from bot.engine.lifecycle import open_service
from bot.engine.question.glossary import Glossary
from bot.engine.service import SearchService
from bot.tools.botapi import BotAPIServer
from bot.tools.evaluate import Case, read_cases
from bot.tools.pgserver import PostgresUnavailable, ThrowawayPostgres
from config.settings import PROJECT_ROOT, Settings, load_settings
from embeddings.encoder import Encoder, load_encoder, load_second_encoder

SEEDS_DIR = PROJECT_ROOT / "seeds"
ARTICLE = "article.txt"
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
REALDOCS = PROJECT_ROOT.parent / "shared" / "realdocs"  # real documents and files (CI has it beside us)
CEDICT_SAMPLE = PROJECT_ROOT / "tests" / "data" / "cedict_sample.txt"


def _no_network(*args: Any, **kwargs: Any) -> NoReturn:
    raise OSError("network access is disabled in the tests")


def block_network(mp: pytest.MonkeyPatch) -> None:
    """Make any outgoing connection fail at once and tell Hugging Face libraries to stay offline."""
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("TRANSFORMERS_OFFLINE", "1")
    mp.setattr(socket.socket, "connect", _no_network)
    mp.setattr(socket, "create_connection", _no_network)


def settings_for(docs_dir: Path, index_dir: Path, data_dir: Path) -> Settings:
    """Default settings (ignoring the caller's QABOT_* environment) pointed at test folders."""
    return replace(load_settings(env={}), docs_dir=docs_dir, index_dir=index_dir, data_dir=data_dir)


def copy_index(src: Path, dst: Path) -> None:
    """Copy an index folder (following the version symlink) to a plain folder ``dst``."""
    shutil.copytree(src.resolve(), dst)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block outgoing connections and set HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE for one test."""
    block_network(monkeypatch)


@pytest.fixture
def article_docs(tmp_path: Path) -> Path:
    """A temp copy of seeds/ (the article) that a test may edit."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS_DIR, docs)
    return docs


@pytest.fixture
def article_settings(tmp_path: Path, article_docs: Path) -> Settings:
    """Settings with the default model, a temp copy of seeds/ and temp index/data folders."""
    return settings_for(article_docs, tmp_path / "index", tmp_path / "data")


@pytest.fixture
def fake_settings(article_settings: Settings) -> Settings:
    """``article_settings`` with the deterministic HashingEncoder ("hashing-256") and no second model."""
    embedding = replace(article_settings.embedding, model="hashing-256", second_model="")
    return replace(article_settings, embedding=embedding)


@pytest.fixture
def fake_service(fake_settings: Settings) -> SearchService:
    """A service over the article with the HashingEncoder (builds in about a second)."""
    return open_service(fake_settings)


@pytest.fixture(scope="session")
def sample_glossary() -> Glossary:
    """English → Chinese tables of 25 real CC-CEDICT lines (tests/data/cedict_sample.txt)."""
    return Glossary.parse(CEDICT_SAMPLE.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="session")
def sample_reverse_glossary() -> Glossary:
    """Chinese → English tables of the same sample."""
    return Glossary.parse(CEDICT_SAMPLE.read_text(encoding="utf-8").splitlines(), to_chinese=False)


@pytest.fixture(scope="session")
def real_encoder() -> Iterator[Encoder]:
    """The real default model, loaded once with the network blocked."""
    with pytest.MonkeyPatch.context() as mp:
        block_network(mp)
        encoder = load_encoder(load_settings(env={}).embedding)
    yield encoder


@pytest.fixture(scope="session")
def real_second() -> Iterator[Encoder | None]:
    """The real default second model (fused in by the service), loaded once with the network blocked."""
    with pytest.MonkeyPatch.context() as mp:
        block_network(mp)
        encoder = load_second_encoder(load_settings(env={}).embedding)
    yield encoder


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the session's real-model index (docs: a copy of seeds/). Do not mutate."""
    root = tmp_path_factory.mktemp("real-index")
    shutil.copytree(SEEDS_DIR, root / "docs")
    return settings_for(root / "docs", root / "index", root / "data")


@pytest.fixture(scope="session")
def real_service(
    real_settings: Settings, real_encoder: Encoder, real_second: Encoder | None
) -> SearchService:
    """The article indexed once per session with the real default models."""
    return open_service(real_settings, encoder=real_encoder, second=real_second)


@pytest.fixture
def real_index_copy(tmp_path: Path, real_settings: Settings, real_service: SearchService) -> Settings:
    """Settings over fresh copies of the session's docs and real-model index (safe to mutate)."""
    shutil.copytree(real_settings.docs_dir, tmp_path / "docs")
    copy_index(real_settings.index_dir, tmp_path / "index")
    return settings_for(tmp_path / "docs", tmp_path / "index", tmp_path / "data")


def realdoc(name: str) -> bytes:
    """The bytes of a real file in ../shared/realdocs (files/ or docs/); skips when absent."""
    for folder in ("files", "docs"):
        path = REALDOCS / folder / name
        if path.is_file():
            return path.read_bytes()
    pytest.skip(f"{name} not found in {REALDOCS}")


@pytest.fixture(scope="session")
def dev_cases() -> list[Case]:
    """The shared dev set (../shared/eval/dev.jsonl); tests that need it skip when it is absent."""
    if not DEV_SET.is_file():
        pytest.skip(f"dev set {DEV_SET} not found")
    return read_cases(DEV_SET)


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    """A throwaway PostgreSQL server for the session (initdb + pg_ctl, unprivileged when run
    as root), stopped and deleted afterwards. Without server binaries the PostgreSQL tests
    skip, unless QABOT_REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure."""
    try:
        server = ThrowawayPostgres()
        server.start()
    except PostgresUnavailable as exc:
        if os.environ.get("QABOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here (QABOT_REQUIRE_POSTGRES=1): {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Default settings over temp folders whose state store is SQLite in the data folder, or
    a fresh database on the session's PostgreSQL server: the same tests run on both."""
    settings = settings_for(tmp_path / "docs", tmp_path / "index", tmp_path / "data")
    if request.param == "sqlite":
        return settings
    server: ThrowawayPostgres = request.getfixturevalue("postgres")
    return replace(settings, state=replace(settings.state, database_url=server.new_database()))


BOTAPI_TOKEN = "123456:TEST-token_abcdef"


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    """A fresh loopback Bot API server (token BOTAPI_TOKEN) for one test."""
    async with BotAPIServer(BOTAPI_TOKEN) as srv:
        yield srv


@pytest.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[Bot]:
    """A real python-telegram-bot Bot talking to ``server``."""
    async with Bot(BOTAPI_TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as b:
        yield b


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    real_settings: Settings,
    real_encoder: Encoder,
    real_service: SearchService,
) -> AsyncIterator[Live]:
    """The loopback server plus the real Application and model, one per test module."""
    name = request.module.__name__.removeprefix("test_")
    async with live_bot(tmp_path_factory.mktemp(name), real_settings, real_encoder) as running_bot:
        yield running_bot
