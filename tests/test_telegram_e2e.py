"""End to end, officials' side: the real Application and model against the loopback Bot API."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from test_telegram_harness import (
    BOT_NAME,
    OFF_TOPIC,
    QUESTION,
    RATE_LIMIT,
    TIMEOUT,
    TOKEN,
    Live,
    paragraphs,
)

from bot.engine.types import Answer
from bot.state import open_store
from bot.telegram.reply import TYPING_DELAY
from bot.tools.botapi import SimUser

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]




def _raw_text(user: SimUser, message_id: int, text: str) -> dict[str, Any]:
    chat = {"id": user.id, "type": "private", "first_name": user.first_name}
    message = {"message_id": message_id, "from": user.to_dict(), "chat": chat,
               "date": int(time.time()), "text": text}
    return {"message": message}


async def test_start_and_help_say_what_the_bot_knows(live: Live) -> None:
    info = live.runtime.engine.current.info
    (msg,) = await live.ask(SimUser(id=101), "/start")
    text = msg.plain_text
    assert msg.parse_mode == "HTML"
    assert "1 份文件" in text and "article.txt" in text and f"共 {info.paragraphs} 段" in text
    assert all(q in text for q in live.settings.examples("zh")[:2])
    assert "/reload" not in text
    (msg,) = await live.ask(SimUser(id=102, language_code="en"), "/help")
    assert f"{info.paragraphs} paragraphs" in msg.plain_text
    assert live.settings.examples("en")[0] in msg.plain_text


async def test_answer_is_bold_and_cites_paragraph_8(live: Live) -> None:
    user = SimUser(id=103)
    (msg,) = await live.ask(user, QUESTION)
    bold = msg.text.split("</b>", 1)[0]
    assert bold.startswith("<b>") and "31" in bold
    assert paragraphs(msg.plain_text)[0] == 8 and "article.txt" in msg.plain_text
    labels = [label for label, _ in msg.buttons()]
    assert labels == ["更多段落", "上下文", "👍", "👎"]
    assert all(len(data.encode()) <= 64 for _, data in msg.buttons())
    methods = [c.method for c in live.server.calls if c.chat_id == user.id]
    assert methods == ["sendMessage"]  # a fast answer costs one request: no "typing…" first


async def test_slow_answer_shows_typing_first(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    service = live.runtime.engine.current
    real = service.ask_batch

    def slow(*args: Any, **kwargs: Any) -> list[Answer]:
        time.sleep(TYPING_DELAY + 0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "ask_batch", slow)
    user = SimUser(id=120)
    (msg,) = await live.ask(user, QUESTION)
    assert "31" in msg.plain_text
    actions = [c for c in live.server.calls if c.chat_id == user.id]
    assert [c.method for c in actions] == ["sendChatAction", "sendMessage"]
    assert actions[0].params["action"] == "typing"


async def test_buttons_more_context_and_feedback(live: Live) -> None:
    user = SimUser(id=104)
    (msg,) = await live.ask(user, QUESTION)
    data = dict(msg.buttons())
    shown = set(paragraphs(msg.plain_text))

    uid = live.server.press_button(user, msg, data["更多段落"])
    (more,) = await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    assert live.server.callback_answer(uid) is not None
    new = set(paragraphs(more.plain_text))
    assert new and not new & shown
    assert "更多段落" in [label for label, _ in more.buttons()]

    uid = live.server.press_button(user, msg, data["上下文"])
    (context,) = await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    assert context.plain_text.startswith("¶8 的上下文")
    assert paragraphs(context.plain_text) == [8, 7, 9]

    uid = live.server.press_button(user, msg, data["👍"])
    assert await live.server.wait_for_reply(uid, timeout=TIMEOUT) == []
    assert (live.server.callback_answer(uid) or {}).get("text") == "谢谢您的反馈！"
    store = open_store(live.settings)
    (vote,) = [f for f in store.feedback() if f.user_id == user.id]
    store.close()
    assert (vote.vote, vote.question, vote.doc, vote.paragraph) == (1, QUESTION, "article.txt", 8)


async def test_stale_or_unknown_button_is_answered_politely(live: Live) -> None:
    user = SimUser(id=105)
    (msg,) = await live.ask(user, QUESTION)
    for data in ("m:nosuchkey", "garbage"):
        uid = live.server.press_button(user, msg, data, force=True)
        assert await live.server.wait_for_reply(uid, timeout=TIMEOUT) == []
        assert "过期" in (live.server.callback_answer(uid) or {}).get("text", "")


async def test_off_topic_is_refused_with_examples(live: Live) -> None:
    (msg,) = await live.ask(SimUser(id=106), OFF_TOPIC)
    assert "文章没有涉及" in msg.plain_text and OFF_TOPIC in msg.plain_text
    assert sum(q in msg.plain_text for q in live.settings.examples("zh")) >= 2
    assert msg.buttons() == [] and "¶" not in msg.plain_text


async def test_html_in_a_question_is_escaped(live: Live) -> None:
    user = SimUser(id=107)
    (msg,) = await live.ask(user, "<b>x</b> & <script>")
    assert "&lt;script&gt;" in msg.text and "<script>" not in msg.text
    assert "<b>x</b> & <script>" in msg.plain_text
    sends = [c for c in live.server.calls if c.method == "sendMessage" and c.chat_id == user.id]
    assert sends and all(c.status == 200 and c.params["parse_mode"] == "HTML" for c in sends)


async def test_groups_answer_only_when_addressed(live: Live) -> None:
    member, group = SimUser(id=108), -100777
    where: dict[str, Any] = {"chat_id": group, "chat_type": "group"}
    uid = live.server.send_text(member, QUESTION, **where)
    await live.silent(uid, group)
    (msg,) = await live.ask(member, f"@{BOT_NAME} {QUESTION}", **where)
    assert "31" in msg.plain_text and msg.reply_to_message_id is not None
    (follow,) = await live.ask(member, "问责的目的是什么？", reply_to=msg, **where)
    assert "¶" in follow.plain_text or "文章没有涉及" in follow.plain_text
    for command in (f"/ask {QUESTION}", f"/ask@{BOT_NAME} {QUESTION}"):
        (msg,) = await live.ask(member, command, **where)
        assert "31" in msg.plain_text
    for ignored in ("/start@other_bot", f"/ask@other_bot {QUESTION}", "/unknown"):
        await live.silent(live.server.send_text(member, ignored, **where), group)
    await live.silent(live.server.send_sticker(member, chat_id=group), group)


async def test_media_commands_and_bad_questions_in_private(live: Live) -> None:
    user = SimUser(id=109)
    for send in (live.server.send_sticker, live.server.send_photo, live.server.send_voice):
        (msg,) = await live.server.wait_for_reply(send(user), timeout=TIMEOUT)
        assert "文字" in msg.plain_text
    uid = live.server.send_document(user, "资料.txt", "内容".encode())
    (msg,) = await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    assert "管理员" in msg.plain_text
    (msg,) = await live.ask(user, "/ask")
    assert "/ask" in msg.plain_text and live.settings.examples("zh")[0] in msg.plain_text
    (msg,) = await live.ask(user, "考" * 4000)
    assert "太长" in msg.plain_text and "1000" in msg.plain_text
    (msg,) = await live.ask(user, "/foo")
    assert "/help" in msg.plain_text
    await live.silent(live.server.send_text(user, "/start@other_bot"), user.id)


async def test_edited_message_is_ignored(live: Live) -> None:
    user = SimUser(id=110)
    uid = live.server.enqueue_raw(_raw_text(user, 700, QUESTION))
    assert len(await live.server.wait_for_reply(uid, timeout=TIMEOUT)) == 1
    edit = live.server.edit_text(user, 700, "问责的目的是什么？")
    await live.silent(edit, user.id)
    assert not live.server.messages(user.id)[0].edited


async def test_duplicate_update_is_answered_once(live: Live) -> None:
    user = SimUser(id=111)
    update = _raw_text(user, 800, QUESTION)
    uid = live.server.enqueue_raw(update)
    await live.server.wait_for_reply(uid, timeout=TIMEOUT)
    assert live.server.enqueue_raw(update, update_id=uid) == uid
    await live.ask(user, OFF_TOPIC)  # after the duplicate in the queue
    await live.silent(uid, user.id, settle=0.5)
    answers = [m for m in live.server.messages(user.id) if "31" in m.plain_text]
    assert len(answers) == 1


async def test_rate_limit_per_user(live: Live) -> None:
    user = SimUser(id=112)
    for _ in range(RATE_LIMIT + 1):
        live.server.send_text(user, OFF_TOPIC)
    await live.server.wait_for_messages(user.id, RATE_LIMIT + 1, timeout=TIMEOUT)
    (other,) = await live.ask(SimUser(id=113), OFF_TOPIC)  # others are not limited
    assert "文章没有涉及" in other.plain_text
    texts = [m.plain_text for m in live.server.messages(user.id)]
    assert len(texts) == RATE_LIMIT + 1
    assert sum("太频繁" in t for t in texts) == 1


async def test_token_never_logged(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await live.ask(SimUser(id=114), QUESTION)
    assert caplog.records and TOKEN not in caplog.text
    assert not [line for line in live.logs.lines if TOKEN in line]
    assert any("<TOKEN>" in line for line in live.logs.lines)  # httpx URLs, redacted
