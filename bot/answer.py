"""From ranked paragraphs to the bold answer: which sentence(s) say what was asked.

The sentence is chosen by sentence-level evidence (bot/sentences.py: lexical and embedding
signals, like the ranking) among the sentences of the best paragraph, restricted to those
that hold the kind of fact asked for (bot/asking.py: a number with its unit, a date, an
article number) and preferring enumerations when a list is asked for. The answer is a
complete statement: a quote's attribution ("那位书记表示。") is not an answer by itself
and takes the quote it belongs to; a short heading sentence ("二要标准问责程序。") takes
the sentence after it; a sentence or two at most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.asking import Asked, holds, lists
from bot.sentences import SentenceIndex

SHORT_SENTENCE = 24  # shorter sentences are headings or fragments: they take a neighbour
LIST_BONUS = 0.5  # z-units added to enumerating sentences when a list is asked for
PAIR_MARGIN = 1.5  # the next sentence joins when it scores within this many z-units
MAX_ANSWER_CHARS = 150  # ... and the two stay this short
_ATTRIBUTION = re.compile(
    r"^[^“”\"。，,]{0,24}(?:表示|说|直言|指出|介绍|坦言|强调|认为|称|反映|告诉[^。]{0,12}记者)[。：:]?$"
)


@dataclass(frozen=True)
class Extract:
    """The chosen answer text and whether the paragraph holds the kind of fact asked for."""

    text: str
    holds: bool


def is_attribution(sentence: str) -> bool:
    """A quote's speaker line on its own ("那位书记表示。", "该CEO表示。")."""
    return _ATTRIBUTION.match(sentence.strip()) is not None


def choose(
    index: SentenceIndex, rows: Sequence[int], scores: np.ndarray, asked: Asked
) -> Extract:
    """The answer among the sentences ``rows`` of one paragraph (in reading order),
    given their evidence ``scores``."""
    if not rows:
        return Extract("", False)
    texts = [index.sentences[r].text for r in rows]
    fitting = [i for i, t in enumerate(texts) if holds(t, asked)]
    pool = fitting or list(range(len(rows)))
    bonus = np.array([LIST_BONUS * (asked.kind == "list" and lists(t)) for t in texts])
    adjusted = np.asarray(scores, dtype=np.float32) + bonus
    content = [i for i in pool if not is_attribution(texts[i])] or pool
    best = max(content, key=lambda i: adjusted[i])
    return Extract(_complete(texts, best, adjusted), bool(fitting))


def _complete(texts: Sequence[str], best: int, scores: np.ndarray) -> str:
    """The best sentence made a complete statement, at most two sentences: a short one or
    one followed by its attribution takes the next; so does one whose successor carries
    nearly as much evidence (the statement goes on there)."""
    chosen = texts[best]
    if best + 1 >= len(texts):
        return chosen
    after = texts[best + 1]
    if len(chosen) < SHORT_SENTENCE or is_attribution(after):
        return chosen + after
    close = scores[best + 1] >= scores[best] - PAIR_MARGIN
    if close and len(chosen) + len(after) <= MAX_ANSWER_CHARS:
        return chosen + after
    return chosen


__all__ = ["SHORT_SENTENCE", "Extract", "choose", "is_attribution"]
