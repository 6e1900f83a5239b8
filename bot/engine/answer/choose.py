"""From ranked paragraphs to the bold answer: which sentence(s) say what was asked.

The sentence is chosen by sentence-level evidence (bot/engine/answer/sentence_evidence.py:
lexical and embedding signals, like the ranking) among the sentences of the best paragraph,
restricted to those that hold the kind of fact asked for (bot/engine/question/asking.py: a
number with its unit, a date, an article number). What the question wants weighs in: an
enumeration when a list is asked for; the connective of a cause, an effect, a purpose or a
meaning for open questions ("有什么效果？" wants "…达到了…", not the sentence that restates the question);
what came after an event for "X以后，…什么？" ("…回到都城后,大家都不知…", not the sentence telling X).

The answer is a complete statement of a sentence or two: a quote's attribution ("那位书记
表示。") is not an answer by itself and lends its evidence to the quote it belongs to; a
short heading ("二要规范问责程序。") names the topic and is followed by the sentence that
says it; a clause ending in a semicolon goes on in the next one; a sentence without the
connective asked for takes its successor when that one has it, and so does one that only
announces the list a question asks for ("也出现了一些问题。") when its successor gives it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.answer.sentence_evidence import SentenceIndex
from bot.engine.question.asking import FACT_KINDS, OPEN_KINDS, Asked, after_event, cues, enumerated, holds
from bot.engine.text.sentences import CLOSING_MARKS

SHORT_SENTENCE = 24  # shorter sentences are headings or fragments: they take a neighbour
LIST_BONUS = 1.5  # z-units added to an enumeration of 3+ items when a list is asked for
LIST_ITEMS = 3
CUE_BONUS = 1.0  # z-units added to a sentence with the connective an open question wants
HEADING_JUMP = 1.0  # a heading skips its next sentence for a later one this much better
REPEAT_PENALTY = 1.0  # z-units taken from a sentence the previous answer already gave
PAIR_MARGIN = 1.5  # the next sentence joins when it scores within this many z-units
MAX_ANSWER_CHARS = 150  # ... and the two stay this short
MAX_STATEMENT_CHARS = 220  # a statement continued past a semicolon or to its connective
_SPEAKER = r"[^“”\"。，,]{0,24}(?:表示|说|直言|指出|介绍|坦言|强调|认为|称|反映|告诉[^。]{0,12}记者)"
_ATTRIBUTION = re.compile(rf"^{_SPEAKER}[。：:]?$")
_SPEAKER_LEAD = re.compile(rf"^{_SPEAKER}[,，:：]")


@dataclass(frozen=True)
class Extract:
    """The chosen answer text, whether the paragraph holds the kind of fact asked for, and
    the adjusted evidence of its best sentence (comparable across one question's paragraphs)."""

    text: str
    holds: bool
    score: float = 0.0
    row: int = -1  # the sentence row that says it (its heading or continuation not counted)


def is_attribution(sentence: str) -> bool:
    """A quote's speaker line on its own ("那位书记表示。", "该CEO表示。")."""
    return _ATTRIBUTION.match(sentence.strip()) is not None


def speaks_after_quote(texts: Sequence[str], i: int) -> bool:
    """Sentence ``i`` names who said the quote just before it: an attribution on its own,
    or one that goes on ("…。”某镇干部对记者说,…")."""
    if i == 0 or i >= len(texts):
        return False
    if is_attribution(texts[i]):
        return True
    quoted = texts[i - 1].rstrip()[-1:] in CLOSING_MARKS
    return quoted and _SPEAKER_LEAD.match(texts[i].strip()) is not None


def choose(
    index: SentenceIndex,
    rows: Sequence[int],
    scores: np.ndarray,
    asked: Asked,
    subject: frozenset[str] = frozenset(),
    given: frozenset[str] = frozenset(),
) -> Extract:
    """The answer among the sentences ``rows`` of one paragraph (in reading order),
    given their evidence ``scores``. With ``subject`` (the question's lexical tokens), a
    number, date or article number counts only in a sentence that shares a word or bigram
    with the question: "他已工作30多年" does not say how long a term of office is.
    Sentences in ``given`` (the previous answer of the conversation) are told again only
    when nothing else says it: a follow-up wants new information."""
    if not rows:
        return Extract("", False)
    texts = [index.sentences[r].text for r in rows]
    fitting = [i for i, t in enumerate(texts) if fits(index, rows[i], t, asked, subject)]
    pool = fitting or list(range(len(rows)))
    adjusted = weigh(texts, scores, asked)
    ranked = adjusted - np.array([REPEAT_PENALTY * (t in given) for t in texts], dtype=np.float32)
    content = [i for i in pool if not is_attribution(texts[i])] or pool
    content = [i for i in content if texts[i] not in given] or content  # said: only if nothing else
    best = max(content, key=lambda i: ranked[i])
    score = float(ranked[best])
    if _is_heading(texts, best) and len(content) > 1:
        body = max((i for i in content if i != best), key=lambda i: ranked[i])
        if ranked[body] > ranked[best + 1] + HEADING_JUMP:  # a later sentence says it
            text = texts[best] + _complete(texts, body, adjusted, asked)
            return Extract(text, bool(fitting), score, rows[body])
    return Extract(_complete(texts, best, adjusted, asked), bool(fitting), score, rows[best])


def choose_among(
    index: SentenceIndex,
    groups: Sequence[Sequence[int]],
    scores: np.ndarray,
    asked: Asked,
    subject: frozenset[str] = frozenset(),
    given: frozenset[str] = frozenset(),
) -> tuple[int, Extract]:
    """The best answer among several paragraphs (``groups`` of sentence rows; ``scores``
    covers their rows in that order): which group, and its answer. A paragraph that holds
    the kind of fact asked for beats one that does not; then one that adds to ``given``
    (the previous answer) beats one that can only repeat it (a paragraph of one sentence)."""
    found: list[Extract] = []
    start = 0
    for rows in groups:
        found.append(choose(index, rows, scores[start : start + len(rows)], asked, subject, given))
        start += len(rows)
    fresh = [any(index.sentences[r].text not in given for r in rows) for rows in groups]
    order = [(e.holds, new, bool(e.text), e.score) for e, new in zip(found, fresh, strict=True)]
    best = max(range(len(found)), key=order.__getitem__)
    return best, found[best]


def fits(index: SentenceIndex, row: int, text: str, asked: Asked, subject: frozenset[str]) -> bool:
    """Sentence ``row`` (``text``) holds the kind of fact asked, about the question's subject."""
    return holds(text, asked) and _about(index, row, asked, subject)


def _about(index: SentenceIndex, row: int, asked: Asked, subject: frozenset[str]) -> bool:
    """A fact asked for as a quantity is about the question's subject when its sentence
    shares a word or bigram with the question (single characters do not count)."""
    if asked.kind not in FACT_KINDS or not subject:
        return True
    return any(not t.startswith("$") for t in index.tokens(row) & subject)


def weigh(texts: Sequence[str], scores: np.ndarray, asked: Asked) -> np.ndarray:
    """Evidence adjusted for what the question wants: an enumeration when a list is asked
    for, the connective of a cause, effect, purpose or meaning for open questions; a quote
    takes the evidence of the attribution after it, which says who said it."""
    adjusted = np.asarray(scores, dtype=np.float32).copy()
    for i, text in enumerate(texts):
        if asked.kind == "list" and enumerated(text) >= LIST_ITEMS:
            adjusted[i] += LIST_BONUS
        elif asked.kind in OPEN_KINDS and cues(text, asked):
            adjusted[i] += CUE_BONUS
        if asked.after and after_event(text):  # "接回来以后，又碰到什么难题？": what came after
            adjusted[i] += CUE_BONUS
    for i in range(len(texts) - 1):
        if speaks_after_quote(texts, i + 1):
            adjusted[i] = max(adjusted[i], adjusted[i + 1])
    return adjusted


def _lists(sentence: str) -> bool:
    """An enumeration (A、B、C) or parallel clauses (有的…；有的…)."""
    return enumerated(sentence) >= 2 or len(re.findall(r"[;；]", sentence)) >= 1


def _is_heading(texts: Sequence[str], i: int) -> bool:
    """A short first sentence ("二要规范问责程序。") names the paragraph's topic."""
    return i == 0 and len(texts) > 1 and len(texts[0]) < SHORT_SENTENCE


def _complete(texts: Sequence[str], best: int, scores: np.ndarray, asked: Asked) -> str:
    """The best sentence made a complete statement of a sentence or two: a short one, a
    quote followed by who said it, or one without the connective asked for whose successor
    has it, takes the next; so does one whose successor carries nearly as much evidence
    (the statement goes on there). A clause ending in a semicolon goes on to the next."""
    chosen = texts[best]
    end = best + 1
    if end < len(texts):
        after = texts[end]
        joined = len(chosen) + len(after)
        wants_cue = asked.kind in OPEN_KINDS and not cues(chosen, asked) and cues(after, asked)
        # "出现了哪些问题？" → "…也出现了一些问题。" announces the list its successor gives
        wants_cue = wants_cue or (asked.kind == "list" and not _lists(chosen) and _lists(after))
        close = scores[end] >= scores[best] - PAIR_MARGIN and joined <= MAX_ANSWER_CHARS
        if (
            len(chosen) < SHORT_SENTENCE
            or speaks_after_quote(texts, end)
            or close
            or (wants_cue and joined <= MAX_STATEMENT_CHARS)
        ):
            chosen, end = chosen + after, end + 1
    while end < len(texts) and chosen[-1] in ";；" and len(chosen + texts[end]) <= MAX_STATEMENT_CHARS:
        chosen, end = chosen + texts[end], end + 1
    return chosen


__all__ = [
    "SHORT_SENTENCE", "Extract", "choose", "choose_among", "fits", "is_attribution", "speaks_after_quote",
    "weigh",
]
