"""Marking an update done the moment its reply is confirmed (bot/telegram/replied.py):
through the lane at most ``replies_in_flight`` updates are ever sent but not marked; a
failed send marks nothing; outside an update being answered nothing is marked."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.replied import CURRENT, Pending, final_reply


@pytest.mark.parametrize("width", [1, 3])
async def test_at_most_the_lane_width_is_ever_sent_but_not_done(width: int) -> None:
    lane = asyncio.Semaphore(width)
    unmarked: set[int] = set()
    worst = 0

    async def mark(update_id: int) -> bool:
        await asyncio.sleep(0.001)  # the commit
        unmarked.discard(update_id)
        return True

    async def answer(update_id: int) -> bool:
        nonlocal worst
        pending = Pending(update_id, mark, lane)
        CURRENT.set(pending)
        await asyncio.sleep(0.001 * (update_id % 3))
        async with final_reply():
            await asyncio.sleep(0.001)  # the sendMessage round trip
            unmarked.add(update_id)  # Telegram has it now
            worst = max(worst, len(unmarked))
        return pending.done

    done = await asyncio.gather(*(asyncio.create_task(answer(i)) for i in range(30)))
    assert all(done) and not unmarked
    assert worst == 1 if width == 1 else 1 < worst <= width


async def test_a_failed_send_marks_nothing_and_no_update_means_no_mark() -> None:
    marked: list[int] = []

    async def mark(update_id: int) -> bool:
        marked.append(update_id)
        return True

    async def failing() -> Pending:
        pending = Pending(7, mark, asyncio.Semaphore(1))
        CURRENT.set(pending)
        with pytest.raises(ConnectionError):
            async with final_reply():
                raise ConnectionError("dropped")
        return pending

    pending = await asyncio.create_task(failing())
    assert not pending.done and marked == []
    async with final_reply():  # not inside an update being answered
        pass
    assert marked == []
