"""State that outlives one message, and the store that keeps it.

The layer beside serving, between the engine and the transports: the engine is stateless per question.
``open_store(settings)`` gives the state store: SQLite in the data folder by default,
PostgreSQL when ``[state] database_url`` / QABOT_DATABASE_URL is set (several replicas then
share it). It holds the inbox of updates, button state, conversation context, rate limits,
👍/👎, the question log and what admins taught, behind one interface (``SqlStore``) with versioned migrations.
With PostgreSQL it also keeps the published index versions and their documents
(published.py: the database side of serving's ``IndexSource``), so replicas share no folder.
``Conversations`` is the in-memory per-chat context of the console chat.
"""

from __future__ import annotations

from bot.engine.types import Teaching
from bot.state.aio import AsyncState
from bot.state.base import bot_id_of
from bot.state.conversation import Conversations
from bot.state.records import (
    Claimed,
    Feedback,
    Gap,
    InboxUpdate,
    LogEntry,
    LoggedQuestion,
    TeachingRecord,
    Unparsable,
)
from bot.state.sql import Lock, SqlStore
from bot.state.sqlite import FILE_NAME
from config.settings import Settings


def open_store(settings: Settings, bot_id: int = 0) -> SqlStore:
    """The configured store, connected and migrated to the latest schema, reading and writing
    the per-bot state of ``bot_id`` (``bot_id_of`` the token; 0 for tools that need no bot)."""
    store = _open(settings)
    store.bot_id = bot_id
    return store


def configured(settings: Settings) -> bool:
    """Whether a state store is configured and exists (PostgreSQL, or the SQLite file)."""
    return bool(settings.state.database_url.strip()) or (settings.data_dir / FILE_NAME).exists()


def read_taught(settings: Settings) -> tuple[Teaching, ...]:
    """What is taught in the configured store (nothing when there is no store yet)."""
    if not configured(settings):
        return ()
    store = open_store(settings)
    try:
        return store.taught()
    finally:
        store.close()


def _open(settings: Settings) -> SqlStore:
    url = settings.state.database_url.strip()
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "[state] database_url / QABOT_DATABASE_URL must be a postgresql://user@host:port/db "
                "URL (leave it empty for SQLite in the data folder)"
            )
        from bot.state.postgres import PostgresStore

        return PostgresStore(url, legacy_dir=settings.data_dir)
    from bot.state.sqlite import SqliteStore

    return SqliteStore(settings.data_dir)


__all__ = [
    "AsyncState", "Claimed", "Conversations", "Feedback", "Gap", "InboxUpdate", "Lock",
    "LogEntry", "LoggedQuestion", "SqlStore", "TeachingRecord", "Unparsable", "bot_id_of", "configured",
    "open_store", "read_taught",
]
