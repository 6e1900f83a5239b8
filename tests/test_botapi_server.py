"""The fake Bot API server, exercised by a real python-telegram-bot Bot and Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import BOTAPI_TOKEN
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.tools.botapi import BotAPIServer, SimUser

TOKEN = BOTAPI_TOKEN
USER = SimUser(id=4242, username="tester")




async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    button = InlineKeyboardButton("再来", callback_data="again")
    await update.effective_message.reply_text(
        f"echo: {update.effective_message.text}", reply_markup=InlineKeyboardMarkup([[button]])
    )


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("welcome")


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"pressed {query.data}")


async def _running_app(server: BotAPIServer) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_pressed))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=2)
    return app


async def _shutdown(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@pytest.fixture
async def app(server: BotAPIServer) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = await _running_app(server)
    yield application
    await _shutdown(application)


async def test_get_me_reports_username(bot: Bot, server: BotAPIServer) -> None:
    me = await bot.get_me()
    assert me.username == "qabot_test_bot"
    assert me.id == 123456
    assert [c.method for c in server.calls].count("getMe") >= 1


async def test_wrong_token_and_unknown_method(server: BotAPIServer, bot: Bot) -> None:
    wrong = Bot("999:wrong", base_url=server.base_url, base_file_url=server.base_file_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert server.calls[-1].status == 404


async def test_application_echo_and_command(app: Application, server: BotAPIServer) -> None:  # type: ignore[type-arg]
    uid = server.send_text(USER, "你好，文章讲了什么？")
    replies = await server.wait_for_reply(uid, timeout=5)
    assert [m.text for m in replies] == ["echo: 你好，文章讲了什么？"]
    assert replies[0].buttons() == [("再来", "again")]
    assert server.delivered_at(uid) is not None
    cmd = server.send_text(USER, "/start@qabot_test_bot")
    assert [m.text for m in await server.wait_for_reply(cmd, timeout=5)] == ["welcome"]
    assert len(await server.wait_for_messages(USER.id, 2, timeout=1)) == 2


async def test_button_press_edits_and_answers(app: Application, server: BotAPIServer) -> None:  # type: ignore[type-arg]
    first = server.send_text(USER, "问题")
    (message,) = await server.wait_for_reply(first, timeout=5)
    with pytest.raises(ValueError, match="no button"):
        server.press_button(USER, message, "missing")
    press = server.press_button(USER, message, "again")
    (edited,) = await server.wait_for_reply(press, timeout=5)
    assert edited.message_id == message.message_id and edited.edited
    assert edited.text == "pressed again"
    assert edited.buttons() == []  # editMessageText without reply_markup drops the keyboard
    assert server.callback_answer(press) == {"text": "ok"}


async def test_offset_confirms_and_unconfirmed_are_redelivered(
    bot: Bot, server: BotAPIServer
) -> None:
    a = server.send_text(USER, "one")
    b = server.send_text(USER, "two")
    first = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [a, b]
    again = await bot.get_updates(timeout=0)  # no offset: nothing confirmed yet
    assert [u.update_id for u in again] == [a, b]
    assert await bot.get_updates(offset=b + 1, timeout=0) == ()
    assert server.pending_updates() == 0


async def test_long_poll_times_out_and_wakes_on_update(bot: Bot, server: BotAPIServer) -> None:
    start = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - start < 2.0
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    start = time.monotonic()
    uid = server.send_text(USER, "wake up")
    got = await poll
    assert [u.update_id for u in got] == [uid]
    assert time.monotonic() - start < 1.0


async def test_second_poller_gets_conflict(bot: Bot, server: BotAPIServer) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    other = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    async with other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict):
        await first


async def test_duplicate_update_id_delivered_again(bot: Bot, server: BotAPIServer) -> None:
    uid = server.send_text(USER, "dup")
    (update,) = await bot.get_updates(timeout=0)
    assert await bot.get_updates(offset=uid + 1, timeout=0) == ()
    raw = update.to_dict()
    assert server.enqueue_raw(raw, update_id=uid) == uid
    (again,) = await bot.get_updates(offset=uid + 1, timeout=0)
    assert again.update_id == uid and again.message is not None
    assert again.message.text == "dup"
    assert await bot.get_updates(offset=uid + 1, timeout=0) == ()


async def test_user_side_updates_deserialize(bot: Bot, server: BotAPIServer) -> None:
    server.send_text(USER, "hi")
    await bot.get_updates(timeout=0)
    sent = await bot.send_message(USER.id, "answer")
    mine = server.messages(USER.id)[0]
    text_id = server.send_text(USER, "/ask@qabot_test_bot 问 @qabot_test_bot 😀", reply_to=mine)
    server.send_sticker(USER)
    server.send_photo(USER)
    server.send_voice(USER)
    server.edit_text(USER, 1, "hi (edited)")
    updates = await bot.get_updates(offset=text_id, timeout=0)
    text, sticker, photo, voice, edit = updates
    assert text.message is not None and text.message.reply_to_message is not None
    assert text.message.reply_to_message.message_id == sent.message_id
    kinds = [(e.type, e.offset, e.length) for e in text.message.entities]
    assert kinds == [("bot_command", 0, 19), ("mention", 22, 15)]
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and photo.message.photo
    assert voice.message is not None and voice.message.voice is not None
    assert edit.edited_message is not None and edit.edited_message.text == "hi (edited)"
    assert edit.edited_message.message_id == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_fault_raises_retry_after(bot: Bot, server: BotAPIServer) -> None:
    server.send_text(USER, "hi")
    server.faults.add("sendMessage", kind="429", retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER.id, "x")
    retry = info.value.retry_after
    seconds = retry.total_seconds() if isinstance(retry, dtm.timedelta) else retry
    assert seconds == 3
    await bot.send_message(USER.id, "x")  # armed once: the retry goes through
    assert [c.status for c in server.calls if c.method == "sendMessage"] == [429, 200]
    assert len(server.messages(USER.id)) == 1


async def test_500_on_get_updates_keeps_pending_update(bot: Bot, server: BotAPIServer) -> None:
    uid = server.send_text(USER, "still here")
    server.faults.add("getUpdates", kind="500")
    with pytest.raises(NetworkError):
        await bot.get_updates(timeout=0)
    assert server.delivered_at(uid) is None
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [uid]


async def test_dropped_get_updates_is_retried_by_application(server: BotAPIServer) -> None:
    uid = server.send_text(USER, "after drop")
    server.faults.add("getUpdates", kind="drop")
    application = await _running_app(server)
    try:
        replies = await server.wait_for_reply(uid, timeout=8)
    finally:
        await _shutdown(application)
    assert [m.text for m in replies] == ["echo: after drop"]
    polls = [c.status for c in server.calls if c.method == "getUpdates"]
    assert polls[0] == 0 and 200 in polls


async def test_html_and_text_validation(bot: Bot, server: BotAPIServer) -> None:
    server.send_text(USER, "hi")
    for bad, why in [
        ("<b>x", "can't parse entities"),
        ("1 < 2", "Unsupported start tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<div>x</div>", "Unsupported start tag"),
    ]:
        with pytest.raises(BadRequest, match=r"(?i)" + why):
            await bot.send_message(USER.id, bad, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER.id, "长" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "who?")
    assert server.messages() == []
    ok = '<b>答：</b>见 ¶3 &lt;原文&gt; &amp; <a href="https://x.y/?a=1&amp;b=2">链接</a>'
    sent = await bot.send_message(USER.id, ok, parse_mode="HTML")
    assert sent.text == "答：见 ¶3 <原文> & 链接"
    assert server.messages(USER.id)[0].text == ok
    await bot.send_message(USER.id, "长" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(ok, USER.id, sent.message_id, parse_mode="HTML")


async def test_callback_data_limit_is_bytes(bot: Bot, server: BotAPIServer) -> None:
    server.send_text(USER, "hi")

    def markup(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data=data)]])

    await bot.send_message(USER.id, "ok", reply_markup=markup("a" * 64))
    await bot.send_message(USER.id, "ok", reply_markup=markup("段" * 21 + "a"))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER.id, "x", reply_markup=markup("a" * 65))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER.id, "x", reply_markup=markup("段" * 22))  # 22 chars, 66 B
    assert len(server.messages(USER.id)) == 2


async def test_file_round_trip(bot: Bot, server: BotAPIServer) -> None:
    content = "第一段。\n第二段。".encode()
    uid = server.send_document(USER, "文章.txt", content, caption="请读")
    (update,) = await bot.get_updates(timeout=0)
    assert update.update_id == uid and update.message is not None
    document = update.message.document
    assert document is not None and document.file_name == "文章.txt"
    file = await document.get_file()
    assert bytes(await file.download_as_bytearray()) == content
    async with httpx.AsyncClient() as client:
        path = file.file_path or ""
        bad = path.replace(TOKEN, "999:wrong")
        assert (await client.get(bad)).status_code == 401
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_token_never_logged(
    bot: Bot, server: BotAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.tools.botapi")
    server.send_text(USER, "hi")
    await bot.get_updates(timeout=0)
    async with httpx.AsyncClient() as client:
        await client.get(f"{server.base_url}{TOKEN}x/getMe")
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.tools.botapi")]
    assert ours, "the server should log something at DEBUG"
    assert all(TOKEN not in line for line in ours)
