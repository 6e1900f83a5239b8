"""Question-and-answer documents teach themselves.

Policy explainers (政策解读) are often written as 问：…答：…, 一问一答, Q:/A:, or numbered
questions each followed by its answer. Such a question is the best wording there is for its
answer, so every one becomes a taught wording of its answer paragraph (bot/engine/question/
taught.py), built with the index from the paragraphs alone: no admin and no state store
needed, and it goes away with the document.

Recognised, paragraph by paragraph:

- a question paragraph marked 问/问题/Q (问：…, 【问】…, Q1: …) followed by an answer
  paragraph marked 答/答复/A (答：…, 【答】…, A: …);
- both in one paragraph (问：…？答：…);
- a numbered question (1. …？, 一、…？, （三）…？, 问题5：…？) followed by a paragraph that is
  not itself a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.engine.documents.ingest import Paragraph
from bot.engine.text.sentences import split_sentences
from bot.engine.types import Teaching

MAX_QUESTION_CHARS = 120  # longer than this a "question" is prose that happens to ask

_NUMBER = r"(?:[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})"
_ASK = re.compile(
    rf"^\s*(?:【\s*(?:问|问题|Q)\s*】|(?:问题?\s*{_NUMBER}?|Q\s*{_NUMBER}?)\s*[：:.、．])\s*(?P<q>.+)$",
    re.I | re.S,
)
_ANSWER = re.compile(r"^\s*(?:【\s*(?:答|答复|A)\s*】|(?:答复?|A)\s*[：:.、．])\s*(?P<a>.+)$", re.I | re.S)
_BOTH = re.compile(
    rf"^\s*(?:【\s*问\s*】|(?:问题?\s*{_NUMBER}?|Q\s*{_NUMBER}?)\s*[：:])\s*(?P<q>.+?[？?])\s*"
    r"(?:【\s*答\s*】|(?:答复?|A)\s*[：:])\s*(?P<a>.+)$",
    re.I | re.S,
)
_NUMBERED = re.compile(
    rf"^\s*(?:[（(]\s*{_NUMBER}\s*[)）]|{_NUMBER}\s*[、.．)）])\s*(?P<q>[^\n]+?[？?])\s*$"
)


def question_of(text: str) -> str:
    """The question a paragraph asks as a 问/Q or numbered question ("" when it is not one)."""
    for pattern in (_ASK, _NUMBERED):
        m = pattern.match(text)
        if m and len(m.group("q")) <= MAX_QUESTION_CHARS and not _ANSWER.match(text):
            q = m.group("q").strip()
            if pattern is _ASK or q.endswith(("？", "?")):
                return q
    return ""


def qa_teachings(paragraphs: Sequence[Paragraph]) -> list[Teaching]:
    """The taught wordings a collection's 问答 paragraphs give (in reading order)."""
    out: list[Teaching] = []
    for i, p in enumerate(paragraphs):
        if not p.servable:
            continue
        both = _BOTH.match(p.text)
        if both and len(both.group("q")) <= MAX_QUESTION_CHARS:
            first = next(iter(split_sentences(both.group("a"))), "")
            out.append(_teaching(both.group("q"), p, first))
            continue
        question = question_of(p.text)
        if not question:
            continue
        following = _next_servable(paragraphs, i)
        if following is None or following.doc != p.doc or question_of(following.text):
            continue
        marked = _ANSWER.match(following.text) is not None
        if _ASK.match(p.text) or marked or _NUMBERED.match(p.text):
            out.append(_teaching(question, following, ""))
    return out


def _teaching(question: str, answer: Paragraph, sentence: str) -> Teaching:
    question = question.strip()
    return Teaching(f"qa:{answer.doc}:¶{answer.number}:{question[:16]}", question, answer.doc, answer.number,
                    answer.hash, sentence)


def _next_servable(paragraphs: Sequence[Paragraph], i: int) -> Paragraph | None:
    return next((q for q in paragraphs[i + 1 :] if q.servable), None)


__all__ = ["qa_teachings", "question_of"]
