"""End to end, admins and faults: /reload, /stats, uploads, 429/500/dropped connections,
the command menus set at start."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Sequence

import docx
import pytest
from test_telegram_documents import _docs, _final, _upload
from test_telegram_harness import (
    ADMIN,
    MAX_UPLOAD,
    OFF_TOPIC,
    QUESTION,
    TIMEOUT,
    TOKEN,
    Live,
)

from bot.engine.documents.ingest import Document
from bot.engine.lifecycle import ReloadError
from bot.engine.service import SearchService
from bot.engine.types import Answer, ReloadReport, Turn
from bot.serving import engine as serving_engine
from bot.tools.botapi import SimUser
from config.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]




async def test_admin_commands_refused_for_others_and_logged(live: Live) -> None:
    for command in ("/reload", "/stats", "/gaps"):
        (msg,) = await live.ask(SimUser(id=201), command)
        assert "无权" in msg.plain_text
        assert any(f"non-admin user 201 tried {command}" in line for line in live.logs.lines)


async def test_admin_reload_reports_counts(live: Live) -> None:
    info = live.runtime.engine.current.info
    (msg,) = await live.ask(ADMIN, "/reload")
    text = msg.plain_text
    assert f"重新加载完成：1 份文件，{info.paragraphs} 段，重新嵌入 0 段，用时" in text
    assert "秒" in text


async def test_admin_stats(live: Live) -> None:
    user = SimUser(id=202)
    await live.ask(user, QUESTION)
    await live.ask(user, OFF_TOPIC)
    (msg,) = await live.ask(ADMIN, "/stats")
    text, info = msg.plain_text, live.runtime.engine.current.info
    assert f"文件：1 份，{info.paragraphs} 段" in text and info.model in text
    assert info.built_at in text and "👍 0 / 👎 0" in text and "运行时间" in text
    stats = live.runtime.stats
    assert stats.answered >= 1 and stats.refused >= 1
    assert f"已回答：{stats.answered}，未涉及：{stats.refused}" in text


async def test_command_menus_are_set_at_start(live: Live) -> None:
    assert [c["command"] for c in live.server.my_commands("")] == ["ask", "help"]
    admin_menu = live.server.my_commands("", {"type": "chat", "chat_id": ADMIN.id})
    assert [c["command"] for c in admin_menu] == ["ask", "help", "reload", "docs", "remove", "gaps", "stats"]


async def test_admin_gaps_lists_what_was_not_answered_most_frequent_first(live: Live) -> None:
    (msg,) = await live.ask(SimUser(id=230), "/gaps")
    assert "无权" in msg.plain_text
    for user_id, text in ((231, "火锅底料怎么炒？"), (232, "火锅底料 怎么炒?"), (233, "明天会下雨吗？")):
        await live.ask(SimUser(id=user_id), text)
    voter = SimUser(id=234)
    (answer,) = await live.ask(voter, "乡镇街道为什么感到权责不对等？")
    uid = live.server.press_button(voter, answer, dict(answer.buttons())["👎"])
    await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    msg, *offers = await live.ask(ADMIN, "/gaps")  # the list, then each gap with buttons to teach
    assert offers and all(m.buttons()[-1][0] == "文章未涉及" for m in offers)
    lines = msg.plain_text.splitlines()
    assert lines[0].startswith("最近 30 天没有答上或被点 👎 的问题")
    hotpot = next(i for i, line in enumerate(lines) if "火锅底料" in line)
    rain = next(i for i, line in enumerate(lines) if "明天会下雨吗" in line)
    assert hotpot < rain and "（2 次：未答上 2，👎 0）" in lines[hotpot]
    assert any("乡镇街道为什么感到权责不对等" in line and "👎 1" in line for line in lines)
    msg, *_ = await live.ask(ADMIN, "/gaps 1")
    assert msg.plain_text.startswith("最近 1 天")


async def test_questions_during_a_reload_are_answered_from_the_old_index(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = serving_engine.rebuild

    def slow(
        settings: Settings, previous: SearchService, read: Sequence[Document] = (), budget: int | None = None
    ) -> tuple[SearchService, ReloadReport]:
        time.sleep(2.0)
        return real(settings, previous, read, budget)

    monkeypatch.setattr(serving_engine, "rebuild", slow)
    old = live.runtime.engine.current
    reload_uid = live.server.send_text(ADMIN, "/reload")
    question_uid = live.server.send_text(SimUser(id=203), QUESTION)
    (answer,) = await live.server.wait_for_reply(question_uid, timeout=TIMEOUT)
    assert "31" in answer.plain_text
    assert live.runtime.engine.current is old  # still reloading
    (done,) = await live.server.wait_for_reply(reload_uid, timeout=TIMEOUT)
    assert "重新加载完成" in done.plain_text and done.sent_at > answer.sent_at
    assert live.runtime.engine.current is not old


async def test_admin_uploads_a_txt_and_it_is_answered_from(live: Live) -> None:
    content = "幸福里社区长者食堂每天中午供应一百二十份午餐。\n\n长者食堂的午餐每份补贴八元。\n"
    text = await _upload(live, "社区养老.txt", content.encode())
    assert "已添加文件“社区养老.txt”" in text and "2 份文件" in text
    assert "社区养老.txt" in _docs(live)
    (msg,) = await live.ask(SimUser(id=204), "幸福里社区长者食堂每天中午供应多少份午餐？")
    assert "一百二十" in msg.plain_text and "社区养老.txt" in msg.plain_text


async def test_admin_uploads_a_docx(live: Live) -> None:
    document = docx.Document()
    document.add_paragraph("青石镇共有河长四十二名，每月巡河不少于两次。")
    buffer = io.BytesIO()
    document.save(buffer)
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    uid = live.server.send_document(ADMIN, "河长制.docx", buffer.getvalue(), mime)
    (msg, *_) = await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    text = await _final(live, msg)
    assert "已添加文件“河长制.docx”" in text and "河长制.docx" in _docs(live)
    (msg,) = await live.ask(SimUser(id=205), "青石镇共有多少名河长？")
    assert "四十二" in msg.plain_text and "河长制.docx" in msg.plain_text


async def test_bad_uploads_are_refused_and_the_index_keeps_serving(live: Live) -> None:
    before = _docs(live)
    assert "文字编码" in await _upload(live, "乱码.txt", b"\xff\xfe\x00\xd8bad")
    assert "太大" in await _upload(live, "大.txt", b"a" * (MAX_UPLOAD + 1))
    assert "支持的文件格式" in await _upload(live, "表格.xlsx", b"PK")
    assert _docs(live) == before
    (msg,) = await live.ask(SimUser(id=206), QUESTION)
    assert "31" in msg.plain_text


async def test_failed_reload_keeps_the_old_index_and_rolls_back_uploads(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(settings: Settings, previous: SearchService, read: object = (), budget: object = None) -> None:
        raise ReloadError("the disk is full (坏文件.txt)")

    monkeypatch.setattr(serving_engine, "rebuild", broken)
    serving = live.runtime.engine.current
    (msg,) = await live.ask(ADMIN, "/reload")
    assert "重新加载失败" in msg.plain_text and "坏文件.txt" in msg.plain_text
    assert live.runtime.engine.current is serving
    (msg,) = await live.ask(SimUser(id=207), QUESTION)
    assert "31" in msg.plain_text
    text = await _upload(live, "新规定.txt", "新规定的内容。".encode())
    assert "已撤回“新规定.txt”" in text and "新规定.txt" not in _docs(live)


async def test_handler_error_gets_a_short_apology(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(
        questions: Sequence[str], k: int | None = None, offset: int = 0,
        contexts: Sequence[Turn | None] | None = None,
    ) -> list[Answer]:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(live.runtime.engine.current, "ask_batch", boom)
    (msg,) = await live.ask(SimUser(id=208), QUESTION)
    assert msg.plain_text == "抱歉，出了点问题，请稍后再试。"
    assert any("engine exploded" in line and "Traceback" in line for line in live.logs.lines)


async def test_429_on_send_message_is_retried_and_sent_once(live: Live) -> None:
    user = SimUser(id=209)
    live.server.faults.add("sendMessage", "429", retry_after=1)
    (msg,) = await live.ask(user, QUESTION)
    assert "31" in msg.plain_text
    sends = [c for c in live.server.calls if c.method == "sendMessage" and c.chat_id == user.id]
    assert [c.status for c in sends] == [429, 200]


@pytest.mark.parametrize(("kind", "user_id"), [("500", 219), ("drop", 220)])
async def test_send_message_500_or_drop_is_retried_and_the_answer_arrives_once(
    live: Live, kind: str, user_id: int
) -> None:
    user = SimUser(id=user_id)
    live.server.faults.add("sendMessage", kind)
    uid = live.server.send_text(user, QUESTION)
    await live.server.wait_for_reply(uid, timeout=TIMEOUT, settle=1.5)
    texts = [m.plain_text for m in live.server.messages(user.id)]
    assert len(texts) == 1 and "31" in texts[0]
    sends = [c for c in live.server.calls if c.method == "sendMessage" and c.chat_id == user.id]
    assert [c.status for c in sends][-1] == 200 and len(sends) == 2


async def test_get_updates_500_and_drop_lose_no_question(live: Live) -> None:
    user = SimUser(id=210)
    live.server.faults.add("getUpdates", "500")
    live.server.faults.add("getUpdates", "drop")
    for _ in range(int(TIMEOUT * 20)):  # the 500 has been served: the bot is backing off
        if live.server.faults.pending("getUpdates") == 1:
            break
        await asyncio.sleep(0.05)
    uids = [live.server.send_text(user, QUESTION), live.server.send_text(user, OFF_TOPIC)]
    for uid in uids:
        await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    await asyncio.sleep(0.5)
    texts = [m.plain_text for m in live.server.messages(user.id)]
    assert len(texts) == 2
    # 文章没有涉及 over the article alone, 资料中没有涉及 once an earlier test added a document
    assert sum("31" in t for t in texts) == 1 and sum("没有涉及" in t for t in texts) == 1
    statuses = {c.status for c in live.server.calls if c.method == "getUpdates"}
    assert {0, 500} <= statuses and live.server.faults.pending() == 0


async def test_token_never_logged(live: Live) -> None:
    assert not [line for line in live.logs.lines if TOKEN in line]
    assert any("<TOKEN>" in line for line in live.logs.lines)
