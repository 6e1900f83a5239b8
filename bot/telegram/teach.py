"""Admins teach from /gaps: each gap comes with its best candidate paragraphs as buttons
("→ ¶18 …") and "文章未涉及"; choosing a paragraph links that wording to it (kept in the
state store by content hash, applied on every replica within seconds), then offers the
paragraph's sentences to bold. Teachings whose paragraph changed on a reload come first,
to be confirmed again.

A keyboard's state (the question and its candidates) is kept in the store's button table
as JSON, like the answer buttons', so a press works after a restart and on any replica;
callback_data is "<action>:<key>" with actions ``t0``…``t2`` (a candidate), ``tn`` (not
covered) and ``s0``…``s3`` (the sentence to bold).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.types import Hit, Teaching
from bot.serving.text import question_key, split_sentences
from bot.state import Gap
from bot.telegram import render
from bot.telegram.refs import callback_data, new_key
from bot.telegram.reply import Ctx, send_html
from bot.telegram.runtime import Runtime
from bot.telegram.texts import lang_of, t

log = logging.getLogger(__name__)
CANDIDATES = 3  # paragraphs offered per gap
SENTENCES = 6  # sentences offered to bold
TEACHABLE = 5  # gaps shown with buttons (the text list shows more)
LABEL_CHARS = 18  # of a paragraph's or sentence's text on its button
ACTIONS = frozenset({*(f"t{i}" for i in range(CANDIDATES)), "tn", *(f"s{i}" for i in range(SENTENCES))})


def short(text: str, chars: int = LABEL_CHARS) -> str:
    """``text`` on one line, cut to ``chars`` characters (render.shorten)."""
    return render.shorten(text, chars)


def open_gaps(gaps: list[Gap], taught: tuple[Teaching, ...]) -> list[Gap]:
    """The gaps not taught since (a taught wording is answered from now on)."""
    keys = {question_key(x.question) for x in taught}
    return [g for g in gaps if question_key(g.question) not in keys]


async def offer(rt: Runtime, context: Ctx, chat_id: int, lang: str, questions: list[str], stale: int) -> None:
    """One message per question (the first ``TEACHABLE``) with its candidates as buttons."""
    for i, question in enumerate(questions[:TEACHABLE]):
        answer = await rt.engine.ask(question)
        hits = list(answer.hits[:CANDIDATES])
        options = [_option(h) for h in hits]
        key = new_key()
        state = {"kind": "teach", "question": question, "lang": lang, "options": options}
        await rt.state.run(rt.state.store.put_button, key, json.dumps(state, ensure_ascii=False))
        rows = [[InlineKeyboardButton(f"→ ¶{h.paragraph} {short(_best(answer.answer, h, j))}",
                                      callback_data=callback_data(f"t{j}", key))]
                for j, h in enumerate(hits)]
        not_covered = InlineKeyboardButton(t(lang, "btn_not_covered"), callback_data=callback_data("tn", key))
        rows.append([not_covered])
        head = t(lang, "teach_stale_item") if i < stale else t(lang, "teach_gap")
        await send_html(context, chat_id, render.plain_html(f"{head}{question}"),
                        markup=InlineKeyboardMarkup(rows))


def _best(answer: str, hit: Hit, rank: int) -> str:
    """A candidate's label: the bold answer for the first when there is one, else the
    paragraph's first sentence."""
    if rank == 0 and answer:
        return answer
    return next(iter(split_sentences(hit.text)), hit.text)


def _option(hit: Hit) -> list[Any]:
    return [hit.doc, hit.paragraph, hit.hash]


async def pressed(rt: Runtime, query: CallbackQuery, context: Ctx, action: str, key: str) -> None:
    """A press on a teach or bold button (admins only)."""
    lang = lang_of(query.from_user)
    if not rt.is_admin(query.from_user.id):
        log.warning("non-admin user %s pressed a teach button", query.from_user.id)
        await query.answer(t(lang, "not_admin"))
        return
    text = await rt.state.run(rt.state.store.get_button, key, rt.settings.state.button_days * 86400)
    state: dict[str, Any] = json.loads(text) if text else {}
    if action.startswith("s") and state.get("kind") == "bold":
        await _bold(rt, query, state, int(action[1:]))
    elif action.startswith("t") and state.get("kind") == "teach":
        await _teach(rt, query, context, state, action[1:])
    else:
        await query.answer(t(lang, "stale"))


async def _teach(rt: Runtime, query: CallbackQuery, context: Ctx, state: dict[str, Any], choice: str) -> None:
    lang, question, by = lang_of(query.from_user), str(state["question"]), f"telegram:{query.from_user.id}"
    if choice == "n":
        await rt.state.run(rt.state.store.teach, Teaching("", question, not_covered=True), by)
        await rt.engine.refresh_teachings()
        await query.answer(t(lang, "taught"))
        await _say(context, query, t(lang, "taught_not_covered", question=question))
        return
    options = state["options"]
    if int(choice) >= len(options):
        await query.answer(t(lang, "stale"))
        return
    doc, number, digest = options[int(choice)]
    paragraph = rt.engine.paragraph(str(doc), int(number))
    if paragraph is None or paragraph.hash != digest:  # the documents changed since /gaps
        await query.answer(t(lang, "teach_changed"))
        return
    kept = await rt.state.run(rt.state.store.teach, Teaching("", question, doc, number, digest), by)
    await rt.engine.refresh_teachings()
    await query.answer(t(lang, "taught"))
    sentences = split_sentences(paragraph.text)[:SENTENCES]
    key = new_key()
    bold = {"kind": "bold", "id": kept.id, "sentences": sentences}
    await rt.state.run(rt.state.store.put_button, key, json.dumps(bold, ensure_ascii=False))
    rows = [[InlineKeyboardButton(f"B {short(s)}", callback_data=callback_data(f"s{i}", key))]
            for i, s in enumerate(sentences)]
    reply = t(lang, "taught_paragraph", question=question, n=number, doc=doc)
    await _say(context, query, reply, InlineKeyboardMarkup(rows) if len(sentences) > 1 else None)


async def _bold(rt: Runtime, query: CallbackQuery, state: dict[str, Any], choice: int) -> None:
    lang, sentences = lang_of(query.from_user), list(state["sentences"])
    if choice >= len(sentences) or not await rt.state.run(rt.state.store.set_sentence, str(state["id"]),
                                                           str(sentences[choice])):
        await query.answer(t(lang, "stale"))
        return
    await rt.engine.refresh_teachings()
    await query.answer(t(lang, "taught_bold"))


async def _say(
    context: Ctx, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    message = query.message
    if message is not None:
        await send_html(context, message.chat.id, render.plain_html(text), markup=markup)
