"""Inline buttons under an answer: 更多段落, 上下文, 👍/👎 (their state is in the state store,
so a press works after a restart and on any replica)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update

from bot.engine.types import Hit
from bot.state import Feedback
from bot.telegram import candidates, handoff, reasons, render, suggestions, teach
from bot.telegram.refs import AnswerRef, parse_callback
from bot.telegram.reply import Ctx, keyboard, send_html, typing
from bot.telegram.runtime import Runtime
from bot.telegram.texts import lang_of, t

log = logging.getLogger(__name__)
VOTES = {"u": 1, "d": -1}
MAX_PAGES = 5  # pages to skip when they only repeat paragraphs already shown


async def button(update: Update, context: Ctx) -> None:
    """Button presses: 更多段落, 上下文, 👍/👎; stale or unknown keys get a polite notice."""
    query = update.callback_query
    if query is None:
        return
    rt, lang = context.runtime, lang_of(query.from_user)
    parsed = parse_callback(query.data)
    if parsed is not None and parsed[0] in teach.ACTIONS:  # /gaps: admins teach
        await teach.pressed(rt, query, context, *parsed)
        return
    if parsed is not None and parsed[0] in reasons.ACTIONS:  # why a 👎
        await reasons.pressed(rt, query, *parsed)
        return
    if parsed is not None and parsed[0] in candidates.ACTIONS:  # the asker chose a paragraph
        await candidates.pressed(rt, query, context, *parsed)
        return
    if parsed is not None and parsed[0] in suggestions.ACTIONS:  # the asker chose a taught question
        await suggestions.pressed(rt, query, context, *parsed)
        return
    ref = await rt.buttons(parsed[1]) if parsed else None
    if parsed is None or ref is None or parsed[0] not in ("m", "c", handoff.ACTION, *VOTES):
        log.info("stale or unknown button %r from user %s", query.data, query.from_user.id)
        await query.answer(t(lang, "stale"))
        return
    action, key = parsed
    if action in VOTES:
        await _vote(rt, query, context, key, ref, VOTES[action])
    elif action == handoff.ACTION:
        await handoff.forward(rt, query, key, ref)
    elif action == "m":
        await _more(rt, query, context, ref)
    else:
        await _context(rt, query, context, ref)


async def _vote(rt: Runtime, query: CallbackQuery, context: Ctx, key: str, ref: AnswerRef, vote: int) -> None:
    top = ref.hits[0]
    digest = rt.engine.paragraph_hash(top.doc, top.paragraph)
    item = Feedback(
        query.from_user.id, key, vote, ref.question, top.doc, top.paragraph,
        tuple((h.doc, h.paragraph) for h in ref.hits), paragraph_hash=digest,
    )
    await rt.state.run(rt.state.store.add_vote, item)
    rt.metrics.vote(vote)
    await query.answer(t(lang_of(query.from_user), "thanks"))
    if vote < 0:
        await reasons.ask(context, query, key)


async def _more(rt: Runtime, query: CallbackQuery, context: Ctx, ref: AnswerRef) -> None:
    lang, user_id = lang_of(query.from_user), query.from_user.id
    if wait := await rt.rate_wait(user_id):
        await query.answer(t(lang, "rate_limited", seconds=wait))
        return
    k, offset = rt.settings.retrieval.top_k, ref.next_offset
    hits: list[Hit] = []
    seen = set(ref.shown)
    async with typing(context, ref.chat_id):
        for _ in range(MAX_PAGES):
            answer = await rt.engine.ask(ref.question, k=k, offset=offset)
            offset += k
            for hit in answer.hits:
                if (hit.doc, hit.paragraph) not in seen:
                    seen.add((hit.doc, hit.paragraph))
                    hits.append(hit)
            if hits or len(answer.hits) < k:
                break
    if not hits:
        await query.answer(t(lang, "no_more"))
        return
    await query.answer()
    page = AnswerRef(ref.question, lang, tuple(hits), offset, ref.chat_id, frozenset(seen))
    chunks = render.more_html(hits, len(ref.shown) + 1, lang)
    await send_html(context, ref.chat_id, chunks, markup=keyboard(lang, await rt.remember(page)))


async def _context(rt: Runtime, query: CallbackQuery, context: Ctx, ref: AnswerRef) -> None:
    lang, top = lang_of(query.from_user), ref.hits[0]
    around = rt.engine.neighbours(top.doc, top.paragraph)
    if not around:
        await query.answer(t(lang, "no_context"))
        return
    await query.answer()
    chunks = render.context_html(around, top.doc, top.paragraph, lang)
    await send_html(context, ref.chat_id, chunks)
