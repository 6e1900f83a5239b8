"""Cross-lingual lexical matching: the English words of a question become weighted Chinese
query terms that the documents actually contain (and the Chinese words of a question,
English terms, when the documents are English).

BM25 is the strongest single signal for Chinese questions and gives nothing to an English
question about a Chinese text. The dictionary (CC-CEDICT, bot/engine/question/glossary.py) maps short
English glosses to headwords: "hold accountable" → 问责, 追责; "subdistrict" → 街道. A
question is read left to right, taking at each word the longest run of up to three words
that is a gloss (the last word also as its singular or stem: "departments" → department),
else the word inside a longer gloss ("grassroots" of "grassroots unit" → 基层, at half
weight); proper names come from the leading capitalised words of longer glosses
("Liaoning province in northeast China" → 辽宁). Only headwords the documents hold are kept
("corpus-constrained dictionary translation": a dictionary lists many renderings, the
documents choose): the headword is one of their words, or at least half of its character
bigrams occur in them. Each unit shares one unit of weight among its k kept headwords
(1/√k each), so a vague word with twenty renderings counts less than a precise one. The
terms are the kept headwords' words and bigrams, added to the question's own in BM25.

The other direction (a Chinese question, English documents) maps each jieba word of the
question to the content words of its glosses that the documents contain, singular or plural.

Measured on the 42 English in-scope questions of dev, dev2 and held-out (bench/FINDINGS.md):
paragraph rank@1 0.55 → 0.71, rank@3 0.71 → 0.90 together with the cross-lingual fusion
weights (bot/engine/rank/hybrid.py). Per question: dictionary lookups and a tokenisation of each
kept headword, cached per index (1.1 ms CPU the first time a word is seen, 0.14 ms after).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import jieba

from bot.engine.question.glossary import (
    FUNCTION_WORDS,
    Glossary,
    inflections,
    key_words,
    load_glossary,
    word_forms,
)
from bot.engine.question.legal_terms import LegalTerms, american, load_terms
from bot.engine.text.script import CJK_RUN
from bot.engine.text.tokenize import STOPWORDS, tokenize

PARTIAL_WEIGHT = 0.5  # a word found only inside a longer gloss counts this much


@dataclass(frozen=True)
class Unit:
    """One translated piece of a question: its words and the renderings the documents hold."""

    source: str  # "hold accountable", or a Chinese word
    targets: tuple[str, ...]  # headwords (Chinese documents) or English words
    partial: bool = False  # found only inside a longer gloss

    @property
    def weight(self) -> float:
        """Each rendering's share of the unit (1/√k; a partial match counts less)."""
        return (PARTIAL_WEIGHT if self.partial else 1.0) / math.sqrt(len(self.targets))


class KnownTerms(Protocol):
    """The documents' lexical terms and how many passages hold each (rank/bm25.py's
    LexicalIndex is one): only terms the documents hold are worth searching."""

    @property
    def df(self) -> Mapping[str, int]:
        """Passages each term occurs in (0 for a term the documents lack)."""
        ...


class Translator:
    """The other language's words of a question → weighted terms of one lexical index."""

    def __init__(
        self, lexical: KnownTerms, documents_cjk: bool = True, glossary: Glossary | None = None,
        legal: LegalTerms | None = None,
    ) -> None:
        self._lexical = lexical
        self.documents_cjk = documents_cjk
        self._glossary = glossary
        self.legal = legal if legal is not None else load_terms()
        self._known: dict[str, tuple[str, ...]] = {}  # rendering → its terms in the documents
        self._written_terms: dict[str, tuple[str, ...]] = {}  # the same for a legal term's rendering

    @property
    def glossary(self) -> Glossary:
        """The dictionary in this index's direction (loaded on first use)."""
        if self._glossary is None:
            self._glossary = load_glossary(to_chinese=self.documents_cjk)
        return self._glossary

    def terms(self, norm_question: str) -> dict[str, float]:
        """Query terms in the documents' language and their weights (empty when nothing
        translates)."""
        weights: dict[str, float] = defaultdict(float)
        for unit in self.units(norm_question):
            for target in unit.targets:
                for term in self._written(target):
                    weights[term] += unit.weight
        return dict(weights)

    def renderings(self, run: list[str]) -> tuple[str, ...]:
        """Every rendering of a run of key words, whether the documents hold it or not: its
        legal term's, else the dictionary's (English titles: question/english_titles.py)."""
        legal = self.legal.lookup(run)
        if legal:
            return legal
        for words in (run, [american(w) for w in run]):
            for form in word_forms(words[-1]):
                found = self.glossary.headwords(" ".join([*words[:-1], form]))
                if found:
                    return tuple(found)
        return ()

    def rendered(self, norm_question: str) -> str:
        """The question as the documents' language would write its translated words: the
        first rendering of each unit, in order ("" when nothing translates). Embedded by the
        first model as a second dense query (bot/engine/reading.py)."""
        joiner = "" if self.documents_cjk else " "
        return joiner.join(unit.targets[0] for unit in self.units(norm_question))

    def units(self, norm_question: str) -> list[Unit]:
        """The question's translated units, left to right."""
        if not self.documents_cjk:
            return self._from_chinese(norm_question)
        words = key_words(" ".join(CJK_RUN.split(norm_question)))
        spans = self._legal_spans(words)
        found: list[Unit] = []
        i = 0
        while i < len(words):
            if i in spans:
                n, targets = spans[i]
                if targets:
                    found.append(Unit(" ".join(words[i : i + n]), targets))
                i += n
                continue
            gap = next((j for j in range(i + 1, len(words)) if j in spans), len(words)) - i
            for n in range(min(MAX_RUN, gap), 0, -1):
                run = words[i : i + n]
                if n == 1 and not _content(run[0]):
                    continue
                targets = self._kept(self.glossary.headwords, run)
                if targets:
                    found.append(Unit(" ".join(run), targets))
                    i += n
                    break
            else:
                if _content(words[i]) and PARTIAL_WEIGHT:
                    targets = self._kept(self.glossary.within, [words[i]])
                    if targets:
                        found.append(Unit(words[i], targets, partial=True))
                i += 1
        return found

    def _from_chinese(self, norm_question: str) -> list[Unit]:
        found = []
        for run in CJK_RUN.findall(norm_question):
            for word in dict.fromkeys(jieba.cut_for_search(run)):  # 乡镇干部: 乡镇, 干部 too
                if len(word) < 2 or word in STOPWORDS:
                    continue
                targets = tuple(w for w in self.glossary.glosses(word) if self._terms_of(w))
                if targets:
                    found.append(Unit(word, targets))
        return found

    def _legal_spans(self, words: list[str]) -> dict[int, tuple[int, tuple[str, ...]]]:
        """The legal terms of ``words`` whose renderings the documents hold (and question
        phrases: no renderings), longest first, none overlapping: start → (length, renderings).
        "meet between sessions" is "meet" + "between sessions" (闭会期间), whichever comes first."""
        found = []
        for i in range(len(words)):
            for n in range(min(self.legal.longest, len(words) - i), 0, -1):
                if n == 1 and not _content(words[i]):
                    continue
                renderings = self.legal.lookup(words[i : i + n])
                if renderings is None:
                    continue
                kept = tuple(h for h in renderings if self._written(h))
                if kept or not renderings:
                    found.append((n, i, kept))
                    break
        spans: dict[int, tuple[int, tuple[str, ...]]] = {}
        taken: set[int] = set()
        for n, i, kept in sorted(found, key=lambda f: (-f[0], f[1])):
            if not taken & set(range(i, i + n)):
                spans[i] = (n, kept)
                taken |= set(range(i, i + n))
        return spans

    def _kept(self, lookup: Callable[[str], list[str]], run: list[str]) -> tuple[str, ...]:
        """Headwords of the first form of ``run`` (its last word inflected or not, the run
        in British or American spelling) that the documents hold."""
        spellings = [run, [american(w) for w in run]]
        for words in (spellings[:1] if spellings[0] == spellings[1] else spellings):
            for form in word_forms(words[-1]):
                kept = tuple(h for h in lookup(" ".join([*words[:-1], form])) if self._terms_of(h))
                if kept:
                    return kept
        return ()

    def _terms_of(self, target: str) -> tuple[str, ...]:
        """The rendering's terms that occur in the documents; () when the documents do not
        hold it (cached)."""
        known = self._known.get(target)
        if known is None:
            known = self._known[target] = self._held(target) if self.documents_cjk else self._english(target)
        return known

    def _held(self, headword: str) -> tuple[str, ...]:
        """A Chinese headword's words and bigrams, when the documents hold it: as a word,
        or at least half of its character bigrams (功能团 shares only 功能 with a text about
        功能; 问责性 is 问责 + 责性, half). One character matches too much to stand for a
        translation."""
        df = self._lexical.df
        if len(headword) < 2:
            return ()
        bigrams = ["#" + headword[i : i + 2] for i in range(len(headword) - 1)]
        if not df[headword] and 2 * sum(df[b] > 0 for b in bigrams) < len(bigrams):
            return ()
        return tuple(t for t in dict.fromkeys(tokenize(headword)) if not t.startswith("$") and df[t])

    def _written(self, term: str) -> tuple[str, ...]:
        """A legal term's terms, when the documents hold it: as a word, or each of its words
        (闭会期间 is 闭会 + 期间 to the tokenizer)."""
        if not self.documents_cjk:
            return self._terms_of(term)
        known = self._written_terms.get(term)
        if known is None:
            df = self._lexical.df
            words = [t for t in tokenize(term) if not t.startswith(("#", "$"))]
            whole = len(term) >= 2 and (df[term] > 0 or (bool(words) and all(df[w] for w in words)))
            tokens = tuple(t for t in dict.fromkeys(tokenize(term)) if not t.startswith("$") and df[t])
            known = self._written_terms[term] = self._terms_of(term) or (tokens if whole else ())
        return known

    def _english(self, word: str) -> tuple[str, ...]:
        """An English gloss word as the documents write it (singular or plural)."""
        df = self._lexical.df
        return tuple(form for form in inflections(word) if df[form])


MAX_RUN = 3  # words of the longest gloss looked up


def _content(word: str) -> bool:
    return word not in FUNCTION_WORDS and not word.isdigit()


__all__ = ["PARTIAL_WEIGHT", "Translator", "Unit"]
