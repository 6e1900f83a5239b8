"""Questions that name a place in a document: "第七条讲了什么？", "第三部分说了什么", "What does
Article 7 say?".

Paragraphs carry the outline label of where they stand ("第二章 第七条", "三、（二）";
bot/engine/documents/formats/structure.py). Both sides become keys (kind, number):
第七条 and 第7条 and Article 7 are all ("条", 7); a plan's 第三部分 and a notice's 三、 are both
a part 3, asked as "第三部分" or "Part 3"/"Section 3". The service answers such a question from
the named place when the documents have it (bot/engine/service.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.engine.text.normalize import normalize
from bot.engine.text.numerals import parse_number
from bot.engine.text.tokenize import tokenize

Key = tuple[str, int]
_NUM = "一二三四五六七八九十百千零〇两"
_STATUTE = re.compile(rf"第\s*([{_NUM}]+|\d+)\s*(编|部分|章|节|条|款)")
_OPENING = re.compile(rf"^[#\s]*(第\s*(?:[{_NUM}]+|\d+)\s*条)(?![之的])")
_OUTLINE = re.compile(rf"^([{_NUM}]+)、|^[（(]([{_NUM}]+)[）)]")
_ENGLISH = re.compile(r"\b(article|chapter|section|part|clause)\s+(\d+|[ivxlc]+)\b", re.I)
_PART = {"部分", "编", "、"}  # a part of a plan or notice, however it is numbered
_ENGLISH_KIND = {"article": "条", "clause": "条", "chapter": "章", "section": "部分", "part": "部分"}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def keys_of_label(label: str) -> set[Key]:
    """The keys of a paragraph's outline label ("第二章 第七条" → {("章", 2), ("条", 7)})."""
    keys = {_key(kind, number) for number, kind in _STATUTE.findall(label)}
    for part in label.split():
        outline = _OUTLINE.match(part)
        if outline and outline.group(1):
            keys.add(_key("、", outline.group(1)))
    return {k for k in keys if k[1] > 0}


def opening_label(text: str) -> str:
    """The clause a paragraph opens with ("第二十四条 村民会议…" → "第二十四条"; "" when none):
    where a regulation read without an outline (plain text, Markdown) stands."""
    opening = _OPENING.match(text)
    return opening.group(1) if opening else ""


def asked_place(question: str) -> set[Key]:
    """The places ``question`` names (empty when it names none)."""
    keys = {_key(kind, number) for number, kind in _STATUTE.findall(question)}
    for kind, number in _ENGLISH.findall(question):
        value = int(number) if number.isdigit() else _roman(number.lower())
        keys.add((_canonical(_ENGLISH_KIND[kind.lower()]), value))
    return {k for k in keys if k[1] > 0}


def asks_only_where(question: str) -> bool:
    """Whether ``question`` asks nothing but what a place says ("第七条讲了什么？", "What does
    Article 7 say?"): without the place, no word is left to match."""
    rest = _ENGLISH.sub(" ", _STATUTE.sub(" ", question))
    return not [t for t in tokenize(normalize(rest)) if not t.startswith(("#", "$"))]  # words, not n-grams


def matches(asked: Iterable[Key], label: str) -> bool:
    """Whether a paragraph labelled ``label`` stands in every place ``asked`` names."""
    have = keys_of_label(label)
    return bool(have) and all(k in have for k in asked)


def _key(kind: str, number: str) -> Key:
    value = int(number) if number.isdigit() else parse_number(number)
    return _canonical(kind), value or 0


def _canonical(kind: str) -> str:
    return "部分" if kind in _PART else kind


def _roman(text: str) -> int:
    total = 0
    for i, char in enumerate(text):
        value = _ROMAN[char]
        total += -value if i + 1 < len(text) and _ROMAN[text[i + 1]] > value else value
    return total
