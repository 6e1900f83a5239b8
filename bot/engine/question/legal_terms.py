"""Standard legal-English terms of Chinese law (legal_terms.tsv) as a lookup before the dictionary.

CC-CEDICT (bot/engine/question/glossary.py) glosses everyday Chinese: "recall" is 回收 and 召回
there, "presidium" is found but "people's congress" gets six renderings, "self-governing
organization" none. The official English translations of Chinese laws (the NPC's, the State
Council's) render the terms of government one way each: recall = 罢免, supervisory commission =
监察委员会, villagers' committee = 村民委员会, between sessions = 闭会期间. Those renderings are data
(legal_terms.tsv, one term a line), looked up first by the translator
(bot/engine/question/crosslingual.py); a term the documents do not write falls back to the
dictionary, so a text about product recalls still finds 召回.

English is folded the same way on both sides, so the file is written naturally: lower case,
hyphens and apostrophes dropped (key_words), British spellings as American ("organisation",
"neighbour", "defence", "centre"), each word singular ("villagers' committees" = "villager
committee"); the last word of a run is also tried as its base form ("sentenced" → sentence).
A term whose rendering is "-" is a question phrase ("how often"): it asks, it is not
translated. Read once per process (about 600 lines, < 5 ms).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.engine.question.glossary import key_words, word_forms

TERMS_FILE = Path(__file__).resolve().parent / "legal_terms.tsv"
ASKING = "-"  # the rendering of a question phrase: not translated
_BRITISH = (  # British spellings → American, on word ends (one rule each)
    (re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"our(s|ed|ing|hood|hoods|able|ite|ites)?$"), r"or\1"),
    (re.compile(r"(?<=[aeiou][nc])ce$"), "se"),  # defence, licence, offence
    (re.compile(r"tre(s?)$"), r"ter\1"),  # centre
)
_SHORT_WORDS = frozenset({"is", "as", "us", "its", "has", "was", "does", "this", "his", "yes", "less"})


def fold(word: str) -> str:
    """One lookup form of an English word: American spelling, singular."""
    return singular(american(word))


def american(word: str) -> str:
    """``word`` in American spelling (organisation → organization, labour → labor)."""
    if len(word) > 4:
        for pattern, spelling in _BRITISH:
            word = pattern.sub(spelling, word)
    return word


def singular(word: str) -> str:
    """``word`` without a plural ending (crude, but the same on both sides of a lookup)."""
    if word in _SHORT_WORDS or len(word) < 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def term_key(words: Iterable[str]) -> str:
    """The lookup key of a run of key words."""
    return " ".join(fold(w) for w in words)


@dataclass(frozen=True)
class LegalTerms:
    """English legal terms → their Chinese renderings (empty tuple: a question phrase)."""

    renderings: Mapping[str, tuple[str, ...]]
    longest: int  # words of the longest term

    @staticmethod
    def parse(lines: Iterable[str]) -> LegalTerms:
        """The terms of legal_terms.tsv ``lines`` (comments and blank lines skipped)."""
        table: dict[str, tuple[str, ...]] = {}
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            english, _, chinese = line.rstrip("\n").partition("\t")
            words = key_words(english)
            if not words or not chinese.strip():
                continue
            found = () if chinese.strip() == ASKING else tuple(chinese.split())
            key = term_key(words)
            table[key] = tuple(dict.fromkeys([*table.get(key, ()), *found]))
        return LegalTerms(table, max((len(k.split(" ")) for k in table), default=0))

    def lookup(self, run: list[str]) -> tuple[str, ...] | None:
        """The renderings of a run of key words (its last word also as its base form);
        () for a question phrase; None when the run is no term."""
        head = [fold(w) for w in run[:-1]]
        for form in word_forms(run[-1]):
            found = self.renderings.get(" ".join([*head, fold(form)]))
            if found is not None:
                return found
        return None


@functools.cache
def load_terms(path: Path = TERMS_FILE) -> LegalTerms:
    """legal_terms.tsv, read once per process."""
    return LegalTerms.parse(path.read_text(encoding="utf-8").splitlines())


__all__ = ["ASKING", "TERMS_FILE", "LegalTerms", "american", "fold", "load_terms", "singular", "term_key"]
