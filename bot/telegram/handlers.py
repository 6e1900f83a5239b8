"""Handlers for officials: /start, /help, questions, /ask, media and unknown commands.

Buttons under an answer live in buttons.py, inline mode in inline.py, admins' commands in admin.py.

Conventions: a private text message is a question; in groups the bot answers only when
mentioned (@bot), replied to, or asked with /ask. Edited messages are ignored (the edit
would otherwise produce a second answer to an already answered question; users simply send
the corrected question again). Commands addressed to another bot (/cmd@otherbot) are
ignored. Stickers, photos, voice and other media get a short "please type" in private
chats and are ignored in groups. Questions (and 更多段落 presses) count against the per-user
limit settings.telegram.rate_limit_per_minute; admins are exempt.
"""

from __future__ import annotations

import logging
import re
import time

from telegram import Chat, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.ext import ApplicationHandlerStop

from bot.engine.types import Answer
from bot.state import LogEntry
from bot.telegram import candidates, handoff, render, suggestions
from bot.telegram.refs import AnswerRef
from bot.telegram.reply import Ctx, keyboard, reply_text, send_html, typing
from bot.telegram.runtime import Runtime
from bot.telegram.texts import Lang, lang_of, t

log = logging.getLogger(__name__)


async def guard(update: Update, context: Ctx) -> None:
    """Drop edited messages and channel posts before any handler (an update_id delivered
    twice never gets here: the inbox keeps one row per update_id)."""
    if update.edited_message or update.edited_channel_post or update.channel_post:
        raise ApplicationHandlerStop


async def start(update: Update, context: Ctx) -> None:
    """/start and /help: what the bot knows, how to ask, two example questions."""
    rt, message = context.runtime, update.effective_message
    if message is None:
        return
    lang = lang_of(update.effective_user)
    if not rt.engine.ready:
        await reply_text(update, context, t(lang, "not_ready"))
        return
    user_id = update.effective_user.id if update.effective_user else None
    chunks = render.intro_html(
        rt.engine.info, lang, context.bot.username,
        rt.settings.examples(lang), rt.is_admin(user_id), rt.settings.about(lang),
    )
    await send_html(context, message.chat_id, chunks)


async def ask_command(update: Update, context: Ctx) -> None:
    """/ask <question>: answer the question after the command (private chats and groups)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    parts = message.text.split(None, 1)
    await answer_question(update, context, parts[1] if len(parts) > 1 else "", command=True)


async def text_message(update: Update, context: Ctx) -> None:
    """A text message: a question in private chats; in groups only when addressed to the bot."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if await handoff.person_reply(update, context):  # a person answering a 转人工 question
        return
    question = addressed_text(message, context.bot.username, context.bot.id)
    if question is not None:
        await answer_question(update, context, question)


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The question in ``message`` if it is meant for the bot, mentions removed; else None."""
    text = message.text or ""
    if message.chat.type == Chat.PRIVATE:
        return text
    mention = "@" + bot_username.lower()
    mentioned = False
    for entity, value in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if entity.type == MessageEntity.MENTION and value.lower() == mention:
            mentioned = True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            mentioned = True
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    if not (mentioned or to_bot):
        return None
    return re.sub(re.escape(mention) + r"\b", " ", text, flags=re.IGNORECASE).strip()


def _examples(rt: Runtime, lang: Lang) -> tuple[str, ...]:
    return rt.settings.examples(lang)


async def answer_question(update: Update, context: Ctx, question: str, command: bool = False) -> None:
    """Check, rate-limit and answer ``question`` (typed after /ask when ``command``); reply
    with the answer and buttons. The question log, the chat's context and the buttons' state
    are stored before the reply."""
    rt, message, user = context.runtime, update.effective_message, update.effective_user
    if message is None or user is None:
        return
    started = time.perf_counter()
    lang, question = lang_of(user), question.strip()
    limit = rt.settings.telegram.max_question_chars
    if not question:
        examples = _examples(rt, lang)
        prompt = "empty" if command else "blank"  # only /ask alone is told about the command
        await reply_text(update, context, t(lang, prompt, example=examples[0] if examples else ""))
        return
    if len(question) > limit:
        await reply_text(update, context, t(lang, "too_long", n=len(question), max=limit))
        return
    if wait := await rt.rate_wait(user.id):
        await reply_text(update, context, t(lang, "rate_limited", seconds=wait))
        return
    if not rt.engine.ready:
        await reply_text(update, context, t(lang, "not_ready"))
        return
    async with typing(context, message.chat_id):
        before = await rt.context_of(message.chat_id)
        answer = await rt.engine.ask(question, context=before)
    if answer.answered:
        rt.stats.answered += 1
    else:
        rt.stats.refused += 1
    ref = None
    if answer.answered and answer.hits:
        asked = answer.turn.question if answer.turn else question  # a follow-up made whole
        ref = AnswerRef(
            asked, lang, answer.hits, rt.settings.retrieval.top_k, message.chat_id,
            frozenset((h.doc, h.paragraph) for h in answer.hits), suggestions=answer.suggestions,
        )
    elif answer.candidates or answer.suggestions:  # offer paragraphs (candidates.py), taught questions
        shown_hits = answer.hits if answer.status == "related" else ()  # (suggestions.py) to choose from
        ref = AnswerRef(question, lang, shown_hits, rt.settings.retrieval.top_k, message.chat_id,
                        candidates=answer.candidates, suggestions=answer.suggestions)
    elif handoff.enabled(rt):  # the 转人工 button needs the question and the chat
        ref = AnswerRef(question, lang, (), 0, message.chat_id)
    shown = answer.status != "not_covered"  # "related" replies show the closest paragraphs
    cited = tuple((h.doc, h.paragraph) for h in answer.hits) if shown else ()
    ms = (time.perf_counter() - started) * 1000
    hashes = tuple(h.hash for h in answer.hits) if shown else ()
    entry = LogEntry(update.update_id, user.id, message.chat_id, question, answer.status, cited, ms,
                     cited_hashes=hashes)
    key = await rt.record(entry, answer.turn, ref)
    markup = None
    if key is not None:
        below = keyboard(lang, key) if answer.answered else _unanswered(rt, lang, key, answer)
        markup = _suggesting(lang, key, answer, below)
    quote = message if message.chat.type != Chat.PRIVATE else None
    chunks = render.answer_html(answer, lang, _examples(rt, lang))
    await send_html(context, message.chat_id, chunks, markup=markup, reply_to=quote)


def _unanswered(rt: Runtime, lang: Lang, key: str, answer: Answer) -> InlineKeyboardMarkup | None:
    """Under a reply that does not answer: the candidate paragraphs to choose from, then 转人工."""
    rows = list(candidates.markup(answer.candidates, key).inline_keyboard) if answer.candidates else []
    if handoff.enabled(rt):
        rows += list(handoff.keyboard(lang, key).inline_keyboard)
    return InlineKeyboardMarkup(rows) if rows else None


def _suggesting(
    lang: Lang, key: str, answer: Answer, below: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """"您是不是想问：…" buttons (bot/telegram/suggestions.py) first, then the reply's others."""
    rows = suggestions.rows(lang, answer.suggestions, key)
    rows += [list(row) for row in below.inline_keyboard] if below is not None else []
    return InlineKeyboardMarkup(rows) if rows else None


async def media(update: Update, context: Ctx) -> None:
    """Stickers, photos, voice, video: ask for a typed question (private chats only)."""
    message = update.effective_message
    if message is not None and message.chat.type == Chat.PRIVATE:
        await reply_text(update, context, t(lang_of(update.effective_user), "media"))


async def unknown_command(update: Update, context: Ctx) -> None:
    """Commands we do not have: help in private chats; ignore ones meant for other bots."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = message.text.split(None, 1)[0]
    _, at, target = command.partition("@")
    if at and target.lower() != (context.bot.username or "").lower():
        return  # /cmd@otherbot: not for us
    if message.chat.type == Chat.PRIVATE or at:
        await reply_text(update, context, t(lang_of(update.effective_user), "unknown_command"))
