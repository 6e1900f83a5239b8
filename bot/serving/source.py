"""Where the published index comes from: the seam between serving and how replicas share it.

Every replica serves the index folder ``index_dir`` on its own disk, a symlink to one
version folder (bot/engine/index/store.py). What differs is how a version another replica
built gets there, and how one built here reaches the others:

- ``FolderSource`` (SQLite, a single machine, or a folder every replica mounts): the
  folders are shared, so a save is already published and there is nothing to fetch; the
  published version is the symlink itself.
- the database source (bot/state/published.py, with PostgreSQL): versions and the documents
  they were built from are kept in the database; ``fetch`` copies the published one into
  the local folders, ``publish`` stores a version built here.

The serving layer (bot/serving/engine.py) calls only this protocol; whoever opens it picks
the source (``bot.state.published.index_source``), so the serving layer imports no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


def local_version(index_dir: Path) -> str:
    """The version folder the index_dir symlink points at ("" when it is not a symlink)."""
    try:
        return str(index_dir.readlink())
    except OSError:
        return ""


class IndexSource(Protocol):
    """Where the published index comes from (all calls block: run them in a worker thread)."""

    def published(self) -> str:
        """The version now published, named as its local folder ("" when none is)."""
        ...

    def prefetch(self) -> None:
        """Download the published version beside the local one without touching what is
        served or the documents, so it needs no lock across replicas (the slow part of
        ``fetch``, done before taking the lock)."""
        ...

    def fetch(self) -> None:
        """Bring the local documents and index folders to the published version (nothing to
        do when they are at it). A failed fetch raises and leaves the local index as it was.
        Called under the lock across replicas."""
        ...

    def publish(self) -> None:
        """Make the index version in the local folder (and the documents it was built from)
        the published one, when it is not already."""
        ...

    def close(self) -> None:
        """Release what it holds open (at shutdown)."""
        ...


@dataclass(frozen=True)
class FolderSource:
    """The folders are shared (or there is one replica): the symlink is the published version."""

    index_dir: Path

    def published(self) -> str:
        """The version the shared symlink points at."""
        return local_version(self.index_dir)

    def prefetch(self) -> None:
        """Nothing to download: the folder is the source."""

    def fetch(self) -> None:
        """Nothing to copy: the folder is the source."""

    def publish(self) -> None:
        """Nothing to send: a save swapped the shared symlink already."""

    def close(self) -> None:
        """Nothing held open."""


__all__ = ["FolderSource", "IndexSource", "local_version"]
