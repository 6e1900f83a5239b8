"""The serving SearchService, swapped atomically on reload and closed only when idle.

Questions borrow the current service for the duration of a call; a reload swaps a new one in
at once; the old one is closed after the last question that borrowed it has finished.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.engine.service import SearchService


class NotReady(RuntimeError):
    """No index is loaded yet."""


class ServiceHolder:
    """The current SearchService plus borrow counts so replaced services close when idle."""

    def __init__(self) -> None:
        """Start empty; ``swap`` puts the first service in."""
        self._current: SearchService | None = None
        self._borrowed: dict[int, int] = {}
        self._retired: dict[int, SearchService] = {}

    @property
    def current(self) -> SearchService:
        """The serving service; NotReady before the first one is loaded."""
        if self._current is None:
            raise NotReady("no index loaded")
        return self._current

    @property
    def ready(self) -> bool:
        """Whether a service is serving."""
        return self._current is not None

    @contextmanager
    def borrow(self) -> Iterator[SearchService]:
        """Use the current service; a concurrent swap will not close it under you."""
        service = self.current
        ident = id(service)
        self._borrowed[ident] = self._borrowed.get(ident, 0) + 1
        try:
            yield service
        finally:
            self._borrowed[ident] -= 1
            if not self._borrowed[ident]:
                del self._borrowed[ident]
                retired = self._retired.pop(ident, None)
                if retired is not None:
                    retired.close()

    def swap(self, service: SearchService) -> None:
        """Serve ``service`` from now on; close the previous one once nobody uses it."""
        old, self._current = self._current, service
        if old is None or old is service:
            return
        if self._borrowed.get(id(old)):
            self._retired[id(old)] = old
        else:
            old.close()

    def close(self) -> None:
        """Close the current service (at shutdown)."""
        if self._current is not None:
            self._current.close()
            self._current = None
