"""Questions that name a document: "村民委员会组织法第二十四条讲了什么？", "按照《政府信息公开条例》…".

In a library of many documents a question that names one is asked of that one: its clauses
come first (bot/engine/rank/places.py). A document is known by its titles: its file name
without the date and extension ("村民委员会组织法(2018-12-29).md" → 村民委员会组织法), its first
line when that is a title ("# 中华人民共和国村民委员会组织法"), each without the country's
prefix of a national law (中华人民共和国). A question names one when it holds a title, its
end without the qualifier before it (居民委员会组织法 for 城市居民委员会组织法), or a short
form of it: the title's characters in order, its first and last the same
("上海街道办事处条例" for 上海市街道办事处条例, "浙江乡镇人大条例" for 浙江省乡镇人民代表大会工作条例),
at least ``MIN_SHARE`` of it. The documents named by the most characters win (居民委员会组织法
names 城市居民委员会组织法, not 村民委员会组织法 by its 委员会组织法). Short names of bodies
inside titles (村委会组织法) are read before (bot/engine/question/short_names.py); English
titles ("the Organic Law of the Villagers' Committees") by bot/engine/question/english_titles.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

import jieba

from bot.engine.documents.ingest import Paragraph
from bot.engine.question.english_titles import Renderings, named_in_english

MAX_TITLE = 40  # a first line longer than this is text, not a title
MIN_SHARE = 0.5  # a short form keeps at least this share of a title's characters
MIN_CHARS = 3
NATIONAL = "中华人民共和国"
_DATED = re.compile(r"[(（][^)）]*[)）]$")
_MARKS = re.compile(r"^[#\s]+|[《》\s]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2}")
_SENTENCE_END = "。！？；，.!?;,:："  # a first line that ends like a sentence is text, not a title


def title_forms(name: str, first_line: str = "") -> tuple[str, ...]:
    """The titles a document ``name`` (its file name) with ``first_line`` is known by."""
    stem = name.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    forms = [_DATED.sub("", stem).strip()]
    line = _MARKS.sub("", first_line.strip())
    if line and len(line) <= MAX_TITLE and _CJK.search(line) and line[-1] not in _SENTENCE_END:
        forms.append(line)
    for form in list(forms):
        if form.startswith(NATIONAL) and len(form) > len(NATIONAL) + 1:
            forms.append(form[len(NATIONAL) :])
    return tuple(dict.fromkeys(f for f in forms if len(f) >= MIN_CHARS and _CJK.search(f)))


def is_title(text: str, forms: Sequence[str]) -> bool:
    """Whether a paragraph's ``text`` is nothing but one of a document's titles."""
    return _MARKS.sub("", text.strip()) in forms


class Titles:
    """The documents of one library by their titles (``forms``: document → title forms);
    with ``english`` (English words → Chinese renderings) also by their English titles
    (bot/engine/question/english_titles.py)."""

    def __init__(self, forms: Mapping[str, Sequence[str]], english: Renderings | None = None) -> None:
        self.forms = {doc: tuple(f) for doc, f in forms.items()}
        self.english = english

    @classmethod
    def of(
        cls, paragraphs: Sequence[Paragraph], documents: Sequence[str], english: Renderings | None = None
    ) -> Titles:
        """The titles of ``documents``, from their names and their first paragraphs."""
        first: dict[str, str] = {}
        for p in paragraphs:
            first.setdefault(p.doc, p.text)
        return cls({doc: title_forms(doc, first.get(doc, "")) for doc in documents}, english)

    def named(self, question: str) -> frozenset[str]:
        """The documents ``question`` names (empty when it names none, or names all)."""
        q = _MARKS.sub("", question)
        length = {doc: max((_named(q, f) for f in forms), default=0) for doc, forms in self.forms.items()}
        longest = max(length.values(), default=0)
        found = frozenset(doc for doc, n in length.items() if n and n == longest)
        if not found and self.english is not None and _LATIN.search(question):
            found = named_in_english(question, self.forms, self.english)
        return found if len(found) < len(self.forms) else frozenset()


    def strip(self, question: str) -> str:
        """``question`` without the titles it names documents by (literally): the words that
        picked the document say nothing about which of its paragraphs answers."""
        forms = sorted({f for fs in self.forms.values() for f in fs}, key=len, reverse=True)
        for form in forms:
            question = question.replace(f"《{form}》", " ").replace(form, " ")
        return question


def _named(question: str, title: str) -> int:
    """How many characters of ``title`` the question names it by (0: it does not)."""
    if title in question:
        return len(title)
    shortest = max(MIN_CHARS, int(len(title) * MIN_SHARE + 0.999))
    for start in _openings(title):  # 居民委员会组织法: no 城市 before it (民委员会… is none)
        if 0 < start <= len(title) - shortest and title[start:] in question:
            return len(title) - start
    shortest = max(MIN_CHARS, int(len(title) * MIN_SHARE + 0.999))
    for i, char in enumerate(question):
        if char != title[0]:
            continue
        for j in range(i + shortest, min(len(question), i + len(title)) + 1):
            if question[j - 1] == title[-1] and _in_order(question[i:j], title):
                return j - i
    return 0


@functools.lru_cache(maxsize=1024)
def _openings(title: str) -> tuple[int, ...]:
    """Where the words of ``title`` begin (jieba's search mode: 城市 | 居民 | 委员会)."""
    return tuple(sorted({start for _word, start, _end in jieba.tokenize(title, mode="search")}))


def _in_order(short: str, title: str) -> bool:
    letters = iter(title)
    return all(c in letters for c in short)


__all__ = ["Titles", "is_title", "title_forms"]
