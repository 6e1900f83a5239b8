""""您是不是想问：…": a question close to taught wordings but not close enough to be answered
from one (bot/engine/question/taught_match.py: look-alikes are as close as paraphrases) gets
those wordings as buttons above any others. A tap answers the taught wording, as if the asker
had asked it (so from its teaching), and keeps the paragraph it answered from as the asker's
choice, as a chosen candidate is (bot/telegram/candidates.py): admins see it in /gaps.

Buttons carry "y<i>:<answer key>"; the suggestions are kept with the answer's button state.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton

from bot.engine.types import Suggestion
from bot.telegram import render
from bot.telegram.refs import AnswerRef, callback_data
from bot.telegram.reply import Ctx, keyboard, send_html, typing
from bot.telegram.runtime import Runtime
from bot.telegram.texts import Lang, lang_of, t

SHOWN = 3
ACTIONS = frozenset(f"y{i}" for i in range(SHOWN))
QUESTION_CHARS = 40


def label(lang: Lang, suggestion: Suggestion) -> str:
    """"您是不是想问：乡镇一年要签多少份责任状？" (a long wording shortened)."""
    return t(lang, "btn_suggest", question=render.shorten(suggestion.question, QUESTION_CHARS))


def rows(lang: Lang, suggestions: tuple[Suggestion, ...], key: str) -> list[list[InlineKeyboardButton]]:
    """One button per suggestion, one per row, best first."""
    return [[InlineKeyboardButton(label(lang, s), callback_data=callback_data(f"y{i}", key))]
            for i, s in enumerate(suggestions[:SHOWN])]


async def pressed(rt: Runtime, query: CallbackQuery, context: Ctx, action: str, key: str) -> None:
    """The asker chose suggestion ``action`` of the reply ``key``: answer the taught wording,
    keep the choice."""
    lang, i = lang_of(query.from_user), int(action[1:])
    ref = await rt.buttons(key)
    if ref is None or i >= len(ref.suggestions) or query.message is None:
        await query.answer(t(lang, "stale"))
        return
    if wait := await rt.rate_wait(query.from_user.id):
        await query.answer(t(lang, "rate_limited", seconds=wait))
        return
    await query.answer()
    async with typing(context, ref.chat_id):
        answer = await rt.engine.ask(ref.suggestions[i].question)
    markup = None
    if answer.answered and answer.hits:  # the paragraph it answered from is the asker's choice
        top = answer.hits[0]
        await rt.state.run(rt.state.store.add_choice, query.from_user.id, key, ref.question, top.doc,
                           top.paragraph, top.hash)
        page = AnswerRef(answer.question, lang, answer.hits, rt.settings.retrieval.top_k, ref.chat_id,
                         frozenset((h.doc, h.paragraph) for h in answer.hits))
        markup = keyboard(lang, await rt.remember(page))
    await send_html(context, ref.chat_id, render.answer_html(answer, lang, ()), markup=markup)
