"""Finer asked kinds: a limit, an amount of money, how often, whose count, what a thing is called.

bot/engine/question/asking.py reads the kind of fact a question wants; these rules refine it
by the language of questions and of statutes, never by any document:

- a **limit** (不能超过/最多/最长/上限/至少, at most, maximum…) is answered by a sentence that
  states a bound (不得超过5人, 30日内, 以上, 最长不得超过…), not by a plain figure;
- an **amount of money** (多少钱, 罚款多少, 金额, how much money/fine/fee) by a sum in 元;
- **how long** (多长时间, 多久) by a span, counted with a measure word too (一个月内, 20个工作日,
  十二小时), or a frequency (每季度); **how often** (多久开一次, how often) by a frequency only
  (每季度, 每三个月, 一年两次), not by a span (两个月内);
- **when** also by a date stated by its event (自公布之日起施行);
- a **count of people** (几个工作人员, 几个代表) by 人/名/位, not by any 个;
- a **name** (叫什么, 名字, 名称, what is … called) by a named body, person, place or title —
  某街道, 一名干部, 有关部门 name no one; the name of a person in a role (负责人叫什么名字,
  who is the director) only by a personal name.
"""

from __future__ import annotations

import re

from bot.engine.text.named import names_body, names_document, names_place

_ZH_LIMIT = re.compile(
    r"不能超过|不得超过|不超过|超过多少|最多|至多|最长|最短|最高|最低|最少|至少|上限|下限|最晚|最迟|最早|封顶"
)
_EN_LIMIT = re.compile(
    r"\bat (?:most|least|the latest)\b|\bmaximum\b|\bminimum\b|\bup to\b|\blongest\b", re.I
)
# a sentence stating a bound: 不得超过, 以内, 以上, 不少于, 最长…, or a deadline's 前/内
BOUND = re.compile(
    r"超过|以内|之内|以下|以上|不少于|不低于|不高于|不多于|不足|不满|至少|至多|最多|最少|最长|最短"
    r"|最高|最低|上限|下限|[0-9０-９一二两三四五六七八九十百千]+(?:个)?(?:工作)?[年月周天日时小]*[内前]"
)
_ZH_MONEY = re.compile(
    r"多少钱|几块钱|多少元|多少万元|金额|罚款多少|罚多少|赔偿多少|赔多少|费用是多少|收费多少"
)
_EN_MONEY = re.compile(r"\bhow much (?:money\b|\b.*\b(?:fine|fee|cost|pay))", re.I)
MONEY_UNITS = "元块"
_ZH_FREQUENCY = re.compile(r"多久|多长时间|每隔|隔多久|几年一次|多少年一次")
_EN_FREQUENCY = re.compile(r"\bhow often\b", re.I)
# 每季度, 每年, 一年一次, 每两年, 每届召开一次: how often something is done (an answer to 多久…一次);
# 每届 alone is "each term" (每届任期五年, 每届第一次会议), not how often
FREQUENCY = re.compile(
    r"每(?:[0-9一二两三四五六七八九十]+)?(?:个)?(?:季度|年度|年|月|周|星期|天|日)"
    r"|每届[^，。；,;第]{0,6}[一二两三四五六七八九十0-9]+次"
    r"|[一二两三四五六七八九十0-9]+(?:个)?[年月周天日季]\S{0,2}?[一二两三四五六七八九十0-9]+次"
)
_PERSON_NOUN = re.compile(
    r"^(?:(?:个|名|位)[\u4e00-\u9fff]{0,4}|[\u4e00-\u9fff]{0,2})"
    r"(?:人员|人|员|者|代表|委员|干部|成员|家属|主任|村民|居民|官)"
)
PERSON_UNITS = "人名位"
_CLAUSE_BREAK = re.compile(r"[，,；;、]")
_ZH_NAME = re.compile(r"叫什么|什么名字|名字是|名称是什么|叫啥|全称|简称是什么|叫做什么")
_EN_NAME = re.compile(
    r"\bwhat is (?:the )?name\b|\bname of\b|\bwhat is .+ called\b|\bwhat (?:is|are) .+ named\b", re.I
)
# "某街道", "一名干部", "有关部门": someone left unnamed
# 第四条, 第二章, 第一次会议, 第十三届: where or which, not how many
CLAUSE_NUMBER = re.compile(r"第[0-9０-９零〇一二两三四五六七八九十百千]+[编章节条款项次届]")
# "自公布之日起施行": a date stated by the event it follows
RELATIVE_DATE = re.compile(r"[自从][^，。；,;]{1,16}之日")
# 多久开一次, how often: a frequency is asked, and a span (两个月内) does not answer it
_ZH_OFTEN = re.compile(
    r"(?:多久|多长时间|每隔多久|隔多久|多少[年天日月])[^，。？?]{0,6}一次|几年一次|多少年一次"
)
_ROLE = (
    r"(?:负责人|主任|书记|局长|处长|科长|主席|主管|领导|院长|部长|厅长|市长|县长|区长|镇长|乡长|村长|组长"
    r"|经理)"
)
# "主任是谁？" asks a person; "主任是谁任命的？" asks who appoints (a body answers)
_ZH_PERSON = re.compile(rf"{_ROLE}(?:的名字|叫什么|叫啥|姓什么|是谁[？?]?$)")
_EN_ROLE = r"(?:director|head|chair\w*|secretary|mayor|chief|president|minister|leader|manager)"
_EN_PERSON = re.compile(rf"\bwho is the (?:\w+ )?{_EN_ROLE}\b|\bname of the (?:\w+ )?{_EN_ROLE}\b", re.I)
_UNNAMED = re.compile(r"(?:某|一名|一位|一个|有关|相关|其他|该)[\u4e00-\u9fff]{1,5}")


def asks_limit(question: str) -> bool:
    """Whether ``question`` asks for a bound (最多几个, 最长多久, at most how many)."""
    return _ZH_LIMIT.search(question) is not None or _EN_LIMIT.search(question) is not None


def states_bound(sentence: str) -> bool:
    """Whether ``sentence`` states a bound or a deadline (不得超过5人, 30日内, 以上)."""
    return BOUND.search(sentence) is not None


def asks_money(question: str) -> bool:
    """Whether ``question`` asks for an amount of money."""
    return _ZH_MONEY.search(question) is not None or _EN_MONEY.search(question) is not None


def asks_frequency(question: str) -> bool:
    """Whether ``question`` asks how long or how often (a frequency answers it too)."""
    return _ZH_FREQUENCY.search(question) is not None or _EN_FREQUENCY.search(question) is not None


def asks_often(question: str) -> bool:
    """Whether ``question`` asks how often (多久开一次, how often), not how long."""
    return _ZH_OFTEN.search(question) is not None or _EN_FREQUENCY.search(question) is not None


def states_relative_date(sentence: str) -> bool:
    """Whether ``sentence`` dates something by the event it follows (自公布之日起)."""
    return RELATIVE_DATE.search(sentence) is not None


def states_frequency(sentence: str) -> bool:
    """Whether ``sentence`` says how often (每季度, 每年, 一年两次)."""
    return FREQUENCY.search(sentence) is not None


def counts_people(after: str) -> bool:
    """Whether the words after 几/多少 (``after``) count people: 几个工作人员, 几名代表."""
    return _PERSON_NOUN.match(after) is not None


def asks_person(question: str) -> bool:
    """Whether ``question`` asks who a person in a role is (负责人叫什么名字, 主任是谁, who is
    the director): a personal name answers it, a body does not."""
    return _ZH_PERSON.search(question) is not None or _EN_PERSON.search(question) is not None


def asks_name(question: str) -> bool:
    """Whether ``question`` asks what something or someone is called."""
    return _ZH_NAME.search(question) is not None or _EN_NAME.search(question) is not None


def asks_name_after(question: str, start: int) -> bool:
    """Whether the name ``question`` asks for is asked in a later clause than ``start`` (where
    it asks a count): "分为几个等级，每个等级叫什么？" wants the count first, and a sentence
    that only says levels exist answers neither."""
    name = _ZH_NAME.search(question)
    if name is None or name.start() <= start:
        return False
    return _CLAUSE_BREAK.search(question, start, name.start()) is not None


def unnamed(sentence: str) -> str:
    """``sentence`` without the mentions that name no one (某街道, 一名干部, 有关部门) and
    without its clause number (第十四条 names where it stands, not what is asked)."""
    return _UNNAMED.sub("", without_clause_numbers(sentence))


def without_clause_numbers(sentence: str) -> str:
    """``sentence`` without the numbers of clauses and chapters (第四条, 第二章): they say
    where a sentence stands, not how many of anything there are."""
    return CLAUSE_NUMBER.sub("", sentence)


def names_anything(sentence: str) -> bool:
    """Whether ``sentence`` names a body, person, place or titled document, leaving aside
    the mentions that name no one."""
    named = unnamed(sentence)
    return names_body(named) or names_place(named) or names_document(named)


__all__ = [
    "CLAUSE_NUMBER",
    "FREQUENCY",
    "MONEY_UNITS",
    "PERSON_UNITS",
    "RELATIVE_DATE",
    "asks_frequency",
    "asks_limit",
    "asks_money",
    "asks_name",
    "asks_name_after",
    "asks_often",
    "counts_people",
    "names_anything",
    "states_bound",
    "states_frequency",
    "states_relative_date",
    "unnamed",
    "without_clause_numbers",
]
