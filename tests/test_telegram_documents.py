"""End to end, admins' documents through the Bot API: every format uploaded and then answered
with its citation, progress shown in one edited status message, bad files refused with the
reason and nothing changed, replace with a paragraph diff, /docs and /remove."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import docmaker
import pytest
from test_telegram_harness import ADMIN, QUESTION, TIMEOUT, Live

from bot.telegram.texts import is_working
from bot.tools.botapi import BotAPIServer, SentMessage, SimUser

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
STATUTE = [
    "第一章 总则",
    "第一条 为了规范青石镇网格员的工作，制定本办法。",
    "第二章 网格员职责",
    "第七条 网格员每周入户走访不少于二十户，发现安全隐患当日上报镇应急办。",
    "第八条 网格员的考核每季度进行一次，由镇党政办负责组织。",
]


def _docs(live: Live) -> list[str]:
    return sorted(p.name for p in live.settings.docs_dir.iterdir() if not p.name.startswith("."))


async def _upload(live: Live, name: str, content: bytes) -> str:
    """Send a document as the admin; the status message's final text."""
    uid = live.server.send_document(ADMIN, name, content)
    (status, *_) = await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    return await _final(live, status)


async def _final(live: Live, status: SentMessage) -> str:
    return await final_text(live.server, status)


async def final_text(server: BotAPIServer, status: SentMessage) -> str:
    """The text of a status message once the bot stopped working on it ("正在读取…")."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        current = next(m for m in server.messages(status.chat_id) if m.message_id == status.message_id)
        if not is_working(current.plain_text) or time.monotonic() > deadline:
            return current.plain_text
        await asyncio.sleep(0.2)


async def _ask(live: Live, question: str, user: int = 301) -> str:
    (msg, *_) = await live.ask(SimUser(id=user), question)
    return msg.plain_text


async def test_a_text_pdf_is_answered_with_document_clause_and_page(live: Live) -> None:
    pdf = docmaker.chinese_pdf(STATUTE * 1, lines_per_page=4)
    text = await _upload(live, "网格员办法.pdf", pdf)
    assert "已添加文件“网格员办法.pdf”" in text and "页" in text, text
    assert "网格员办法.pdf" in _docs(live)
    reply = await _ask(live, "网格员每周要入户走访多少户？")
    assert "二十户" in reply and "《网格员办法.pdf》" in reply and "第二章 第七条" in reply and "页" in reply
    reply = await _ask(live, "第七条讲了什么？", user=302)
    assert "入户走访不少于二十户" in reply


async def test_a_scanned_page_is_read_by_ocr_and_answered(live: Live) -> None:
    live.runtime.settings = replace(
        live.runtime.settings, telegram=replace(live.runtime.settings.telegram, max_upload_bytes=20 << 20)
    )
    scan = docmaker.scanned_pdf([["白沙镇设立便民服务中心", "服务中心每周六上午延时服务三小时。"]])
    text = await _upload(live, "白沙镇通知.pdf", scan)
    assert "已添加文件“白沙镇通知.pdf”" in text, text
    reply = await _ask(live, "白沙镇便民服务中心周六延时服务几小时？", user=303)
    assert "三小时" in reply and "白沙镇通知.pdf" in reply


async def test_ofd_html_and_gb18030_text_are_answered(live: Live) -> None:
    ofd = docmaker.ofd([["红石村垃圾分类积分每月兑换一次，每十分可兑换一袋大米。"]])
    assert "已添加" in await _upload(live, "积分办法.ofd", ofd)
    page = docmaker.government_page("柳河街道通知", ["柳河街道夜间巡逻队由三十名志愿者组成。"])
    assert "已添加" in await _upload(live, "柳河街道.html", page)
    gb = "东湖乡卫生院每周三开设中医义诊。".encode("gb18030")
    assert "已添加" in await _upload(live, "义诊.txt", gb)
    assert "大米" in await _ask(live, "红石村垃圾分类积分可以兑换什么？", user=304)
    reply = await _ask(live, "柳河街道夜间巡逻队由多少名志愿者组成？", user=305)
    assert "三十名" in reply and "《柳河街道通知》" in reply  # cited by the page's own title
    assert "中医义诊" in await _ask(live, "东湖乡卫生院每周几开设中医义诊？", user=306)


async def test_bad_files_get_their_reason_and_change_nothing(live: Live) -> None:
    before = _docs(live)
    serving = live.runtime.engine.current
    assert "密码" in await _upload(live, "加密.pdf", docmaker.encrypted_pdf())
    assert "损坏" in await _upload(live, "损坏.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type")
    assert "解压后过大" in await _upload(live, "炸弹.docx", docmaker.docx_bomb())
    html = docmaker.government_page("t", ["正文"])
    assert "扩展名与内容不符" in await _upload(live, "其实是网页.pdf", html)
    assert "没有可识别的文字" in await _upload(live, "空白扫描.pdf", docmaker.scanned_pdf([[]]))
    assert "支持的文件格式" in await _upload(live, "表格.xlsx", b"PK\x03\x04")
    assert _docs(live) == before and live.runtime.engine.current is serving
    assert "31" in await _ask(live, QUESTION, user=307)


async def test_replacing_a_document_says_what_changed(live: Live) -> None:
    first = "南湾社区有志愿者一百人。\n\n南湾社区每月组织一次义诊。\n\n南湾社区设有四个网格。\n"
    assert "已添加" in await _upload(live, "南湾社区.txt", first.encode())
    second = first.replace("一百人", "一百五十人") + "\n南湾社区新建了长者食堂。\n"
    text = await _upload(live, "南湾社区.txt", second.encode())
    assert "已替换文件“南湾社区.txt”：新增 1 段，修改 1 段，删除 0 段" in text, text
    assert "一百五十" in await _ask(live, "南湾社区有多少名志愿者？", user=308)


async def test_docs_lists_and_remove_asks_first(live: Live) -> None:
    assert "已添加" in await _upload(live, "临时.txt", "临时文件的内容：柏树乡有三座水库。".encode())
    (listing,) = await live.ask(ADMIN, "/docs")
    assert "临时.txt：1 段" in listing.plain_text and f"由 {ADMIN.id} 添加" in listing.plain_text
    (question,) = await live.ask(SimUser(id=309), "/remove 临时.txt")
    assert "无权" in question.plain_text
    (confirm,) = await live.ask(ADMIN, "/remove 临时.txt")
    assert "确定删除“临时.txt”" in confirm.plain_text
    no = next(data for label, data in confirm.buttons() if label == "取消")
    await live.server.wait_for_reply(live.server.press_button(ADMIN, confirm, no), timeout=TIMEOUT)
    assert "临时.txt" in _docs(live)
    (confirm,) = await live.ask(ADMIN, "/remove 临时.txt")
    yes = next(data for label, data in confirm.buttons() if label == "删除")
    await live.server.wait_for_reply(live.server.press_button(ADMIN, confirm, yes), timeout=TIMEOUT)
    assert "已删除“临时.txt”" in await _final(live, confirm)
    assert "临时.txt" not in _docs(live) and "临时.txt" not in live.runtime.engine.info.documents
