"""What kind of fact a question asks for, and whether a sentence holds one.

A question that asks "how many days" is only answered by a sentence that says "N 天"; one
that asks "which article" only by "第 N 条"; "when" only by a date. The answer chooser
prefers such sentences, and the engine says "related" instead of "answered" when the
evidence holds none. The rules are about the language of questions (多少/几/哪一年/how
many/when), never about any document or test question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["number", "time", "ordinal", "list", "other"]

_STRICT_NUM = (
    r"(?:[0-9０-９]+(?:[.,][0-9]+)?"
    r"|[零〇一二两三四五六七八九十百千万亿]*[二三四五六七八九十百千万亿〇零][零〇一二两三四五六七八九十百千万亿]*)"
)
_NUM = rf"(?:{_STRICT_NUM}|[一两])"  # "一年", "两份": a lone 一 counts only before a unit
_APPROX = r"(?:多|余|几|来)?"
DURATION_UNITS = "年月周天日时分秒"
TIME_UNITS = "年月日"
# Units an English question names, as the Chinese text writes them.
EN_UNITS = {
    "day": "天日", "year": "年", "month": "月", "week": "周", "hour": "时", "minute": "分",
    "time": "次", "item": "项", "indicator": "项", "people": "人名位", "person": "人名位",
    "percent": "%", "yuan": "元", "article": "条", "copy": "份", "pledge": "份",
}
_ZH_ASK_NUMBER = re.compile(r"(?:(?<!或多或)多少|(?<![好这那十没])几(?!乎))(.?)")  # not 好几, 几乎
_ZH_DURATION = re.compile(r"多长时间|多久|多长")
_ZH_TIME = re.compile(r"什么时候|哪一年|哪年|何时|哪一天|几月|几号|什么时间")
_ZH_ORDINAL = re.compile(r"第几(.?)|第多少(.?)")
_ZH_LIST = re.compile(r"哪些|哪几")
_EN_NUMBER = re.compile(r"\bhow (?:many|much)\b(?:\s+(\w+))?", re.I)
_EN_DURATION = re.compile(r"\bhow long\b", re.I)
_EN_TIME = re.compile(r"\bwhen\b|\bwhat (?:year|date|time)\b|\bwhich year\b", re.I)
_EN_ORDINAL = re.compile(r"\b(?:which|what) (?:article|section|clause|chapter)\b", re.I)
_EN_LIST = re.compile(
    r"\b(?:what|which) (?:are|were)\b|\b(?:what|which) (?!is\b|was\b|does\b|has\b|this\b)\w+s\b", re.I
)
_NOT_UNIT = set("的是了有在要呢吗？?，,。 ")


@dataclass(frozen=True)
class Asked:
    """The kind of fact wanted; ``units``: any of these must follow the number ("" = any)."""

    kind: Kind = "other"
    units: str = ""


def asked_for(question: str) -> Asked:
    """What ``question`` asks for (Chinese or English)."""
    q = question.strip()
    if m := _ZH_ORDINAL.search(q):
        return Asked("ordinal", (m.group(1) or m.group(2) or "").strip("".join(_NOT_UNIT)))
    if _EN_ORDINAL.search(q):
        return Asked("ordinal", "条")
    if _ZH_TIME.search(q) or _EN_TIME.search(q):
        return Asked("time", TIME_UNITS)
    if _ZH_DURATION.search(q) or _EN_DURATION.search(q):
        return Asked("number", DURATION_UNITS)
    if m := _ZH_ASK_NUMBER.search(q):
        unit = m.group(1)
        return Asked("number", "" if not unit or unit in _NOT_UNIT else unit)
    if m := _EN_NUMBER.search(q):
        word = (m.group(1) or "").lower().rstrip("s")
        return Asked("number", EN_UNITS.get(word, ""))
    if _ZH_LIST.search(q) or _EN_LIST.search(q):
        return Asked("list")
    return Asked()


def holds(sentence: str, asked: Asked) -> bool:
    """True when ``sentence`` can state the fact asked for (always true for "other")."""
    if asked.kind in ("other", "list"):
        return True
    if asked.kind == "ordinal":
        unit = re.escape(asked.units) if asked.units else "."
        return re.search(rf"第{_NUM}{unit}", sentence) is not None
    if not asked.units:
        return re.search(_STRICT_NUM, sentence) is not None
    return re.search(rf"{_NUM}{_APPROX}[{re.escape(asked.units)}]", sentence) is not None


def lists(sentence: str) -> bool:
    """True when ``sentence`` enumerates (A、B、C or "A, B and C")."""
    return sentence.count("、") >= 1 or len(re.findall(r"[,，]", sentence)) >= 3


__all__ = ["Asked", "asked_for", "holds", "lists"]
