"""English names of Chinese documents: "the Organic Law of the Villagers' Committees" → 村民委员会组织法.

An English question names a Chinese law the way the official translations do, which follow
a few patterns: "Organic Law of …" = …组织法, "Regulations of X Province on …" = X省…条例,
"Law of the People's Republic of China on …" = 中华人民共和国…法, "Shanghai Municipal
Regulations on …" = 上海市…条例, "Supervision Law" = 监察法. The word order differs from the
Chinese, but the parts are the same, so a title is matched part by part, order aside:

- the English title is the run of words around a document word (Law, Regulations, Measures,
  Provisions, Rules, Code, Decision, Constitution, …): the capitalised words before it, and
  after it the "of/on/for …" phrases while their words are capitalised or joining words;
  a question in lower case gives the three content words before the document word;
- its words are rendered in Chinese longest run first (legal terms, then the dictionary:
  ``Renderings``), and a rendering counts only where it is written in a title;
- a title is named when the renderings cover at least ``MIN_SHARE`` of its characters,
  its last one (法, 例, 定 …: the kind of document) included. The titles covered most win.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from bot.engine.question.glossary import FUNCTION_WORDS, key_words

MIN_SHARE = 0.7  # of a title's characters the English words render
MAX_RUN = 6  # words rendered as one term at most
MAX_BEFORE = 8  # capitalised words before the document word
MAX_AFTER = 14  # words of the phrases after it
LOWER_BEFORE = 3  # content words before a document word written in lower case
DOCUMENT_WORDS = frozenset(
    """law laws regulation regulations measures provisions rules code constitution decision
    ordinance charter act opinions notice circular""".split()
)
JOINING = frozenset("of on for the and in governing concerning about to at".split())
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")

Renderings = Callable[[list[str]], tuple[str, ...]]  # key words → Chinese renderings


def title_spans(question: str) -> list[list[str]]:
    """The runs of words of ``question`` that may be a document's English title."""
    tokens = _TOKEN.findall(question)
    spans = []
    for k, token in enumerate(tokens):
        if token.lower() not in DOCUMENT_WORDS:
            continue
        start = k
        while start > 0 and k - start < MAX_BEFORE and _capital(tokens[start - 1]):
            start -= 1
        end = k + 1
        while end < len(tokens) and end - k <= MAX_AFTER and (
            _capital(tokens[end]) or tokens[end].lower() in JOINING
        ):
            end += 1
        while end > k + 1 and tokens[end - 1].lower() in JOINING:
            end -= 1
        if start == k and end == k + 1:  # lower case: the words just before
            while start > 0 and k - start < LOWER_BEFORE and tokens[start - 1].lower() not in FUNCTION_WORDS:
                start -= 1
        spans.append(tokens[start:end])
    return spans


def named_in_english(
    question: str, forms: Mapping[str, Sequence[str]], renderings: Renderings
) -> frozenset[str]:
    """The documents (of ``forms``: document → its Chinese titles) ``question`` names by an
    English title; empty when none."""
    titles = {form for fs in forms.values() for form in fs}
    covered: dict[str, set[int]] = {}
    for span in title_spans(question):
        words = key_words(" ".join(span))
        i = 0
        while i < len(words):
            for n in range(min(MAX_RUN, len(words) - i), 0, -1):
                if n == 1 and words[i] in FUNCTION_WORDS:
                    continue
                found = [r for r in renderings(words[i : i + n]) if any(r in t for t in titles)]
                if found:
                    for title in titles:
                        for rendering in found:
                            for at in _occurrences(title, rendering):
                                covered.setdefault(title, set()).update(range(at, at + len(rendering)))
                    i += n
                    break
            else:
                i += 1
    score: dict[str, int] = {}
    for doc, fs in forms.items():
        for form in fs:
            chars = covered.get(form, set())
            if len(form) - 1 in chars and len(chars) >= MIN_SHARE * len(form):
                score[doc] = max(score.get(doc, 0), len(chars))
    best = max(score.values(), default=0)
    return frozenset(doc for doc, n in score.items() if n == best and best)


def _capital(token: str) -> bool:
    return token[:1].isupper()


def _occurrences(text: str, part: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(part), text)]


__all__ = ["DOCUMENT_WORDS", "MIN_SHARE", "Renderings", "named_in_english", "title_spans"]
