"""A person when the bot cannot help: the 转人工 button and the way back.

Under a "related" or "not covered" reply, when ``[telegram] handoff_chat`` is set (e.g. the
admins' group), a 转人工 button forwards the question, with who asked, to that chat. A reply
there to the forwarded message is sent to the official by the bot, marked as from a person.
The exchange is kept in the state store's buttons table (key ``handoff:<chat>:<message>``,
JSON: who asked, where, the question, and every answer with who gave it) for
``[state] button_days``, and logged. No button and no forwarding when the setting is 0.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import TelegramError

from bot.telegram import render
from bot.telegram.refs import AnswerRef, callback_data
from bot.telegram.reply import Ctx, reply_text, send_html
from bot.telegram.runtime import Runtime
from bot.telegram.texts import lang_of, t

log = logging.getLogger(__name__)
ACTION = "h"  # callback_data "h:<key>"


def enabled(rt: Runtime) -> bool:
    """Whether hand-off is configured."""
    return rt.settings.telegram.handoff_chat != 0


def keyboard(lang: str, key: str) -> InlineKeyboardMarkup:
    """The 转人工 button under a reply the bot could not answer."""
    button = InlineKeyboardButton(t(lang, "btn_handoff"), callback_data=callback_data(ACTION, key))
    return InlineKeyboardMarkup([[button]])


def who(user: User) -> str:
    """"Name (@username, id 123)" of the asker."""
    handle = f"@{user.username}, " if user.username else ""
    return f"{user.full_name} ({handle}id {user.id})"


def _record_key(chat_id: int, message_id: int) -> str:
    return f"handoff:{chat_id}:{message_id}"


async def forward(rt: Runtime, query: CallbackQuery, key: str, ref: AnswerRef) -> None:
    """转人工 pressed: send the question and its asker to the hand-off chat (once per reply)."""
    lang, user, chat = lang_of(query.from_user), query.from_user, rt.settings.telegram.handoff_chat
    sent_key = f"handoff-sent:{key}"
    if not enabled(rt) or await rt.state.run(rt.state.store.get_button, sent_key, 86400.0) is not None:
        await query.answer(t(lang, "handoff_again" if enabled(rt) else "stale"))
        return
    text = t("zh", "handoff_forward", who=who(user), question=ref.question)
    try:
        message = await query.get_bot().send_message(chat, text)
    except TelegramError as exc:
        log.warning("hand-off of user %s to chat %s failed: %s", user.id, chat, exc)
        await query.answer(t(lang, "handoff_failed"))
        return
    record = {"user_id": user.id, "chat_id": ref.chat_id, "lang": lang, "question": ref.question,
              "asked_at": time.time(), "answers": []}
    await rt.state.run(rt.state.store.put_button, _record_key(chat, message.message_id),
                       json.dumps(record, ensure_ascii=False))
    await rt.state.run(rt.state.store.put_button, sent_key, str(message.message_id))
    log.info("hand-off: user %s's question sent to chat %s (message %s)", user.id, chat, message.message_id)
    await query.answer(t(lang, "handoff_sent"))


async def person_reply(update: Update, context: Ctx) -> bool:
    """A message in the hand-off chat: when it replies to a forwarded question, deliver it to
    the official and return True; otherwise return False (it is handled as usual)."""
    rt, message = context.runtime, update.effective_message
    if message is None or message.reply_to_message is None or not message.text or not enabled(rt):
        return False
    if message.chat_id != rt.settings.telegram.handoff_chat:
        return False
    key = _record_key(message.chat_id, message.reply_to_message.message_id)
    stored = await rt.state.run(rt.state.store.get_button, key, rt.settings.state.button_days * 86400)
    if stored is None:
        return False
    record: dict[str, Any] = json.loads(stored)
    admin = message.from_user
    text = t(str(record["lang"]), "handoff_reply", question=record["question"], text=message.text)
    try:
        await send_html(context, int(record["chat_id"]), render.plain_html(text))
    except TelegramError as exc:
        log.warning("hand-off answer to chat %s failed: %s", record["chat_id"], exc)
        await reply_text(update, context, t(lang_of(admin), "handoff_undelivered"))
        return True
    record["answers"].append({"by": admin.id if admin else None, "text": message.text, "at": time.time()})
    await rt.state.run(rt.state.store.put_button, key, json.dumps(record, ensure_ascii=False))
    log.info("hand-off: %s answered user %s", admin.id if admin else None, record["user_id"])
    await reply_text(update, context, t(lang_of(admin), "handoff_delivered"))
    return True
