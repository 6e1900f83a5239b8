"""Inline mode: ``@bot 问题`` typed in any chat offers up to three results to send there.

Each result is an article. For an answered question the first one sends the same reply a
private chat gets (bold answer, then the cited paragraphs), titled with the short answer;
the others each send one further cited paragraph, titled with its opening. The description
names ¶n and the document. A question the documents do not answer offers one result that
sends the reply a private chat would get and cites no paragraph as an answer; a question
close to taught wordings ("您是不是想问", bot/telegram/suggestions.py) offers each right after
that first result, titled "您是不是想问：…" and sending the taught wording's answer; an empty
query offers the example questions, each sending its answer. Inline queries count against
the same per-user rate limit as questions; /metrics counts them by outcome apart from
questions (qabot_inline_queries_total), since Telegram sends one per pause in typing. No
buttons: a message sent through inline mode lives in someone else's chat, where 更多段落
could not reply.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode

from bot.engine.types import Answer
from bot.serving.text import printable, split_sentences
from bot.telegram import render
from bot.telegram.reply import Ctx
from bot.telegram.texts import Lang, lang_of, t

log = logging.getLogger(__name__)
MAX_RESULTS = 3
TITLE_CHARS = 80
CACHE_SECONDS = 30  # Telegram may reuse our results this long for the same query text
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def inline_query(update: Update, context: Ctx) -> None:
    """Answer ``@bot question`` with up to three articles (examples when the query is empty)."""
    query = update.inline_query
    if query is None:
        return
    rt, lang, user_id = context.runtime, lang_of(query.from_user), query.from_user.id
    text = " ".join(query.query.split())
    notice = None
    if not rt.engine.ready:
        notice = t(lang, "not_ready")
    elif len(text) > rt.settings.telegram.max_question_chars:
        notice = t(lang, "too_long", n=len(text), max=rt.settings.telegram.max_question_chars)
    elif wait := await rt.rate_wait(user_id):
        notice = t(lang, "rate_limited", seconds=wait)
    if notice is not None:
        button = InlineQueryResultsButton(notice[:64], start_parameter="inline")
        await query.answer([], button=button, cache_time=0, is_personal=True)
        return
    examples = rt.settings.examples(lang)
    questions = [text] if text else list(examples[:MAX_RESULTS])
    answers, version = await rt.engine.ask_all(questions)
    if text:
        rt.metrics.inline_query(answers[0].status)
        offered = [s.question for s in answers[0].suggestions][: MAX_RESULTS - 1]
        suggested = (await rt.engine.ask_all(offered))[0] if offered else []
        results = articles(answers[0], lang, examples, version, suggested)
    else:
        results = [example_article(a, lang, version) for a in answers]
    await query.answer(results, cache_time=CACHE_SECONDS)


def articles(
    answer: Answer, lang: Lang, examples: tuple[str, ...], version: str, suggested: Sequence[Answer] = ()
) -> list[InlineQueryResultArticle]:
    """Results for one question: the whole reply first, then one per taught question it
    suggests (``suggested``: their answers), then one per candidate or further cited paragraph."""
    found = _articles(answer, lang, examples, version)
    offers = [
        _article(_result_id(answer.question, version, 10 + i), t(lang, "btn_suggest", question=a.question),
                 a.answer, render.answer_html(a, lang, examples)[0])
        for i, a in enumerate(suggested) if a.answered
    ]
    return [found[0], *offers, *found[1:]][:MAX_RESULTS]


def _articles(
    answer: Answer, lang: Lang, examples: tuple[str, ...], version: str
) -> list[InlineQueryResultArticle]:
    """The reply first, then one per candidate or further cited paragraph."""
    reply = render.answer_html(answer, lang, examples)[0]
    hits = render.unique_hits(answer.hits) if answer.status != "not_covered" else []
    if answer.answered:
        title = answer.answer
    elif hits:  # the notice in the words that fit the library, as a title (no closing colon)
        title = render.related_notice(answer, lang).rstrip("：: ")
    else:
        title = render.off_topic_notice(answer, lang, printable(answer.question))
    where = ", ".join(f"¶{h.paragraph} · {h.doc}" for h in hits[:MAX_RESULTS])
    first = _article(_result_id(answer.question, version, 0), title, where, reply)
    if answer.candidates:  # unsure: each candidate paragraph is a result that answers from it
        by_paragraph = {(h.doc, h.paragraph): h for h in hits}
        chosen = [(c, by_paragraph[(c.doc, c.paragraph)]) for c in answer.candidates
                  if (c.doc, c.paragraph) in by_paragraph]
        return [first] + [
            _article(_result_id(answer.question, version, i), f"¶{c.paragraph} {c.sentence}", hit.doc,
                     render.answer_html(replace(answer, status="answered", answer=c.sentence, hits=(hit,)),
                                        lang, examples)[0])
            for i, (c, hit) in enumerate(chosen[: MAX_RESULTS - 1], start=1)
        ]
    if not answer.answered:
        return [first]
    more = [
        _article(
            _result_id(answer.question, version, i), _opening(hit.text), f"¶{hit.paragraph} · {hit.doc}",
            render.answer_html(replace(answer, answer=_opening(hit.text), hits=(hit,)), lang, examples)[0],
        )
        for i, hit in enumerate(hits[1:MAX_RESULTS], start=1)
    ]
    return [first, *more]


def example_article(answer: Answer, lang: Lang, version: str) -> InlineQueryResultArticle:
    """An example question offered on an empty query; choosing it sends its answer."""
    reply = render.answer_html(answer, lang, ())[0]
    return _article(_result_id(answer.question, version, 0), answer.question, answer.answer, reply)


def _article(rid: str, title: str, description: str, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        rid, render.shorten(title, TITLE_CHARS),
        InputTextMessageContent(html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW),
        description=render.shorten(description, 2 * TITLE_CHARS) or None,
    )


def _result_id(question: str, version: str, index: int) -> str:
    """Unique per question, index version and position; 32 ASCII bytes (limit: 64)."""
    digest = hashlib.sha256(f"{version}\n{question}".encode()).hexdigest()[:28]
    return f"{digest}:{index:02d}"


def _opening(text: str) -> str:
    sentences = split_sentences(text)
    return sentences[0] if sentences else text

