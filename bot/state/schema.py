"""Versioned schema migrations of the state store, the same numbered steps for both backends.

A ``schema_version`` table records every applied step; ``migrate`` applies the missing ones
in order, each in its own transaction, when a store opens (several replicas starting at
once are serialised by the backend: BEGIN IMMEDIATE on SQLite, an advisory lock on
PostgreSQL). A step is SQL both backends understand (BIGINT, DOUBLE PRECISION, TEXT,
partial indexes, natural keys: no AUTOINCREMENT/SERIAL), or backend-specific SQL where
they differ, plus an optional Python step (e.g. importing the votes of the old
feedback.sqlite3). Add a step at the end; never edit an applied one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Python = Callable[[Any], None]  # receives the store (an SqlStore) inside the step's transaction


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    name: str
    sql: str = ""
    sqlite: str | None = None  # replaces ``sql`` on SQLite when given
    postgres: str | None = None  # replaces ``sql`` on PostgreSQL when given
    python: Python | None = None

    def sql_for(self, backend: str) -> str:
        """The SQL of this step on ``backend`` ("sqlite" or "postgresql")."""
        special = self.sqlite if backend == "sqlite" else self.postgres
        return self.sql if special is None else special


VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)
"""

CORE = """
CREATE TABLE inbox (
    update_id BIGINT PRIMARY KEY,
    chat_id BIGINT,
    payload TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'claimed', 'done')),
    claimed_by TEXT,
    claimed_at DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at DOUBLE PRECISION
);
CREATE INDEX inbox_state ON inbox (state, update_id);
CREATE INDEX inbox_chat_open ON inbox (chat_id, update_id) WHERE state <> 'done';
CREATE INDEX inbox_done ON inbox (done_at) WHERE state = 'done';
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE buttons (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX buttons_created ON buttons (created_at);
CREATE TABLE conversations (
    chat_id BIGINT PRIMARY KEY,
    question TEXT NOT NULL,
    cited TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE TABLE rate_events (
    user_id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX rate_events_user ON rate_events (user_id, at);
CREATE TABLE feedback (
    user_id BIGINT NOT NULL,
    answer_key TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (1, -1)),
    question TEXT NOT NULL,
    doc TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    cited TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, answer_key)
);
CREATE INDEX feedback_answer ON feedback (answer_key);
CREATE TABLE question_log (
    update_id BIGINT PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    user_id BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    question TEXT NOT NULL,
    qkey TEXT NOT NULL,
    status TEXT NOT NULL,
    cited TEXT NOT NULL,
    ms DOUBLE PRECISION NOT NULL,
    answer_key TEXT
);
CREATE INDEX question_log_at ON question_log (at);
CREATE INDEX question_log_answer ON question_log (answer_key);
"""

TEACHINGS = """
CREATE TABLE teachings (
    id TEXT PRIMARY KEY,
    qkey TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    doc TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    paragraph_hash TEXT NOT NULL,
    sentence TEXT NOT NULL,
    not_covered INTEGER NOT NULL,
    taught_by TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE TABLE choices (
    user_id BIGINT NOT NULL,
    answer_key TEXT NOT NULL,
    question TEXT NOT NULL,
    doc TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    paragraph_hash TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, answer_key)
);
CREATE INDEX choices_at ON choices (at);
ALTER TABLE feedback ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN paragraph_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE question_log ADD COLUMN cited_hashes TEXT NOT NULL DEFAULT ''
"""


# Version 4: what belongs to one bot is keyed by the bot (the id before the token's colon),
# so a second bot on the same data folder is not taken for duplicates of the first (its
# update_ids start at 1 too). Rows written before get bot_id 0; the inbox adopts them.
# inbox_new keeps a claim from walking the bot's finished rows (the primary key's order).
PER_BOT_SQLITE = """
CREATE TABLE inbox_v4 (
    bot_id BIGINT NOT NULL DEFAULT 0,
    update_id BIGINT NOT NULL,
    chat_id BIGINT,
    payload TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'claimed', 'done')),
    claimed_by TEXT,
    claimed_at DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at DOUBLE PRECISION,
    PRIMARY KEY (bot_id, update_id)
);
INSERT INTO inbox_v4 (update_id, chat_id, payload, received_at, state, claimed_by, claimed_at,
    attempts, done_at) SELECT update_id, chat_id, payload, received_at, state, claimed_by,
    claimed_at, attempts, done_at FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_v4 RENAME TO inbox;
CREATE INDEX inbox_state ON inbox (state, update_id);
CREATE INDEX inbox_new ON inbox (bot_id, update_id) WHERE state = 'new';
CREATE INDEX inbox_chat_open ON inbox (bot_id, chat_id, update_id) WHERE state <> 'done';
CREATE INDEX inbox_done ON inbox (done_at) WHERE state = 'done';
CREATE TABLE question_log_v4 (
    bot_id BIGINT NOT NULL DEFAULT 0,
    update_id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    user_id BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    question TEXT NOT NULL,
    qkey TEXT NOT NULL,
    status TEXT NOT NULL,
    cited TEXT NOT NULL,
    ms DOUBLE PRECISION NOT NULL,
    answer_key TEXT,
    PRIMARY KEY (bot_id, update_id)
);
INSERT INTO question_log_v4 (update_id, at, user_id, chat_id, question, qkey, status, cited, ms,
    answer_key) SELECT update_id, at, user_id, chat_id, question, qkey, status, cited, ms,
    answer_key FROM question_log;
DROP TABLE question_log;
ALTER TABLE question_log_v4 RENAME TO question_log;
CREATE INDEX question_log_at ON question_log (at);
CREATE INDEX question_log_answer ON question_log (answer_key);
CREATE TABLE conversations_v4 (
    bot_id BIGINT NOT NULL DEFAULT 0,
    chat_id BIGINT NOT NULL,
    question TEXT NOT NULL,
    cited TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bot_id, chat_id)
);
INSERT INTO conversations_v4 (chat_id, question, cited, at, answer)
    SELECT chat_id, question, cited, at, answer FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_v4 RENAME TO conversations
"""
PER_BOT_POSTGRES = """
ALTER TABLE inbox ADD COLUMN bot_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inbox DROP CONSTRAINT inbox_pkey;
ALTER TABLE inbox ADD PRIMARY KEY (bot_id, update_id);
CREATE INDEX inbox_new ON inbox (bot_id, update_id) WHERE state = 'new';
DROP INDEX inbox_chat_open;
CREATE INDEX inbox_chat_open ON inbox (bot_id, chat_id, update_id) WHERE state <> 'done';
ALTER TABLE question_log ADD COLUMN bot_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE question_log DROP CONSTRAINT question_log_pkey;
ALTER TABLE question_log ADD PRIMARY KEY (bot_id, update_id);
ALTER TABLE conversations ADD COLUMN bot_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations DROP CONSTRAINT conversations_pkey;
ALTER TABLE conversations ADD PRIMARY KEY (bot_id, chat_id)
"""

# Version 6: the published index in the database, so replicas share no folder
# (bot/state/published.py, blobs.py). PostgreSQL only: with SQLite the bot runs on one machine
# and its folders are the source, so SQLite gets no tables it would never read. The chunks are
# stored uncompressed (STORAGE EXTERNAL): float arrays do not compress, and reading them back
# skips the decompression.
PUBLISHED_POSTGRES = """
CREATE TABLE blob_chunks (
    blob TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (blob, seq)
);
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE index_versions (
    version TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    published_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE index_files (
    version TEXT NOT NULL REFERENCES index_versions (version) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('index', 'docs')),
    name TEXT NOT NULL,
    blob TEXT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (version, kind, name)
);
CREATE INDEX index_files_blob ON index_files (blob)
"""


# Version 7: an update that could not be parsed (a field missing, a type this python-telegram-bot
# does not know) is kept as received, done at once, with the reason: admins see them in /stats
# and `qabot report`; the purge keeps them as long as the question log.
UNPARSABLE = """
ALTER TABLE inbox ADD COLUMN unparsable TEXT;
CREATE INDEX inbox_unparsable ON inbox (bot_id, received_at) WHERE unparsable IS NOT NULL
"""


def _import_legacy_feedback(store: Any) -> None:
    from bot.state.legacy import import_feedback

    import_feedback(store)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "inbox, replicas, buttons, conversations, rate limits, feedback, question log", CORE),
    Migration(2, "votes of the old data_dir/feedback.sqlite3", python=_import_legacy_feedback),
    Migration(3, "conversations keep the answer given (a follow-up prefers new information)",
              "ALTER TABLE conversations ADD COLUMN answer TEXT NOT NULL DEFAULT ''"),
    Migration(4, "inbox, question log and conversations keyed by the bot (one data folder, several bots)",
              PER_BOT_SQLITE, postgres=PER_BOT_POSTGRES),
    Migration(5, "teachings (wordings linked to a paragraph by content hash), choices, 👎 reasons",
              TEACHINGS),
    Migration(6, "the published index: versions, their files, chunked checksummed blobs (PostgreSQL)",
              PUBLISHED_POSTGRES, sqlite=""),
    Migration(7, "updates that could not be parsed are kept, done, with the reason", UNPARSABLE),
)
LATEST = MIGRATIONS[-1].version


class SchemaError(RuntimeError):
    """The database cannot be used with this version of qabot; the message says why."""


def check_version(current: int, backend: str) -> None:
    """Refuse a database written by a newer qabot (its schema may mean something else)."""
    if current > LATEST:
        raise SchemaError(
            f"the {backend} state database has schema version {current}, newer than this "
            f"qabot knows ({LATEST}); upgrade qabot or point QABOT_DATABASE_URL elsewhere"
        )


def statements(sql: str) -> list[str]:
    """The statements of a migration script (split on ';' at line ends; no ';' in literals)."""
    parts = (part.strip().rstrip(";").strip() for part in sql.split(";\n"))
    return [part for part in parts if part]
