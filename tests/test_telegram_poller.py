"""bot/telegram/poller.py on the real Application, the loopback Bot API and the real state
store (SQLite and PostgreSQL): a polling loop that dies is restarted by its supervisor,
logged at ERROR, /readyz 503 and ``qabot_poller`` 0 while it is down, the poller lock given
back meanwhile — also when getUpdates keeps failing — so another replica polls (two
Applications on one store), and every question still answered once; an empty getUpdates
that comes back at once (a proxy, an emulator ignoring ``timeout``) is followed by a pause,
not by the next call."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from test_telegram_harness import QUESTION, TOKEN, Live, light_bot, light_settings
from test_telegram_received import TIMEOUT, metric

from bot.telegram import build_application, running
from bot.telegram.app import OPS_KEY
from bot.telegram.context import runtime_of
from bot.telegram.poller import FAILURES_TO_YIELD, Poller
from bot.tools.botapi import BotAPIServer, SimUser
from config.settings import Settings
from embeddings import HashingEncoder


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def readyz(live: Live) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(f"http://127.0.0.1:{live.app.bot_data[OPS_KEY].port}/readyz")


def poller_of(live: Live) -> Poller:
    inbox = live.runtime.inbox
    assert inbox is not None
    return inbox.poller


async def lock_is_free(live: Live) -> bool:
    """Whether another replica could take the poller lock now (taken and given back at once)."""
    store = live.runtime.state.store
    other = store.leader_lock(f"poller.{store.bot_id}")
    try:
        return await asyncio.to_thread(other.try_acquire)
    finally:
        await asyncio.to_thread(other.release)


async def test_a_poller_that_dies_is_restarted_and_gives_the_lock_back_meanwhile(
    tmp_path: Path, state_settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with light_bot(tmp_path, state_settings) as live:
        poller, server = poller_of(live), live.server
        expected = (await live.ask(SimUser(id=100), QUESTION))[-1].plain_text
        assert (await readyz(live)).status_code == 200 and not await lock_is_free(live)

        broken = True
        get_updates = poller._get_updates

        async def crashing(offset: int | None) -> list[object]:
            if broken:
                raise RuntimeError("injected: a bug below the polling loop")
            return await get_updates(offset)

        monkeypatch.setattr(poller, "_get_updates", crashing)
        await until(lambda: poller.down is not None, "the poller never went down")
        down = await readyz(live)
        assert down.status_code == 503 and "poller down" in down.text
        assert await metric(live, "qabot_poller") == 0
        assert await lock_is_free(live)  # another replica may poll while this one cannot
        stopped = [line for line in live.logs.lines if "the poller stopped" in line]
        assert stopped and "ERROR" in stopped[0] and "injected" in stopped[0] and "Traceback" in stopped[0]

        uid = server.send_text(SimUser(id=101), QUESTION)
        broken = False
        await until(lambda: poller.restarts >= 1 and poller.down is None and poller.leader, "not restarted")
        assert (await server.wait_for_reply(uid, timeout=TIMEOUT))[-1].plain_text == expected
        assert (await readyz(live)).status_code == 200 and await metric(live, "qabot_poller") == 1

        # getUpdates failing again and again: the lock goes to whoever can poll.
        restarts = poller.restarts
        server.faults.add("getUpdates", "500", times=FAILURES_TO_YIELD)
        await until(lambda: poller.down is not None, "repeated failures never gave the lock up")
        assert "failed" in (poller.down or "") and await lock_is_free(live)
        await until(lambda: poller.restarts > restarts and poller.leader, "not restarted after failures")
        uid = server.send_text(SimUser(id=102), QUESTION)
        assert (await server.wait_for_reply(uid, timeout=TIMEOUT))[-1].plain_text == expected
        await asyncio.sleep(0.5)
        for chat in (100, 101, 102):  # answered once each
            assert [m.plain_text for m in server.messages(chat)] == [expected]


async def test_another_replica_takes_over_when_this_one_cannot_poll(
    tmp_path: Path, state_settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = light_settings(tmp_path, state_settings)  # one store, one index for both
    async with BotAPIServer(TOKEN) as server:
        apps = [build_application(settings, TOKEN, encoder=HashingEncoder(), base_url=server.base_url,
                                  base_file_url=server.base_file_url) for _ in range(2)]
        async with running(apps[0]):
            a = runtime_of(apps[0]).inbox
            assert a is not None
            await until(lambda: a.leader, "a never polled")
            async with running(apps[1]):
                b = runtime_of(apps[1]).inbox
                assert b is not None and not b.leader

                async def crashing(offset: int | None) -> list[object]:
                    raise RuntimeError("injected: a cannot poll")

                monkeypatch.setattr(a.poller, "_get_updates", crashing)
                await until(lambda: b.leader, "b never took the poller lock")
                user = SimUser(id=106)
                replies = await server.wait_for_reply(server.send_text(user, QUESTION), timeout=TIMEOUT)
                assert replies and "¶" in replies[-1].plain_text
                await until(lambda: a.poller.restarts >= 1 and a.poller.down is None, "a not standing by")
                assert not a.leader and b.poller.restarts == 0
                await asyncio.sleep(0.5)
                assert len(server.messages(user.id)) == 1


async def test_a_standby_replica_is_ready_and_polls_once_the_lock_is_free(
    tmp_path: Path, state_settings: Settings,
) -> None:
    async with light_bot(tmp_path, state_settings) as live:
        poller, server = poller_of(live), live.server
        await until(lambda: poller.leader, "never became the poller")
        await poller.release()  # as if it had died: another replica (the test) takes the lock
        store = live.runtime.state.store
        other = store.leader_lock(f"poller.{store.bot_id}")
        assert await asyncio.to_thread(other.try_acquire)
        try:
            await until(lambda: not poller.leader, "kept polling without the lock")
            assert (await readyz(live)).status_code == 200  # a standby is ready
            uid = server.send_text(SimUser(id=103), QUESTION)
        finally:
            await asyncio.to_thread(other.release)
        await server.wait_for_reply(uid, timeout=TIMEOUT)
        assert poller.leader and poller.restarts == 0


async def test_an_empty_get_updates_that_returns_at_once_is_followed_by_a_pause(
    tmp_path: Path, state_settings: Settings,
) -> None:
    async with light_bot(tmp_path, state_settings) as live:
        server = live.server
        await live.ask(SimUser(id=104), QUESTION)
        server.ignore_timeout = True  # every getUpdates answers at once, empty when nothing waits
        since = len(server.calls)
        polls = lambda: [c for c in server.calls[since:] if c.method == "getUpdates"]  # noqa: E731
        await until(lambda: len(polls()) >= 8, "too few getUpdates")
        starts = sorted(c.at for c in polls())
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) >= 0.2, gaps  # at most a few calls a second, never the next one right away
        assert (await live.ask(SimUser(id=105), QUESTION))[-1].plain_text  # still answered
