"""ServiceHolder: swaps are atomic and a replaced service closes only when idle."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bot.engine.service import SearchService
from bot.serving.holder import NotReady, ServiceHolder
from bot.telegram.runtime import Stats


class FakeService:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _svc() -> Any:
    return cast(SearchService, FakeService())


def test_not_ready_until_first_swap() -> None:
    holder = ServiceHolder()
    assert not holder.ready
    with pytest.raises(NotReady):
        _ = holder.current
    first = _svc()
    holder.swap(first)
    assert holder.ready and holder.current is first


def test_idle_old_service_closes_at_swap() -> None:
    holder, old, new = ServiceHolder(), _svc(), _svc()
    holder.swap(old)
    holder.swap(new)
    assert old.closed and not new.closed


def test_borrowed_service_closes_after_last_borrower() -> None:
    holder, old, new = ServiceHolder(), _svc(), _svc()
    holder.swap(old)
    with holder.borrow() as a, holder.borrow() as b:
        assert a is old and b is old
        holder.swap(new)
        assert holder.current is new and not old.closed
    assert old.closed and not new.closed
    holder.close()
    assert new.closed and not holder.ready


def test_uptime_format() -> None:
    stats = Stats(started=0.0)
    assert ":" in stats.uptime()
