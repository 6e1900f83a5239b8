"""Offer candidates instead of guessing: when the judge is unsure ("related"), the reply
offers up to three paragraphs as buttons, each labelled with its ¶n and the start of its
best sentence; a tap gives that paragraph's answer (bold sentence, the paragraph cited, the
usual buttons) and is kept as the asker's choice, which admins see in /gaps as a
suggestion. A choice never changes an answer by itself: only admins teach.

Buttons carry "k<i>:<answer key>"; the candidates are kept with the answer's button state.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.types import Answer, Candidate
from bot.telegram import render
from bot.telegram.refs import AnswerRef, callback_data
from bot.telegram.reply import Ctx, keyboard, send_html
from bot.telegram.runtime import Runtime
from bot.telegram.texts import lang_of, t

SHOWN = 3
ACTIONS = frozenset(f"k{i}" for i in range(SHOWN))
LABEL_CHARS = 16


def label(candidate: Candidate) -> str:
    """"¶18 惠州某街道专业职员反映…": the paragraph and the start of its best sentence."""
    return f"¶{candidate.paragraph} {render.shorten(candidate.sentence, LABEL_CHARS)}"


def markup(candidates: tuple[Candidate, ...], key: str) -> InlineKeyboardMarkup:
    """One button per candidate, one per row."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label(c), callback_data=callback_data(f"k{i}", key))]
         for i, c in enumerate(candidates[:SHOWN])]
    )


async def pressed(rt: Runtime, query: CallbackQuery, context: Ctx, action: str, key: str) -> None:
    """The asker chose candidate ``action`` of the reply ``key``: answer from it, keep the choice."""
    lang, i = lang_of(query.from_user), int(action[1:])
    ref = await rt.buttons(key)
    if ref is None or i >= len(ref.candidates) or query.message is None:
        await query.answer(t(lang, "stale"))
        return
    chosen = ref.candidates[i]
    hit = next((h for h in ref.hits if (h.doc, h.paragraph) == (chosen.doc, chosen.paragraph)), None)
    if hit is None:
        await query.answer(t(lang, "stale"))
        return
    digest = rt.engine.paragraph_hash(hit.doc, hit.paragraph)
    await rt.state.run(rt.state.store.add_choice, query.from_user.id, key, ref.question, hit.doc,
                       hit.paragraph, digest)
    await query.answer()
    answer = Answer(ref.question, "answered", chosen.sentence, (hit,))
    page = AnswerRef(ref.question, lang, (hit,), rt.settings.retrieval.top_k, ref.chat_id,
                     frozenset({(hit.doc, hit.paragraph)}))
    await send_html(context, ref.chat_id, render.answer_html(answer, lang, ()),
                    markup=keyboard(lang, await rt.remember(page)))
