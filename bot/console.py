"""The console transport: `qabot ask` (one question, as text or JSON) and `qabot chat` (one
question per line on stdin, answered as a chat, as text or one JSON object per line: a
follow-up is read with the last answer, a number picks one of the offered taught questions
("您是不是想问", numbered first) or candidate paragraphs). Both ask through ServedEngine, with
what is taught in the configured state store, as the Telegram bot does.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from bot.engine.types import Answer, Hit, Teaching, Turn
from bot.serving.engine import ServedEngine, Teachings
from bot.state import Conversations, read_taught
from config.settings import Settings


def ask(settings: Settings, question: str, as_json: bool = False) -> None:
    """Answer one question and print it (`qabot ask`)."""

    async def asked() -> Answer:
        served = ServedEngine(settings, teachings=_taught(settings))
        await served.open()
        try:
            return await served.ask(question)
        finally:
            served.close()

    answer = asyncio.run(asked())
    print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2) if as_json else format_answer(answer))


def chat(settings: Settings, as_json: bool = False) -> None:
    """Answer stdin line by line, as a chat, until end of input (`qabot chat`; ``as_json``:
    one `qabot ask --json` object per line)."""

    async def chatting() -> None:
        served = ServedEngine(settings, teachings=_taught(settings))
        await served.open()
        conversation = Conversations(settings.conversation.context_minutes * 60)
        offered: Answer | None = None  # the last answer, whose candidates a number picks
        if sys.stdin.isatty() and not as_json:
            info = served.info
            print(f"qabot: {', '.join(info.documents)} ({info.paragraphs} ¶). 输入问题，Ctrl-D 退出。")
        try:
            while line := await asyncio.to_thread(sys.stdin.readline):
                question = line.strip()
                if not question:
                    continue
                suggested = chosen_suggestion(offered, question)
                chosen = None if suggested else chosen_candidate(offered, question)
                if suggested:  # as if the taught question was asked: answered from its teaching
                    answer = await served.ask(suggested)
                else:
                    answer = chosen or await served.ask(question, context=conversation.get(0))
                offered = answer
                conversation.put(0, answer.turn)
                if as_json:
                    print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
                else:
                    print(format_answer(answer), flush=True)
                    print(flush=True)
        finally:
            served.close()

    asyncio.run(chatting())


def _taught(settings: Settings) -> Teachings:
    """An async reader of what is taught in the configured store (for ServedEngine)."""

    async def read() -> tuple[Teaching, ...]:
        return await asyncio.to_thread(read_taught, settings)

    return read


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `qabot ask --json` shape."""
    shown = answer.hits if answer.status != "not_covered" else ()
    return {
        "question": answer.question,
        "status": answer.status,
        "answered": answer.answered,
        "answer": answer.answer,
        "taught": answer.taught,
        "passages": [
            {"doc": h.doc, "paragraph": h.paragraph, "section": h.section, "page": h.page, "text": h.text,
             "score": round(h.score, 4)}
            for h in shown
        ],
        "candidates": [
            {"doc": c.doc, "paragraph": c.paragraph, "sentence": c.sentence} for c in answer.candidates
        ],
        "suggestions": [
            {"question": s.question, "doc": s.doc, "paragraph": s.paragraph} for s in answer.suggestions
        ],
    }


def chosen_suggestion(previous: Answer | None, line: str) -> str:
    """The taught question that ``line`` ("1"…, numbered before the candidates) picks of
    ``previous``'s suggestions ("" none)."""
    if previous is None or not line.isdigit() or not 1 <= int(line) <= len(previous.suggestions):
        return ""
    return previous.suggestions[int(line) - 1].question


def chosen_candidate(previous: Answer | None, line: str) -> Answer | None:
    """The full answer of candidate ``line`` ("1", "2"…) of ``previous``; None when ``line``
    picks none (then it is a question)."""
    first = len(previous.suggestions) + 1 if previous is not None else 1  # after the suggestions
    if previous is None or not line.isdigit() or not first <= int(line) < first + len(previous.candidates):
        return None
    c = previous.candidates[int(line) - first]
    hit = next(h for h in previous.hits if (h.doc, h.paragraph) == (c.doc, c.paragraph))
    return Answer(previous.question, "answered", c.sentence, (hit,),
                  turn=Turn(previous.question, ((c.doc, c.paragraph),), c.sentence))


def format_answer(answer: Answer) -> str:
    """Plain-text answer for the console; the taught questions it suggests numbered first."""
    text = _format_reply(answer)
    if not answer.suggestions:
        return text
    lines = [f"{i}) 您是不是想问：{s.question} (Did you mean…?)" for i, s in enumerate(answer.suggestions, 1)]
    return "\n".join([text, "", "回复序号 (reply a number):", *lines])


def _format_reply(answer: Answer) -> str:
    """The reply itself: the answer, the candidates (numbered after any suggestions) or a notice."""
    where = "文章" if answer.library <= 1 else "资料中"  # 文章 only for a single article
    if answer.candidates:
        first = len(answer.suggestions) + 1
        ask = f"{where}没有直接回答这个问题，您问的是哪一段？回复序号"
        lines = [f"{ask} (Not answered directly; reply a number):", ""]
        return "\n".join(lines + [f"{i}) ¶{c.paragraph} ({c.doc}) {c.sentence}"
                                   for i, c in enumerate(answer.candidates, first)])
    if answer.status == "related" and answer.hits:
        lines = [f"{where}没有直接回答这个问题，以下段落可能相关：(Not answered directly; related:)", ""]
        return "\n".join(lines + [_cited(h) for h in answer.hits])
    if not answer.answered:
        return f"{where}没有涉及这个问题。(The documents do not cover this question.)"
    lines = [f"答：{answer.answer}", ""]
    lines += [_cited(h) for h in answer.hits]
    return "\n".join(lines)


def _cited(hit: Hit) -> str:
    """ "¶12 (《办法》第二章 第七条 · 第3页) text" for the console."""
    return f"¶{hit.paragraph} ({hit.source()}) {hit.text}"
