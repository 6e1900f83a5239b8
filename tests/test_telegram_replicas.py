"""Replicas on one PostgreSQL database, end to end.

Two real `qabot serve` processes share the documents, the index folder and the database
(with PostgreSQL the published index goes through the database all the same):
one polls, both answer; the poller killed mid-burst loses nothing and doubles at most one
answer (one reply in flight per replica, [state] replies_in_flight), the other takes over
polling within seconds with at most a handful of getUpdates conflicts; a button under an
answer of the dead replica works on the other; an upload handled by one reaches the other
within 10 s. A replica stopped with SIGTERM mid-burst finishes what it holds, hands the
rest back at once (no lease waited out) and exits by itself: nothing lost, nothing
doubled. Replicas with folders of their own and only the database in common: an upload on
one is answered by the other within 10 s, and one started later answers from the current
version. And in webhook mode any replica may receive an update (two Applications in this
process, one endpoint each).
"""

from __future__ import annotations

import asyncio
import collections
import shutil
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest
from conftest import ARTICLE, settings_for
from test_telegram_documents import final_text
from test_telegram_harness import QUESTION

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from loadkit import Question, Tracker, questions
from servekit import (
    Folders,
    ServeProcess,
    all_done,
    burst_and_kill,
    exactly_once,
    shared_folders,
    start_serve,
)

from bot.engine.documents.folder import added_by
from bot.engine.service import SearchService
from bot.state import open_store
from bot.telegram import ALLOWED_UPDATES, build_application, running
from bot.telegram.webhook import webhook_options
from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.pgserver import ThrowawayPostgres
from config.settings import PROJECT_ROOT, Settings
from embeddings import HashingEncoder

pytestmark = pytest.mark.slow
TOKEN = "7000000666:REPLICA-secret_token"
ADMIN = SimUser(id=9001, first_name="管理员", username="admin")
TIMEOUT = 180.0
NEW_DOC = "长者食堂.txt"
NEW_TEXT = "幸福里社区长者食堂每天中午供应一百二十份午餐。\n\n长者食堂的午餐每份补贴八元。\n"


@dataclass
class Pair:
    """Two `qabot serve` replicas on one database: ``a`` answered ``first`` alone, then ``b``
    started. ``start`` starts more; every one started is stopped at the end."""

    server: BotAPIServer
    tracker: Tracker
    folders: Folders
    url: str
    users: list[SimUser]
    first: Question
    started: list[ServeProcess] = field(default_factory=list)

    @property
    def a(self) -> ServeProcess:
        return self.started[0]

    @property
    def b(self) -> ServeProcess:
        return self.started[1]

    async def start(self, name: str) -> ServeProcess:
        process = await start_serve(self.server.base_url, TOKEN, self.folders, name=name,
                                    database_url=self.url)
        self.started.append(process)
        return process


@asynccontextmanager
async def two_replicas(
    tmp_path: Path, real_settings: Settings, postgres: ThrowawayPostgres, first_user: int
) -> AsyncIterator[Pair]:
    """Replicas a and b sharing copies of the real documents and index, ten users."""
    folders = shared_folders(tmp_path, real_settings.docs_dir, real_settings.index_dir)
    users = [SimUser(id=first_user + i, first_name=f"用户{i}") for i in range(10)]
    async with BotAPIServer(TOKEN) as server:
        with Tracker(server) as tracker:
            first = tracker.ask(users[0], QUESTION)
            pair = Pair(server, tracker, folders, postgres.new_database(), users, first)
            try:
                await pair.start("a")
                await asyncio.wait_for(pair.first.done.wait(), TIMEOUT)  # b is not running yet
                await pair.start("b")
                yield pair
            finally:
                for process in pair.started:
                    await process.stop()


async def test_two_replicas_survive_the_poller_being_killed(
    tmp_path: Path, real_settings: Settings, real_service: SearchService, postgres: ThrowawayPostgres
) -> None:
    pool = questions()
    async with two_replicas(tmp_path, real_settings, postgres, 6000) as pair:
        a, b, users, server, tracker = pair.a, pair.b, pair.users, pair.server, pair.tracker
        assert "polls Telegram now" in a.log_text() and "polls Telegram now" not in b.log_text()
        burst, killed_at = await burst_and_kill(tracker, a, users, pool, 30)
        more = [tracker.ask(users[i % 10], pool[(30 + i) % len(pool)]) for i in range(10)]
        asked = [pair.first, *burst, *more]
        await all_done(asked, TIMEOUT)
        chats = dict(collections.Counter(q.chat_id for q in asked))
        outcome = exactly_once(server.calls, chats, killed_at)
        assert outcome.lost == 0, (outcome, b.tail())
        assert outcome.doubled == outcome.doubled_in_window <= 1, outcome  # replies_in_flight
        polls = [c for c in server.calls if c.method == "getUpdates"]
        resumed = min(c.at for c in polls if c.at > killed_at and c.status == 200)
        assert resumed - killed_at < 5.0  # b polls within seconds of a's death
        assert sum(c.status == 409 for c in polls) <= 3  # no 409 storm
        assert "polls Telegram now" in b.log_text()

        # A button under a's answer, pressed now that only b runs.
        answer = next(m for m in server.messages(users[0].id) if m.buttons())
        uid = server.press_button(users[0], answer, dict(answer.buttons())["更多段落"])
        (page,) = await server.wait_for_reply(uid, timeout=60)
        assert "¶" in page.plain_text and "过期" not in page.plain_text

        # An upload handled by one replica reaches the other within 10 s.
        a = await pair.start("a2")
        await upload_reaches_the_other(server, a, b)
        await ask_the_new_document(server, users[:6])
        for process in (a, b):
            assert "Traceback" not in process.log_text(), process.tail()


async def test_sigterm_mid_burst_loses_and_doubles_nothing_and_the_other_replica_goes_on(
    tmp_path: Path, real_settings: Settings, real_service: SearchService, postgres: ThrowawayPostgres
) -> None:
    pool = questions()
    async with two_replicas(tmp_path, real_settings, postgres, 6500) as pair:
        a, b, users, tracker = pair.a, pair.b, pair.users, pair.tracker
        burst = [tracker.ask(users[i % 10], pool[i % len(pool)]) for i in range(30)]
        while sum(bool(q.answers) for q in burst) < 3:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        await a.stop(timeout=60)  # SIGTERM; SIGKILL only if it hangs
        stopped_at = time.monotonic()
        more = [tracker.ask(users[i % 10], pool[(30 + i) % len(pool)]) for i in range(10)]
        asked = [pair.first, *burst, *more]
        await all_done(asked, TIMEOUT)
        chats = dict(collections.Counter(q.chat_id for q in asked))
        outcome = exactly_once(pair.server.calls, chats, stopped_at)
        assert outcome.lost == 0 and outcome.doubled == 0, (outcome, b.tail())
        assert a.proc.returncode == 0, a.tail()  # exited by itself within the grace time
        log = a.log_text()
        assert log.index("draining: not ready") < log.index("stopped"), a.tail()
        assert "took over" not in b.log_text()  # nothing waited out a lease
        assert "polls Telegram now" in b.log_text()


async def upload_reaches_the_other(
    server: BotAPIServer, a: ServeProcess, b: ServeProcess
) -> tuple[ServeProcess, ServeProcess]:
    """The admin uploads NEW_DOC; one replica adds it, the other serves the new version
    within 10 s of the reply. Returns (the one that built it, the other)."""
    marks = {p.name: len(p.log_text()) for p in (a, b)}
    uid = server.send_document(ADMIN, NEW_DOC, NEW_TEXT.encode())
    (status, *_) = await server.wait_for_reply(uid, timeout=TIMEOUT)
    assert f"已添加文件“{NEW_DOC}”" in await final_text(server, status)
    replied = time.monotonic()
    builder, follower = (a, b) if "reloaded:" in a.log_text()[marks[a.name]:] else (b, a)
    assert "reloaded:" in builder.log_text()[marks[builder.name]:]
    seen = await follower.wait_for_log("now serving index", 10.0, since=marks[follower.name])
    assert seen - replied <= 10.0
    return builder, follower


async def ask_the_new_document(server: BotAPIServer, users: list[SimUser]) -> None:
    """Each user asks what only NEW_DOC says, and is answered from it."""
    asks = [server.send_text(u, "幸福里社区长者食堂每天中午供应多少份午餐？") for u in users]
    for uid in asks:
        (msg,) = await server.wait_for_reply(uid, timeout=60)
        assert "一百二十" in msg.plain_text and NEW_DOC in msg.plain_text


async def test_replicas_with_only_the_database_share_no_folder(
    tmp_path: Path, real_settings: Settings, real_service: SearchService, postgres: ThrowawayPostgres
) -> None:
    """a has the documents and index; b and, later, c have nothing but QABOT_DATABASE_URL and
    empty folders of their own: they fetch the published version from the database."""
    url = postgres.new_database()
    own = {"a": shared_folders(tmp_path / "a", real_settings.docs_dir, real_settings.index_dir)}
    own |= {n: Folders(tmp_path / n / "docs", tmp_path / n / "index", tmp_path / n / "data") for n in "bc"}
    users = [SimUser(id=8000 + i, first_name=f"用户{i}") for i in range(6)]
    started: list[ServeProcess] = []

    async def start(name: str) -> ServeProcess:
        started.append(await start_serve(server.base_url, TOKEN, own[name], name=name, database_url=url))
        return started[-1]

    async with BotAPIServer(TOKEN) as server:
        try:
            a = await start("a")  # publishes its version: the database had none
            b = await start("b")  # fetches it
            assert (own["b"].docs / ARTICLE).read_bytes() == (own["a"].docs / ARTICLE).read_bytes()
            assert own["b"].index.resolve().name == own["a"].index.resolve().name

            builder, follower = await upload_reaches_the_other(server, a, b)
            await builder.stop()  # from now on only the other replica answers
            await ask_the_new_document(server, users[:3])
            assert (own[follower.name].docs / NEW_DOC).read_text(encoding="utf-8") == NEW_TEXT
            assert NEW_DOC in added_by(own[follower.name].docs)  # who added it, for /docs there

            await start("c")  # started later, from nothing: serves the current version
            await follower.stop()
            assert (own["c"].docs / NEW_DOC).is_file()
            await ask_the_new_document(server, users[3:])
            for process in started:
                assert "Traceback" not in process.log_text(), process.tail()
        finally:
            for process in started:
                await process.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_any_replica_may_receive_the_webhook(tmp_path: Path, postgres: ThrowawayPostgres) -> None:
    state_settings = settings_for(tmp_path / "docs", tmp_path / "index", tmp_path / "data")
    shared = replace(state_settings.state, database_url=postgres.new_database())
    state_settings = replace(state_settings, state=shared)
    shutil.copytree(PROJECT_ROOT / "seeds", state_settings.docs_dir)
    embedding = replace(state_settings.embedding, model="hashing-256", second_model="")
    base = replace(state_settings, embedding=embedding)
    users = [SimUser(id=7000 + i) for i in range(6)]
    async with BotAPIServer(TOKEN) as server:
        apps, hooks = [], []
        for _ in range(2):
            tg = replace(base.telegram, mode="webhook", webhook_url="https://bot.example.org/hook",
                         webhook_port=_free_port())
            settings = replace(base, telegram=tg)
            app = build_application(settings, TOKEN, encoder=HashingEncoder(), base_url=server.base_url)
            apps.append(app)
            hooks.append(webhook_options(settings, TOKEN))
        async with running(apps[0], allowed_updates=ALLOWED_UPDATES, webhook=hooks[0]), running(
            apps[1], allowed_updates=ALLOWED_UPDATES, webhook=hooks[1]
        ):
            assert len([c for c in server.calls if c.method == "setWebhook"]) == 2
            async with httpx.AsyncClient() as client:
                for i, user in enumerate(users):
                    uid = server.send_text(user, "/start")  # queued on the fake server too
                    update = {"update_id": uid, **server._state.updates[uid]}
                    for hook in (hooks[i % 2], hooks[(i + 1) % 2]):  # delivered to both replicas
                        got = await client.post(
                            f"http://127.0.0.1:{hook.port}/{hook.url_path}", json=update,
                            headers={"X-Telegram-Bot-Api-Secret-Token": hook.secret_token},
                        )
                        assert got.status_code == 200
            for user in users:
                await server.wait_for_messages(user.id, 1, timeout=60)
            await asyncio.sleep(1.0)
            assert all(len(server.messages(u.id)) == 1 for u in users)  # each answered once
    store = open_store(state_settings)
    assert store.inbox_counts() == {"done": len(users)}
    store.close()
