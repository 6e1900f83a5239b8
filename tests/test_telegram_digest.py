"""The weekly digest (bot/telegram/digest.py): two replicas on one PostgreSQL database each
schedule it on their JobQueue for the configured day and hour; when both jobs fire (run
here at once instead of waiting for Monday) each admin gets exactly one digest, with the
week's counts, the top unanswered question, the 👎 answer and the change since last week."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import settings_for

from bot.state import Feedback, LogEntry, open_store
from bot.telegram import build_application, running
from bot.telegram.digest import DAYS
from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.pgserver import ThrowawayPostgres
from config.settings import PROJECT_ROOT
from embeddings import HashingEncoder

TOKEN = "7000000999:DIGEST-secret_token"
ADMINS = (SimUser(id=9001, first_name="管理员甲"), SimUser(id=9002, first_name="管理员乙"))


def test_digest_day_names_follow_the_jobqueue_numbering() -> None:
    assert DAYS["sun"] == 0 and DAYS["mon"] == 1 and DAYS["sat"] == 6


async def test_two_replicas_send_each_admin_one_digest(tmp_path: Path, postgres: ThrowawayPostgres) -> None:
    base = settings_for(tmp_path / "docs", tmp_path / "index", tmp_path / "data")
    shutil.copytree(PROJECT_ROOT / "seeds", base.docs_dir)
    settings = replace(
        base, embedding=replace(base.embedding, model="hashing-256", second_model=""),
        state=replace(base.state, database_url=postgres.new_database()),
        telegram=replace(base.telegram, admin_ids=frozenset(a.id for a in ADMINS)),
        ops=replace(base.ops, digest_day="mon", digest_hour=9),
    )
    now = time.time()
    store = open_store(settings, bot_id=7000000999)
    for uid, question, status, at in (
        (1, "火锅底料怎么炒？", "not_covered", now - 3600),
        (2, "火锅底料怎么炒?", "not_covered", now - 7200),
        (3, "问责的目的是什么？", "answered", now - 3 * 86400),
        (4, "以前的问题", "answered", now - 10 * 86400),
    ):
        key = f"k{uid}"
        store.record_answer(LogEntry(uid, 7, 70, question, status, (("文章.txt", 10),), 5.0, key, at), None)  # type: ignore[arg-type]
    store.add_vote(Feedback(7, "k3", -1, "问责的目的是什么？", "文章.txt", 10, (("文章.txt", 10),)))
    assert store.set_reason(7, "k3", "incomplete")
    store.close()

    async with BotAPIServer(TOKEN) as server:
        apps = [build_application(settings, TOKEN, encoder=HashingEncoder(), base_url=server.base_url)
                for _ in range(2)]
        async with running(apps[0]), running(apps[1]):
            for admin in ADMINS:  # the admins have opened a chat with the bot
                await server.wait_for_reply(server.send_text(admin, "/help"), timeout=60)
            before = {a.id: len(server.messages(a.id)) for a in ADMINS}
            jobs = []
            for app in apps:
                assert app.job_queue is not None
                (job,) = app.job_queue.get_jobs_by_name("digest")
                due = job.next_t
                assert due is not None
                local = due.astimezone(ZoneInfo("Asia/Shanghai"))
                assert (local.isoweekday(), local.hour, local.minute) == (1, 9, 0)
                assert due > datetime.now(ZoneInfo("UTC"))
                jobs.append(job)
            await asyncio.gather(*(job.run(app) for job, app in zip(jobs, apps, strict=True)))
            for admin in ADMINS:
                sent = server.messages(admin.id)[before[admin.id]:]
                assert len(sent) == 1, [m.text for m in sent]
                text = sent[0].plain_text
                assert "提问 3 个，答上 33%" in text
                assert "与上周（1 个）相比：提问 +2 个" in text
                assert "1. 火锅底料怎么炒" in text and "（2 次）" in text
                assert "• 问责的目的是什么？（👎 1，引用 文章.txt ¶10）（👎 原因：不完整 1）" in text
