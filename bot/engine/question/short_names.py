"""Everyday short names read as the full forms the documents use: 村委会 → 村民委员会.

People ask with short forms the documents never write (村委会, 居委会, 人代会, 人大, 纪委监委,
村委会组织法), and a short form shares too little with its full form for the lexical signal,
the embeddings or the judge's word checks to see the two as one. The full forms come from the
documents themselves: a question word the documents do not have is read as a longer word of
theirs when it is that word's abbreviation by the way Chinese abbreviates —

- its characters are the long word's, in order, the first and the last the same (a name keeps
  its head noun's end: 人民代表大会 → 人代会; 开展 is no short form of the documents' 开始展览);
- each of its other characters opens a part of the long word (jieba's search-mode parts: 村民 |
  委员 | 委员会) or is the long word's last (村民委员会 → 村委会: 委 opens 委员, 会 ends it);
- the long word drops at least two characters and the documents write it more than once;
  among several, the shortest is meant (人代会 → 人民代表大会, not 人民代表大会常务委员会);
- a word made of two such parts is read part by part (纪委监委 → 纪律检查委员会监察委员会,
  人大代表 → 人民代表大会代表: a short head and a word the documents have).

A few everyday short forms that are not abbreviations of that shape (``GENERAL``) are read the
same way, and only when the documents use their full form. The question is rewritten once,
before it is read (bot/engine/service.py); the answer keeps the words its asker wrote.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping

import jieba

from bot.engine.text.script import CJK_WORD

MIN_DROPPED = 2  # an abbreviation leaves out at least this many characters of its full form
MAX_SHORT = 6  # longer question words are not short names
MAX_GAP = 4  # characters of the full form between two of the short one's
MIN_USES = 2  # a full form is a term the documents use, not a chance run of characters
MAX_FOUND = 500  # runs of the short form's characters looked at per word
MAX_CACHED = 20_000  # question words whose reading is remembered (each costs one scan of the text)
# short forms whose full form does not hold them in order; used only where the documents
# have the full form
GENERAL: Mapping[str, tuple[str, ...]] = {
    "街道办": ("街道办事处",),  # a truncation: 道 opens no part of 街道办事处
    "人大": ("人民代表大会",),  # the head noun's last character dropped
    "纪委": ("纪律检查委员会",),
    "监委": ("监察委员会",),
}
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_NUMERAL = re.compile(r"[第零〇一二两三四五六七八九十百千万亿]")  # 第十条, 一届: never short names


class ShortNames:
    """Reads short names in questions as the full forms the documents use: ``texts`` are the
    documents' paragraphs, ``known`` every token they have (their document frequencies)."""

    def __init__(self, texts: Iterable[str], known: Collection[str]) -> None:
        self._known = known
        self._texts: Iterable[str] | None = texts
        self._joined = ""
        self._found: dict[str, str | None] = {}

    @property
    def _text(self) -> str:
        """The documents' text as one string, joined on first use (not at every reload)."""
        if self._texts is not None:
            self._joined, self._texts = "\n".join(self._texts), None
        return self._joined

    def expand(self, question: str) -> str:
        """``question`` with each short name it uses replaced by the documents' full form."""
        if _CJK.search(question) is None or not self._text:
            return question
        return "".join(self.full_form(word) or word for word in jieba.cut(question))

    def full_form(self, word: str) -> str | None:
        """The documents' full form of ``word`` (None when the documents have the word itself
        or no full form of it)."""
        if word not in self._found:
            if len(self._found) >= MAX_CACHED:  # words asked once stay cheap, not forever
                self._found.clear()
            self._found[word] = self._read(word)
        return self._found[word]

    def _read(self, word: str) -> str | None:
        if not self._unknown(word):
            return None
        whole = self._whole(word)
        if whole:
            return whole
        for cut in range(2, len(word) - 1):  # 纪委|监委, 人大|代表
            head, tail = word[:cut], word[cut:]
            first = self._whole(head) if self._unknown(head) else None
            rest = tail if tail in self._known else self._whole(tail) if self._unknown(tail) else None
            if first and rest:
                return first + rest
        return None

    def _unknown(self, word: str) -> bool:
        return CJK_WORD.fullmatch(word) is not None and len(word) <= MAX_SHORT and word not in self._known

    def _whole(self, word: str) -> str | None:
        """The shortest term of the documents (written at least ``MIN_USES`` times) that
        ``word`` abbreviates; the commonest among equally short ones."""
        for full in GENERAL.get(word, ()):
            if full in self._text:
                return full
        gap = f"[\u4e00-\u9fff]{{0,{MAX_GAP}}}?"
        pattern = gap.join(re.escape(c) for c in word)
        raw: dict[str, list[int]] = {}  # each run of characters found: its uses, where first
        for n, found in enumerate(re.finditer(pattern, self._text)):
            if n >= MAX_FOUND:  # enough to tell a term from a chance run in a large library
                break
            seen = raw.setdefault(found.group(0), [0, found.start()])
            seen[0] += 1
        uses: dict[str, int] = {}
        for run, (count, start) in raw.items():  # jieba runs once per distinct run, not per use
            full = _whole_words(self._text[start : start + len(run) + MAX_GAP], len(run))
            uses[full] = uses.get(full, 0) + count
        fitting = [
            f for f, n in uses.items()
            if n >= MIN_USES and len(f) >= len(word) + MIN_DROPPED and abbreviates(word, f)
        ]
        return min(fitting, key=lambda f: (len(f), -uses[f]), default=None)


def _whole_words(window: str, length: int) -> str:
    """The start of ``window`` up to the end of the word (jieba) its ``length``-th character
    is in: 追究责 → 追究责任."""
    end = 0
    for part in jieba.cut(window, HMM=False):
        end += len(part)
        if end >= length:
            return window[:end]
    return window


def abbreviates(short: str, full: str) -> bool:
    """Whether ``short`` abbreviates ``full``: the same first and last characters, each
    other character in order at the start of one of ``full``'s parts or at its end, and every word
    of ``full`` giving one (开村民会 is no full form of 开会: 村民 gives none)."""
    if not short or short[0] != full[0] or short[-1] != full[-1] or _NUMERAL.search(short):
        return False
    openings = _openings(full)
    taken = [0]
    for char in short[1:]:
        position = next(
            (i for i in range(taken[-1] + 1, len(full)) if full[i] == char and i in openings), -1
        )
        if position < 0:
            return False
        taken.append(position)
    start = 0
    for part in jieba.cut(full, HMM=False):
        if not any(start <= i < start + len(part) for i in taken):
            return False
        start += len(part)
    return True


@functools.lru_cache(maxsize=16384)
def _openings(full: str) -> frozenset[int]:
    """Where ``full``'s parts begin (jieba's search-mode words of 2+ characters), and its
    last character."""
    starts = {len(full) - 1}
    for word, start, _end in jieba.tokenize(full, mode="search"):
        if len(word) >= 2:
            starts.add(start)
    return frozenset(starts)


__all__ = ["GENERAL", "ShortNames", "abbreviates"]
