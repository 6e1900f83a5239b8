"""AsyncState: store calls from asyncio on one worker thread, in order, with ``run_first``
ahead of the queue; errors reach the caller; ``close`` finishes what is queued."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.state import AsyncState, InboxUpdate, open_store
from config.settings import Settings


async def test_calls_run_on_one_thread_in_order_and_urgent_ones_jump_the_queue(
    state_settings: Settings,
) -> None:
    state = AsyncState(open_store(state_settings))
    gate = threading.Event()
    done: list[str] = []
    threads: set[str] = set()

    def step(name: str) -> str:
        if name == "blocker":
            gate.wait(10)
        threads.add(threading.current_thread().name)
        done.append(name)
        return name

    try:
        blocker = asyncio.ensure_future(state.run(step, "blocker"))
        await asyncio.sleep(0.05)  # the worker is inside "blocker" now
        queued = [asyncio.ensure_future(state.run(step, f"n{i}")) for i in range(3)]
        await asyncio.sleep(0.01)
        urgent = asyncio.ensure_future(state.run_first(step, "urgent"))
        await asyncio.sleep(0.01)
        gate.set()
        results = await asyncio.gather(blocker, *queued, urgent)
    finally:
        state.close()
    assert results == ["blocker", "n0", "n1", "n2", "urgent"]
    assert done == ["blocker", "urgent", "n0", "n1", "n2"]
    assert threads == {"qabot-state"}


async def test_errors_reach_the_caller_and_the_worker_goes_on(state_settings: Settings) -> None:
    state = AsyncState(open_store(state_settings))

    def fail() -> None:
        raise ValueError("broken")

    try:
        with pytest.raises(ValueError, match="broken"):
            await state.run(fail)
        with pytest.raises(ValueError, match="broken"):
            await state.run_first(fail)
        assert await state.run(state.store.add_updates, [InboxUpdate(7, 1, "{}")]) == 1
    finally:
        state.close()


async def test_close_finishes_queued_calls_before_closing_the_store(state_settings: Settings) -> None:
    state = AsyncState(open_store(state_settings))
    gate = threading.Event()
    pending = asyncio.ensure_future(state.run(lambda: gate.wait(10)))
    added = asyncio.ensure_future(state.run(state.store.add_updates, [InboxUpdate(8, 1, "{}")]))
    await asyncio.sleep(0.05)
    closing = asyncio.ensure_future(asyncio.to_thread(state.close))
    await asyncio.sleep(0.05)
    assert not closing.done()  # waits for the queued calls
    gate.set()
    await closing
    assert await pending is True
    assert await added == 1
    reopened = open_store(state_settings)
    try:
        assert reopened.last_update_id() == 8
    finally:
        reopened.close()
