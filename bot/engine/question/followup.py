"""Follow-up questions: "最少的呢？", "那应该怎么办？", "What about villages?".

A message is read as a follow-up of the chat's previous turn when it leans on it: it opens
with a pronoun or a linking word (那/这些/它/and/what about/…), ends with the elliptical 呢,
or has no content word of its own; or it is a short open question about nothing it names:
at most one content word, and a common one ("原因是什么？", "有什么后果？", "怎么解决？",
"居民怎么看？"; "What are the consequences?", "Give an example."): the subject is the
thread's. A follow-up is made whole by putting it after the
question that started the thread ("乡镇最多签了多少份责任状？ 最少的呢？"), so retrieval,
the kind of fact asked for and the answer sentence all see the subject. Any other message
is a new question and is answered on its own, so a new topic is never pulled towards the
old one. The rules are about how people ask, never about a document.
"""

from __future__ import annotations

import re

from bot.engine.question.asking import asks_what
from bot.engine.question.concepts import SPECIFIC_IDF, content_words, specificity
from bot.engine.text.normalize import normalize
from bot.engine.text.script import has_content, is_cjk_text
from bot.engine.text.sentences import split_sentences
from bot.engine.text.tokenize import STOPWORDS, tokenize
from bot.engine.types import Turn

MAX_FOLLOW_UP_CHARS = 20  # a longer message states its own subject
MAX_FOLLOW_UP_WORDS = 8
_ZH_OPENERS = re.compile(
    r"^(?:那么|那|这些|那些|这个|那个|这种|那种|这样|这|它们|它|他们|她们|他|她|其|此|该|还有|另外|然后|如果|要是|那如果|具体)"
)
_ZH_ELLIPSIS = re.compile(r"呢[？?！!。.\s]*$")
_EN_OPENERS = re.compile(
    r"^(?:what|how) about\b|^and\b|^also\b|^then\b|^so\b|^but\b|^why(?: so| not)?\W*$|^how so\W*$",
    re.I,
)
# What people ask about a subject already named: a cause, an effect, a remedy, an example.
_EN_GENERIC = frozenset(
    """
    reason reasons cause causes consequence consequences effect effects result results impact
    impacts solution solutions remedy remedies example examples instance instances detail
    details more else solve solved fix fixed done do happen happens happened mean means give
    tell explain can could should would be way ways
    """.split()
)
_EN_WORD = re.compile(r"[a-z]+")
# "there" points back ("What happens there?"), except in "there is/are" ("How many … are there?")
_EN_PRONOUNS = re.compile(
    r"\b(?:it|its|they|them|their|that|those|these|this|he|she)\b"
    r"|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?! (?:is|are|was|were)\b)",
    re.I,
)


def is_follow_up(question: str) -> bool:
    """True when ``question`` leans on the previous turn rather than standing alone."""
    q = question.strip()
    if not has_content(q):  # "👍", "？": a reaction asks nothing, not even about the last answer
        return False
    if is_cjk_text(q):
        if len(q) > MAX_FOLLOW_UP_CHARS:
            return False
        return bool(_ZH_OPENERS.match(q) or _ZH_ELLIPSIS.search(q) or not _words(q) or _names_nothing(q))
    words = q.split()
    if len(words) > MAX_FOLLOW_UP_WORDS:
        return False
    generic = set(_EN_WORD.findall(q.lower())) - STOPWORDS <= _EN_GENERIC
    return bool(_EN_OPENERS.match(q) or _EN_PRONOUNS.search(q) or not _words(q) or generic)


def own_words(question: str) -> str:
    """What a follow-up says itself: the question less its linking opener ("还有呢？" →
    "呢？", "那如果是村里呢？" → "是村里呢？"). The documents need not know "还有"."""
    q = question.strip()
    return _ZH_OPENERS.sub("", q, count=1) if is_cjk_text(q) else q


def _names_nothing(question: str) -> bool:
    """A Chinese wh-question with at most one content word, a common one: "原因是什么？"."""
    if not asks_what(question):
        return False
    words = content_words(question)
    return len(words) <= 1 and all(specificity(w) < SPECIFIC_IDF for w in words)


def _words(question: str) -> list[str]:
    """Content words (no character bigrams or single characters) of a question."""
    return [t for t in tokenize(normalize(question)) if t[0] not in "#$"]


def thread_start(turn: Turn) -> str:
    """The question that started the thread of ``turn`` (a follow-up made whole keeps its
    first question in front)."""
    parts = split_sentences(turn.question)
    return parts[0] if len(parts) > 1 else turn.question.strip()


def resolve(question: str, context: Turn) -> str:
    """``question`` made whole with the question that started the context's thread."""
    start = thread_start(context)
    if start and start[-1] not in "？?。.！!":
        start += "？" if is_cjk_text(start) else "?"
    return f"{start} {question.strip()}"


__all__ = ["is_follow_up", "own_words", "resolve", "thread_start"]
