"""Files kept in PostgreSQL as chunked, checksummed blobs (for the published index, published.py).

A blob is named by the sha256 of its bytes and stored as rows of ``blob_chunks`` (blob, seq,
sha256 of the chunk, data) of CHUNK bytes each; ``send`` stores a file's blob unless it is
there already, ``receive`` writes one back to a file through a temporary name, checking the
order of the chunks, each chunk's sha256, the size and the sha256 of the whole before the
rename: a damaged blob raises FetchError and leaves the file as it was.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bot.engine.documents.temporary import temporary

CHUNK = 4 << 20  # bytes per row: a fetch holds about two chunks in memory at a time
READ = 1 << 20


class FetchError(RuntimeError):
    """A blob read from the database fails its checksum (or is incomplete); the message says which."""


@dataclass(frozen=True)
class Entry:
    """One file of a published version: where it goes (``kind``: "index" or "docs"), its
    name, its blob (the sha256 of its bytes) and its size."""

    kind: str
    name: str
    blob: str
    size: int


def file_sha256(path: Path) -> str:
    """The sha256 of the file at ``path`` (hex), read in pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while piece := fh.read(READ):
            digest.update(piece)
    return digest.hexdigest()


def send(conn: psycopg.Connection[Any], kind: str, path: Path) -> Entry:
    """Store the file at ``path`` as a blob (nothing when the same bytes are stored already)."""
    entry = Entry(kind, path.name, file_sha256(path), path.stat().st_size)
    if conn.execute("SELECT 1 FROM blob_chunks WHERE blob = %s AND seq = 0", (entry.blob,)).fetchone():
        return entry
    with path.open("rb") as fh, conn.cursor() as cur:
        seq = 0
        while True:
            data = fh.read(CHUNK)
            if seq and not data:
                break
            cur.execute("INSERT INTO blob_chunks (blob, seq, sha256, data) VALUES (%s, %s, %s, %s)"
                        " ON CONFLICT DO NOTHING", (entry.blob, seq, hashlib.sha256(data).hexdigest(), data))
            seq += 1
            if len(data) < CHUNK:
                break
    return entry


def receive(conn: psycopg.Connection[Any], entry: Entry, path: Path, durable: bool = True) -> None:
    """Write the blob of ``entry`` to ``path`` (atomically, checked); ``conn`` must be inside a
    transaction (a blob of several chunks is read through a server-side cursor, two chunks at
    a time). ``durable``: fsync before the rename (False for a file every fetch checks again,
    as the documents are: a file a crash left short is fetched anew)."""
    token = secrets.token_hex(4)
    tmp = temporary(path)
    whole, size, expected = hashlib.sha256(), 0, 0
    query = "SELECT seq, sha256, data FROM blob_chunks WHERE blob = %s ORDER BY seq"
    cursor: psycopg.Cursor[Any] | psycopg.ServerCursor[Any]
    if entry.size > CHUNK:
        cursor = conn.cursor(f"blob_{token}", binary=True)
        cursor.itersize = 2
    else:
        cursor = conn.cursor(binary=True)
    try:
        with tmp.open("wb") as out, cursor as cur:
            cur.execute(query, (entry.blob,))
            for seq, digest, data in cur:
                if seq != expected or hashlib.sha256(data).hexdigest() != digest:
                    raise FetchError(f"{entry.kind}/{entry.name}: chunk {seq} of blob {entry.blob[:12]}"
                                     " fails its checksum")
                whole.update(data)
                out.write(data)
                size += len(data)
                expected += 1
            out.flush()
            if durable:
                os.fsync(out.fileno())
        if not expected or size != entry.size or whole.hexdigest() != entry.blob:
            raise FetchError(f"{entry.kind}/{entry.name}: blob {entry.blob[:12]} is incomplete or damaged"
                             f" ({expected} chunks, {size} of {entry.size} bytes)")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = ["CHUNK", "Entry", "FetchError", "file_sha256", "receive", "send"]
