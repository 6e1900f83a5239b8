"""The published index kept in PostgreSQL, so that replicas need no shared folder.

    source = index_source(settings)   # DatabaseSource with QABOT_DATABASE_URL, else FolderSource
    source.publish()                  # the local index version + its documents → the database
    source.fetch()                    # the published version → this replica's own folders

A version is the index folder's files and the documents folder's files it was built from
(the catalogue of who added what included), listed in ``index_files`` with the sha256 of
that list, and numbered in the order published (by the database, not by the clocks of the
replicas' machines). Every file is a blob named by the sha256 of its bytes and cut into chunks of
CHUNK bytes, each with its own sha256 (blobs.py); a file unchanged since an earlier version
is not stored twice. A publication and its pruning (the versions beyond KEEP, then the
blobs no kept version lists) are one transaction, serialised by a transaction lock.

A fetch reads the newest version in one REPEATABLE READ transaction: a prune committed
meanwhile does not take rows from under it (its snapshot keeps them). The index files are
written into a hidden folder beside index_dir, every chunk and file checked, then renamed
into the version folder and the symlink swapped (bot/engine/index/store.py ``install``); a
mismatch raises before the swap, so the served version stays as it was. The documents
folder becomes a cache of the version's documents: files are written atomically, others
removed.

PostgreSQL only (migration 6): with SQLite the bot runs on one machine, whose folders are
the source (bot/serving/source.py ``FolderSource``).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg

from bot.engine.documents.temporary import is_temporary
from bot.engine.index.store import install
from bot.serving.source import FolderSource, IndexSource, local_version
from bot.state.blobs import Entry, FetchError, file_sha256, receive, send
from bot.state.postgres import connect, lock_key
from config.settings import Settings

KEEP = 3  # published versions kept in the database (the newest first)
NEWEST = "SELECT version, sha256 FROM index_versions ORDER BY number DESC LIMIT 1"


def index_source(settings: Settings) -> IndexSource:
    """Where this replica's published index comes from: the database when the state store is
    PostgreSQL ([state] database_url / QABOT_DATABASE_URL), else the index folder itself."""
    url = settings.state.database_url.strip()
    if url:
        return DatabaseSource(url, settings.index_dir, settings.docs_dir)
    return FolderSource(settings.index_dir)


def version_digest(entries: Iterable[Entry]) -> str:
    """The sha256 of a version's file list (checked by every fetch)."""
    lines = sorted(f"{e.kind}/{e.name} {e.blob} {e.size}" for e in entries)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def document_files(folder: Path) -> list[Path]:
    """The files of a documents folder a version carries: every file but temporary ones."""
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir())
            if p.is_file() and not is_temporary(p.name)]


class DatabaseSource:
    """Index versions and documents in the PostgreSQL database at ``url``; this replica's
    ``index_dir`` and ``docs_dir`` are its local cache of the published one (should replicas
    still share them, a download tolerates another placing the same version first)."""

    def __init__(self, url: str, index_dir: Path, docs_dir: Path) -> None:
        self.url, self.index_dir, self.docs_dir = url, index_dir, docs_dir
        self._conn: psycopg.Connection[Any] | None = None  # for ``published``, asked every second
        self._lock = threading.Lock()

    def published(self) -> str:
        """The newest version in the database, as its local folder name ("" when none)."""
        with self._lock:
            try:
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = connect(self.url)
                row = self._conn.execute(NEWEST).fetchone()
            except psycopg.Error:
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                raise
        return self._folder(str(row[0])) if row else ""

    def prefetch(self) -> None:
        """Download the newest version's index folder beside index_dir (nothing when it is
        there); the symlink and the documents stay as they are."""
        self._newest(documents=False)

    def fetch(self) -> None:
        """Make the local folders hold the newest version (nothing when they do, or when
        nothing is published yet)."""
        self._newest(documents=True)

    def _newest(self, documents: bool) -> None:
        with connect(self.url) as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute(NEWEST).fetchone()
            if row is None:
                return
            version, digest = str(row[0]), str(row[1])
            cur = conn.execute("SELECT kind, name, blob, size FROM index_files WHERE version = %s"
                               " ORDER BY kind, name", (version,))
            entries = [Entry(str(k), str(n), str(b), int(s)) for k, n, b, s in cur.fetchall()]
            if version_digest(entries) != digest:
                raise FetchError(f"index version {version}: its file list fails its checksum")
            target = self.index_dir.parent / self._folder(version)
            if not target.is_dir():
                self._fetch_index(conn, [e for e in entries if e.kind == "index"], target)
            if documents:
                self._sync_documents(conn, [e for e in entries if e.kind == "docs"])
                if local_version(self.index_dir) != target.name:
                    install(self.index_dir, target)

    def publish(self) -> None:
        """Store the local index version and the documents folder as the newest version
        (nothing when it is stored already, or when there is no local version), then prune."""
        version = self._version(local_version(self.index_dir))
        if not version:
            return
        folder = self.index_dir.parent / self._folder(version)
        files = [("index", p) for p in sorted(folder.iterdir()) if p.is_file()]
        files += [("docs", p) for p in document_files(self.docs_dir)]
        with connect(self.url) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("published index"),))
            if conn.execute("SELECT 1 FROM index_versions WHERE version = %s", (version,)).fetchone():
                return
            entries = [send(conn, kind, path) for kind, path in files]
            conn.execute("INSERT INTO index_versions (version, number, sha256, published_at) SELECT %s,"
                         " COALESCE(MAX(number), 0) + 1, %s, %s FROM index_versions",
                         (version, version_digest(entries), time.time()))
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO index_files (version, kind, name, blob, size)"
                                " VALUES (%s, %s, %s, %s, %s)",
                                [(version, e.kind, e.name, e.blob, e.size) for e in entries])
            prune(conn)

    def close(self) -> None:
        """Close the connection ``published`` asks on."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    def _fetch_index(self, conn: psycopg.Connection[Any], entries: list[Entry], target: Path) -> None:
        tmp = target.parent / f".{target.name}.fetch-{time.time_ns()}"
        tmp.mkdir(parents=True)
        try:
            for entry in entries:
                receive(conn, entry, tmp / entry.name)
            try:
                tmp.rename(target)
            except OSError:
                if not target.is_dir():  # else another replica sharing the folder fetched it first
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _sync_documents(self, conn: psycopg.Connection[Any], entries: list[Entry]) -> None:
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            path = self.docs_dir / entry.name
            if not path.is_file() or path.stat().st_size != entry.size or file_sha256(path) != entry.blob:
                receive(conn, entry, path, durable=False)  # checked again by every fetch
        wanted = {e.name for e in entries}
        for path in document_files(self.docs_dir):
            if path.name not in wanted:
                path.unlink(missing_ok=True)

    def _folder(self, version: str) -> str:
        """The local folder of ``version`` (beside index_dir, as store.save names them)."""
        return f"{self.index_dir.name}.{version}"

    def _version(self, folder: str) -> str:
        """The version a local folder holds ("" when ``folder`` is no version folder)."""
        prefix = f"{self.index_dir.name}."
        return folder[len(prefix):] if folder.startswith(prefix) else ""


def prune(conn: psycopg.Connection[Any], keep: int = KEEP) -> None:
    """Drop the versions beyond the newest ``keep`` and the blobs no kept version lists
    (inside the publishing transaction; a fetch under way keeps its snapshot)."""
    conn.execute("DELETE FROM index_versions WHERE version NOT IN (SELECT version FROM index_versions"
                 " ORDER BY number DESC LIMIT %s)", (keep,))
    conn.execute("DELETE FROM blob_chunks c WHERE NOT EXISTS"
                 " (SELECT 1 FROM index_files f WHERE f.blob = c.blob)")


__all__ = [
    "KEEP", "DatabaseSource", "FetchError", "document_files", "index_source", "prune", "version_digest",
]
