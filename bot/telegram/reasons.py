"""Why a 👎: right after the vote the asker is offered 答非所问 / 不完整 / 内容有误; the
reason is kept with the vote (state store) and shown in /gaps and `qabot report`. A vote
never changes an answer by itself: only admins teach (bot/telegram/teach.py).

The buttons carry "r<i>:<answer key>": the answer's key names the vote (user, answer).
``shown`` is the one way the reasons are written after a question (/gaps, the weekly digest).
"""

from __future__ import annotations

from collections import Counter

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.state.records import REASONS
from bot.telegram import render
from bot.telegram.refs import callback_data
from bot.telegram.reply import Ctx, send_html
from bot.telegram.runtime import Runtime
from bot.telegram.texts import lang_of, t

CODES = tuple(REASONS)
ACTIONS = frozenset(f"r{i}" for i in range(len(CODES)))


async def ask(context: Ctx, query: CallbackQuery, key: str) -> None:
    """Offer the reasons under a short question, in the chat of the voted answer."""
    lang = lang_of(query.from_user)
    message = query.message
    if message is None:
        return
    rows = [[InlineKeyboardButton(t(lang, f"reason_{code}"), callback_data=callback_data(f"r{i}", key))
             for i, code in enumerate(CODES)]]
    await send_html(context, message.chat.id, render.plain_html(t(lang, "reason_ask")),
                    markup=InlineKeyboardMarkup(rows))


async def pressed(rt: Runtime, query: CallbackQuery, action: str, key: str) -> None:
    """Keep the reason with the presser's 👎 of answer ``key``."""
    lang, code = lang_of(query.from_user), CODES[int(action[1:])]
    kept = await rt.state.run(rt.state.store.set_reason, query.from_user.id, key, code)
    await query.answer(t(lang, "thanks" if kept else "stale"))


def shown(lang: str, given: Counter[str] | None) -> str:
    """The reasons given with 👎, as a suffix of a question's line ("" none)."""
    if not given:
        return ""
    named = (f"{t(lang, 'reason_' + r)} {n}" for r, n in given.most_common())
    return t(lang, "gaps_reasons", reasons="，".join(named))
