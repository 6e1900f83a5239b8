"""bot/engine/question/short_names.py: short names read as the full forms the documents use."""

from __future__ import annotations

from bot.engine.question.short_names import ShortNames, abbreviates
from bot.engine.text.normalize import normalize
from bot.engine.text.tokenize import tokenize

TEXTS = [
    "村民委员会每届任期五年，村民委员会成员可以连选连任。",
    "村民委员会由主任、副主任和委员共三至七人组成。",
    "居民委员会由主任、副主任和委员共五至九人组成。居民委员会的工作经费由政府拨付。",
    "乡镇人民代表大会每年至少举行两次会议。乡镇人民代表大会主席团召集会议。",
    "乡镇人民代表大会常务委员会不存在；人民代表大会常务委员会在县级以上设立。",
    "纪律检查委员会与监察委员会合署办公。纪律检查委员会和监察委员会共同监督。",
    "街道办事处是区人民政府的派出机关。街道办事处依法履行职责。",
    "开始展览宣传活动，开始展览交通安全宣传。",
]


def names() -> ShortNames:
    known = {t for text in TEXTS for t in tokenize(normalize(text))}
    return ShortNames(TEXTS, known)


def test_short_names_are_read_as_the_documents_full_forms() -> None:
    short = names()
    assert short.expand("村委会一届干几年？") == "村民委员会一届干几年？"
    assert short.expand("居委会由几个人组成？") == "居民委员会由几个人组成？"
    assert short.expand("乡镇人代会一年开几次？") == "乡镇人民代表大会一年开几次？"  # the shortest full form
    # two short names in one word
    assert short.expand("纪委监委怎么办公？") == "纪律检查委员会监察委员会怎么办公？"
    assert short.expand("街道办是什么机关？") == "街道办事处是什么机关？"  # the general list


def test_words_that_are_no_short_names_stay() -> None:
    short = names()
    assert short.expand("要开展什么活动？") == "要开展什么活动？"  # 开始展览 does not end like 开展
    assert short.expand("第十条讲了什么？") == "第十条讲了什么？"  # numerals are never short names
    assert short.expand("村民委员会一届干几年？") == "村民委员会一届干几年？"  # the documents' own word


def test_an_abbreviation_keeps_the_head_of_each_part() -> None:
    assert abbreviates("村委会", "村民委员会")
    assert abbreviates("人代会", "人民代表大会")
    assert not abbreviates("开会", "开村民会")  # 村民 gives no character
    assert not abbreviates("委会", "村民委员会")  # not its first character
