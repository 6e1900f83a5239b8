"""What kind of fact a question asks for, and whether a sentence holds one.

A question that asks "how many days" is only answered by a sentence that says "N 天"; one
that asks "which article" only by "第 N 条"; "when" only by a date; "which province" only
by a place's name, "who" or "which department" only by a named body or person, "which law"
only by a titled document (what a sentence names: bot/engine/text/named.py). The answer chooser
prefers such sentences, and the engine says "related" instead of "answered" when the
evidence holds none. The rules are about the language of questions (多少/几/哪一年/how
many/when), never about any document or test question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from bot.engine.question import measures
from bot.engine.question.measures import MONEY_UNITS, PERSON_UNITS, states_bound, states_frequency, unnamed
from bot.engine.text.named import names_body, names_document, names_person, names_place, states_body
from bot.engine.text.script import is_cjk_text

Kind = Literal[
    "number", "time", "ordinal", "place", "body", "who", "document", "name", "list", "cause", "effect",
    "purpose", "meaning", "other",
]
OPEN_KINDS = ("cause", "effect", "purpose", "meaning")  # preferred cues, never required
# required: a sentence without one does not answer
FACT_KINDS = ("number", "time", "ordinal", "place", "body", "who", "document", "name")

_STRICT_NUM = (
    r"(?:[0-9０-９]+(?:[.,][0-9]+)?"
    r"|[零〇一二两三四五六七八九十百千万亿]*[二三四五六七八九十百千万亿〇零][零〇一二两三四五六七八九十百千万亿]*)"
)
_NUM = rf"(?:{_STRICT_NUM}|[一两])"  # "一年", "两份": a lone 一 counts only before a unit
_APPROX = r"(?:多|余|几|来)?"
# "身兼多职", "数年": an answer, if not an exact one ("多个" means "several": no count)
_VAGUE = r"(?<![很许好])(?:多|数|若干)(?!个)"
DURATION_UNITS = "年月周天日时分秒"
TIME_UNITS = "年月日"
SAME_UNITS = {"天": "天日", "日": "日天"}  # 多少天 is answered by 二十日
PERSON = "人"  # the units of a name asked: a person's (负责人叫什么名字)
# Units an English question names, as the Chinese text writes them.
EN_UNITS = {
    "day": "天日", "year": "年", "month": "月", "week": "周", "hour": "时", "minute": "分",
    "time": "次", "item": "项", "indicator": "项", "people": "人名位", "person": "人名位",
    "percent": "%", "yuan": "元", "article": "条", "copy": "份", "pledge": "份",
    "post": "职", "position": "职", "job": "职",  # 身兼多职: "several posts" is an answer
    "household": "户", "villager": "人名位", "resident": "人名位", "member": "人名位",
    "representative": "人名位", "deputy": "人名位", "official": "人名位",
}
# "How many villages": a thing without a measure word of its own is counted with these
GENERAL_COUNTERS = "个名位人家座所"
_EN_NOT_NOUNS = frozenset("of are is were was do does did have has can could will would should more".split())
# not 好几, 几乎, 近几年 ("recent years"), 哪几 ("which ones": a list)
_ZH_ASK_NUMBER = re.compile(r"(?:(?<!或多或)多少|(?<![好这那十没近哪])几(?!乎))(.?)")
# Which place, which body or person, which titled document: the wh-word with its noun.
_ZH_WHICH = r"(?:哪(?:一|个|座|家|部|份|项|条)?|什么|何)"
_ZH_PLACE = re.compile(rf"{_ZH_WHICH}(?:省|市|县|区|州|国家|城市|地区)|何地|何处")
# "哪个部门" wants a named body; "谁" also the body a sentence says does it (是乡镇街道)
_ZH_BODY = re.compile(rf"{_ZH_WHICH}(?:部门|机关|单位|机构|组织|部委|报纸|报社|媒体|委员会)")
_ZH_WHO = re.compile(r"由谁|是谁|谁(?!都|也)")
# "什么办法/意见" asks for a way or a view; "哪份意见", "什么文件" for a document
_ZH_DOCUMENT = re.compile(
    rf"{_ZH_WHICH}(?:法律|法规|条例|文件)|哪(?:一|个|份|项|部)?(?:法|规定|通知|意见|办法)(?![官院人子])"
)
_ZH_DURATION = re.compile(r"多长时间|多久|多长")
# a share: "优秀比例是多少", "what share of…" wants 30%, 百分之三十, 三成, 三分之一
_ZH_RATIO = re.compile(r"比例|比率|百分比|占比|几成|多少成")
_EN_RATIO = re.compile(
    r"\b(?:what|which) (?:share|percentage|proportion|ratio|fraction)\b|\bwhat percent", re.I
)
PERCENT = "%"
_PERCENT = re.compile(r"[0-9０-９.]+\s*[%％]|百分之|分之[一二三四五六七八九十]|[一二三四五六七八九十]成")
_ZH_TIME = re.compile(r"什么时候|哪一年|哪年|何时|哪一天|哪天|几月|几号|什么时间|什么日期")
_ZH_ORDINAL = re.compile(r"第几(.?)|第多少(.?)")
_ZH_LIST = re.compile(r"哪些|哪几")
# "how many assessment indicators": the counted noun may follow a modifier or two
_EN_NUMBER = re.compile(r"\bhow (?:many|much)\b((?:\s+[\w-]+){0,3})", re.I)
_EN_DURATION = re.compile(r"\bhow (?:long|often)\b", re.I)
# "when" asks for a time only before a verb ("When did…", not "When a township official objects…")
_EN_TIME = re.compile(
    r"\bwhen (?:did|do|does|was|were|is|are|will|would|should|can|could|has|have|had)\b"
    r"|\bwhat (?:year|date|time)\b|\bwhich year\b|\bsince when\b",
    re.I,
)
_EN_ORDINAL = re.compile(r"\b(?:which|what) (?:article|section|clause|chapter)\b", re.I)
_EN_WHICH = r"\b(?:which|what)(?: \w+)? "  # "which province", "which central department"
_EN_PLACE = re.compile(
    rf"{_EN_WHICH}(?:province|city|county|country|region|town|places?)\b"
    r"|^\W*where (?:is|are|was|were|did|do|does)\b",
    re.I,
)
_EN_BODY = re.compile(
    rf"{_EN_WHICH}(?:department|agency|body|organ|authority|office|ministry|committee|commission"
    r"|organi[sz]ation|unit|newspaper)\b",
    re.I,
)
# "who" opening a question or a clause ("…, who ends up paying?"), not "the official who has"
_EN_WHO = re.compile(r"(?:^|[,;:]\s*)who\b|\bby whom\b|\bto whom\b", re.I)
_EN_DOCUMENT = re.compile(
    rf"{_EN_WHICH}(?:law|regulation|document|rule|act|statute|notice|circular|policy document)s?\b", re.I
)
_EN_LIST = re.compile(
    r"\b(?:what|which) (?:are|were)\b(?! (?:they|them|these|those|we|you)\b)"
    r"|\b(?:what|which) (?!is\b|was\b|does\b|has\b|this\b)\w+s\b",
    re.I,
)
# Any question word: a follow-up with one asks its own kind of fact ("那应该怎么办？"); one
# without ("最少的呢？", "What about villages?") asks what its thread asked.
_ZH_WH = r"什么|怎|如何|为何|为啥|哪|谁|几|多少"  # asks for something (吗/是否 ask yes or no)
_INTERROGATIVE = re.compile(
    rf"{_ZH_WH}|吗|是否|\b(?:what|which|who|whom|whose|when|where|why|how)\b"
    r"|^(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have)\b",
    re.I,
)
_ZH_WH_QUESTION = re.compile(_ZH_WH)
_NOT_UNIT = set("的是了有在要呢吗？?，,。 ")
# Open questions: how people ask for a cause, an effect, a purpose or a meaning, and the
# connectives a sentence that gives one uses (Chinese prose; the documents are Chinese or
# not, the question may be either). A cue is a preference, never a requirement.
_ASK_OPEN: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("purpose", re.compile(
        r"目的|初衷|为了什么|目标是什么|用意|意图|\bpurposes?\b|\baims?\b|\bgoals?\b|\bmeant to\b"
        r"|\bintended\b|\bin order to\b", re.I)),
    ("cause", re.compile(
        r"为什么|为何|什么原因|原因是|原因在|怎么会|何以|\bwhy\b|\bwhat causes?\b|\breasons?\b"
        r"|\bhow come\b", re.I)),
    ("meaning", re.compile(
        r"说明了?什么|反映了?什么|意味着什么|体现了?什么|表明了?什么|在说什么|什么意思|\bwhat does .+ "
        r"(?:show|mean|reflect|indicate|suggest|say about)\b", re.I)),
    ("effect", re.compile(
        r"什么(?:样的)?(?:影响|效果|作用|后果|结果|好处)|(?:影响|效果|作用|后果|结果)(?:怎么样|如何)"
        r"|带来了?什么|导致了?什么|造成了?什么|会怎么样|会怎样|\beffects?\b|\bimpacts?\b"
        r"|\bresults?\b|\bconsequences?\b|\bwhat happens\b|\bbenefits?\b", re.I)),
)
_CUES: dict[Kind, re.Pattern[str]] = {
    "cause": re.compile(r"因为|由于|原因|随着|只因|源于|在于|之所以|导致|造成|致使|因此|所以"),
    "effect": re.compile(
        r"导致|造成|致使|使得|使|让|从而|进而|以致|以至|结果|影响|带来|达到|产生|形成|变成|成为|酿成|引发"
    ),
    "purpose": re.compile(r"为了|为着|目的|目标|旨在|初衷|以便|用意"),
    "meaning": re.compile(r"说明|表明|反映|体现|意味|道出|显示|揭示"),
}


_NAMED_ASKS: tuple[tuple[Kind, re.Pattern[str], re.Pattern[str]], ...] = (
    ("document", _ZH_DOCUMENT, _EN_DOCUMENT), ("place", _ZH_PLACE, _EN_PLACE), ("body", _ZH_BODY, _EN_BODY),
    ("who", _ZH_WHO, _EN_WHO),
)


@dataclass(frozen=True)
class Asked:
    """The kind of fact wanted; ``units``: any of these must follow the number ("" = any);
    ``bound``: a limit is asked (最多, 不能超过), so the number must be stated as one;
    ``often``: how often is asked (多久开一次), so only a frequency answers."""

    kind: Kind = "other"
    units: str = ""
    bound: bool = False
    often: bool = False  # how often: only a frequency answers (measures.py)
    after: bool = False  # what happens after an event (接回来以后，…): the sentence past it answers


# "X以后，…什么？": the question asks what follows an event; a sentence that tells what came
# after one ("…选用人后,大家都不知…", "随后…") says it, the one that tells the event does not
_ZH_AFTER = re.compile(r"(?:以后|之后|过后|后)[，,]")
_ZH_AFTER_STATED = re.compile(r"(?:以后|之后|过后|后)[，,]|^[“\"]?(?:随后|此后|然后|之后|后来)")


def after_event(sentence: str) -> bool:
    """Whether ``sentence`` tells what came after an event (…后，…; 随后…)."""
    return _ZH_AFTER_STATED.search(sentence.strip()) is not None


def asked_for(question: str) -> Asked:
    """What ``question`` asks for (Chinese or English), and whether it asks what follows an
    event (``Asked.after``)."""
    asked = _asked_for(question)
    return replace(asked, after=True) if _ZH_AFTER.search(question) else asked


def _asked_for(question: str) -> Asked:
    q = question.strip()
    if m := _ZH_ORDINAL.search(q):
        return Asked("ordinal", (m.group(1) or m.group(2) or "").strip("".join(_NOT_UNIT)))
    if _EN_ORDINAL.search(q):
        return Asked("ordinal", "条")
    if _ZH_TIME.search(q) or _EN_TIME.search(q):
        return Asked("time", TIME_UNITS)
    if measures.asks_person(q):
        return Asked("name", PERSON)
    count = _ZH_ASK_NUMBER.search(q)
    if measures.asks_name(q) and not (count and measures.asks_name_after(q, count.start())):
        return Asked("name")
    for kind, zh, en in _NAMED_ASKS:
        if zh.search(q) or en.search(q):
            return Asked(kind)
    bound = measures.asks_limit(q)
    if _ZH_RATIO.search(q) or _EN_RATIO.search(q):
        return Asked("number", PERCENT, bound)
    if measures.asks_money(q):
        return Asked("number", MONEY_UNITS, bound)
    if _ZH_DURATION.search(q) or _EN_DURATION.search(q) or measures.asks_often(q):
        return Asked("number", DURATION_UNITS, bound, measures.asks_often(q))
    if m := _ZH_ASK_NUMBER.search(q):
        unit = m.group(1)
        if unit and measures.counts_people(q[m.start(1) :]):  # 几个工作人员, 多少村民: 人/名/位
            return Asked("number", PERSON_UNITS, bound)
        unit = "" if not unit or unit in _NOT_UNIT else SAME_UNITS.get(unit, unit)
        return Asked("number", unit, bound)
    if m := _EN_NUMBER.search(q):
        words = (m.group(1) or "").lower().split()
        unit = next((EN_UNITS[w.rstrip("s")] for w in words if w.rstrip("s") in EN_UNITS), "")
        counted = "many" in m.group(0).lower() and bool(words) and words[0] not in _EN_NOT_NOUNS
        return Asked("number", unit or (GENERAL_COUNTERS if counted else ""), bound)
    if _ZH_LIST.search(q) or _EN_LIST.search(q):
        return Asked("list")
    for kind, pattern in _ASK_OPEN:
        if pattern.search(q):
            return Asked(kind)
    return Asked()


_EN_ELLIPSIS = re.compile(r"^(?:what|how) about\b", re.I)


def asks_itself(question: str) -> bool:
    """True when ``question`` has a question word of its own (else it is elliptical:
    "最少的呢？", "What about villages?")."""
    q = _EN_ELLIPSIS.sub("", question.strip())
    return _INTERROGATIVE.search(q) is not None


def asks_what(question: str) -> bool:
    """True when a Chinese ``question`` asks for something (什么/怎么/哪/谁/几/多少…), not
    just yes or no."""
    return _ZH_WH_QUESTION.search(question) is not None


def holds(sentence: str, asked: Asked) -> bool:
    """True when ``sentence`` can state the fact asked for (always true for "other"); a
    limit asked wants the number stated as a bound (不得超过5人, 30日内)."""
    if asked.kind == "other" or asked.kind == "list" or asked.kind in OPEN_KINDS:
        return True
    if asked.kind == "number":
        sentence = measures.without_clause_numbers(sentence)  # 第四条 counts nothing
        if asked.bound and not states_bound(sentence):
            return False
        if asked.often:
            return states_frequency(sentence)
    if asked.kind == "time" and measures.states_relative_date(sentence):
        return True
    if asked.kind == "name" and asked.units == PERSON:
        return names_person(measures.unnamed(sentence))
    if asked.kind in _NAMES:
        return _NAMES[asked.kind](sentence)
    if asked.kind == "ordinal":
        unit = re.escape(asked.units) if asked.units else "."
        return re.search(rf"第{_NUM}{unit}", sentence) is not None
    if not asked.units:
        return re.search(_STRICT_NUM, sentence) is not None
    if asked.units == PERCENT or (asked.units == PERSON_UNITS and _PERCENT.search(sentence)):
        return _PERCENT.search(sentence) is not None  # 五分之一以上的村民 counts people too
    units = f"[{re.escape(asked.units)}]"
    # with a general counter a lone 一 is an article: "一名村长" is "a village head", no count
    number = _STRICT_NUM if asked.units in (GENERAL_COUNTERS, PERSON_UNITS) else _NUM
    if asked.units == DURATION_UNITS:  # 一个月内, 20个工作日, 每季度: a span or how often
        if states_frequency(sentence):
            return True
        units = r"(?:个)?(?:工作)?(?:[年月周天日时秒]|小时|分(?!之)|季度)"  # 五分之一 is a share
    # "那二日", "这两天": "these days", not a count of days; 三个月, 十二小时, 20个工作日: words between
    found = re.search(rf"(?<![这那])(?:{number}{_APPROX}|{_VAGUE})(?:个|小)?(?:工作)?{units}", sentence)
    return found is not None


def _names_who(sentence: str) -> bool:
    """"谁" (who): a named body or person (某街道, 一名干部 are not), or a generic body
    stated as the doer."""
    return names_body(unnamed(sentence)) or states_body(sentence)


def _names_body(sentence: str) -> bool:
    return names_body(unnamed(sentence))


def _names_place(sentence: str) -> bool:
    return names_place(unnamed(sentence))


_NAMES = {
    "place": _names_place, "body": _names_body, "document": names_document, "who": _names_who,
    "name": measures.names_anything,
}


def lists(sentence: str) -> bool:
    """True when ``sentence`` enumerates (A、B、C or "A, B and C")."""
    return enumerated(sentence) >= 2


def enumerated(sentence: str) -> int:
    """How many items ``sentence`` enumerates (0 when it lists nothing): A、B、C → 3."""
    items = sentence.count("、") + 1
    if items >= 2 or is_cjk_text(sentence):  # commas separate Chinese clauses, not items
        return items if items >= 2 else 0
    return 4 if len(re.findall(r",", sentence)) >= 3 else 0


def cues(sentence: str, asked: Asked) -> bool:
    """True when ``sentence`` phrases the kind of answer an open question wants: a cause
    (由于, 随着…), an effect (导致, 从而…), a purpose (为了, 目的…) or a meaning (说明, 反映…)."""
    pattern = _CUES.get(asked.kind)
    return pattern is not None and pattern.search(sentence) is not None


__all__ = [
    "FACT_KINDS", "OPEN_KINDS", "Asked", "after_event", "asked_for", "asks_itself", "asks_what", "cues",
    "enumerated", "holds", "lists",
]
