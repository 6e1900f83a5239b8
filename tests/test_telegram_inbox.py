"""The durable inbox, end to end: a real `qabot serve` child (real model, real store) killed
with SIGKILL in the middle of a burst answers every question after a restart, at most one
twice (the one reply in flight, [state] replies_in_flight), and the buttons under answers
of the killed process still work. On SQLite and PostgreSQL. Two bots run one after the
other on one data folder are each answered (their update_ids both start at 1)."""

from __future__ import annotations

import asyncio
import collections
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from test_telegram_harness import QUESTION

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from loadkit import Question, Tracker, questions
from servekit import all_done, burst_and_kill, exactly_once, shared_folders, start_serve

from bot.engine.service import SearchService
from bot.telegram import build_application, running
from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.pgserver import ThrowawayPostgres
from config.settings import Settings
from embeddings import Encoder

pytestmark = pytest.mark.slow
TOKEN = "7000000555:CRASH-secret_token"
TIMEOUT = 180.0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return ""
    server: ThrowawayPostgres = request.getfixturevalue("postgres")
    return server.new_database()


async def test_killed_mid_burst_answers_every_question_once_and_buttons_survive(
    tmp_path: Path, real_settings: Settings, real_service: SearchService, database_url: str
) -> None:
    folders = shared_folders(tmp_path, real_settings.docs_dir, real_settings.index_dir)
    pool = questions()
    users = [SimUser(id=5000 + i, first_name=f"用户{i}") for i in range(10)]
    async with BotAPIServer(TOKEN) as server:
        bot = await start_serve(server.base_url, TOKEN, folders, database_url=database_url)
        try:
            with Tracker(server) as tracker:
                first = tracker.ask(users[0], QUESTION)
                await asyncio.wait_for(first.done.wait(), TIMEOUT)
                burst, killed_at = await burst_and_kill(tracker, bot, users, pool, 30)
                answered_at_kill = sum(bool(q.answers) for q in burst)
                bot = await start_serve(server.base_url, TOKEN, folders, database_url=database_url)
                more = [tracker.ask(users[i % 10], pool[(30 + i) % len(pool)]) for i in range(10)]
                asked: list[Question] = [first, *burst, *more]
                await all_done(asked, TIMEOUT)
            assert answered_at_kill < len(burst), "the kill came after the burst was answered"
            chats = collections.Counter(q.chat_id for q in asked)
            outcome = exactly_once(server.calls, dict(chats), killed_at)
            # Every question answered; a second answer only where the process died between
            # sending a reply and committing its done mark (the kill here comes right after
            # replies arrive, the worst moment).
            assert outcome.lost == 0, (outcome, bot.tail())
            assert outcome.doubled == outcome.doubled_in_window <= 1, outcome  # replies_in_flight
            assert sum(q.errors for q in asked) == 0

            # Buttons under an answer of the killed process work in the new one.
            answer = next(m for m in server.messages(users[0].id) if m.buttons())  # to ``first``
            assert "31" in answer.plain_text
            data = dict(answer.buttons())
            uid = server.press_button(users[0], answer, data["更多段落"])
            (page,) = await server.wait_for_reply(uid, timeout=60)
            assert "¶" in page.plain_text and "更多段落" in page.plain_text
            uid = server.press_button(users[0], answer, data["👍"])
            await server.wait_for_reply(uid, timeout=60)
            assert (server.callback_answer(uid) or {}).get("text") == "谢谢您的反馈！"
            assert "Traceback" not in bot.log_text()
        finally:
            await bot.stop()
    assert bot.proc.returncode == 0  # SIGTERM: a clean stop


async def test_two_bots_one_after_the_other_on_one_data_folder_are_each_answered(
    tmp_path: Path, real_settings: Settings, real_encoder: Encoder, real_service: SearchService
) -> None:
    settings = replace(real_settings, data_dir=tmp_path / "data")
    user = SimUser(id=6100, first_name="用户")
    for token in ("7000000701:FIRST-bot_token", "7000000702:SECOND-bot_token"):
        async with BotAPIServer(token) as server:
            app = build_application(settings, token, encoder=real_encoder, base_url=server.base_url,
                                    base_file_url=server.base_file_url)
            async with running(app):
                for question in (QUESTION, "问责的目的是什么？"):
                    update_id = server.send_text(user, question)
                    assert update_id in (1, 2)  # both bots' update_ids start at 1
                    replies = await server.wait_for_reply(update_id, timeout=TIMEOUT)
                    assert replies and "¶" in replies[-1].text, (token[:10], question)
