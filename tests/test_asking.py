"""bot/engine/question/asking.py: the kind of fact a question asks for, and sentences that hold one."""

from __future__ import annotations

import pytest

from bot.engine.question.asking import (
    GENERAL_COUNTERS,
    Asked,
    asked_for,
    asks_itself,
    asks_what,
    cues,
    enumerated,
    holds,
    lists,
)


@pytest.mark.parametrize(("question", "kind", "units"), [
    ("公务员每年有多少天年假？", "number", "天日"),  # 二十日 answers 多少天
    ("乡镇一年要签多少份责任状？", "number", "份"),
    ("乡镇党委书记一届任期是几年？", "number", "年"),
    ("乡镇干部的工资标准是多少？", "number", ""),
    ("被问责的干部多久以后可以重新提拔？", "number", "年月周天日时分秒"),
    ("《公务员法》第几条规定了对干部的问责？", "ordinal", "条"),
    ("河长制是什么时候开始实行的？", "time", "年月日"),
    ("社区被安上了哪些头衔？", "list", ""),
    ("一个办公室挂好几块牌子说明了什么？", "meaning", ""),  # 好几 is not a question
    ("近几年群众发现职能部门有什么变化？", "other", ""),  # 近几年 is "recent years"
    ("问责的目的是什么？", "purpose", ""),
    ("为什么现在基层问责越来越多？", "cause", ""),
    ("职能部门深入基层办事有什么效果？", "effect", ""),
    ("属地管理是什么意思？", "meaning", ""),
    ("开展问责应该坚持什么原则？", "other", ""),
    ("How many days of annual leave do civil servants get?", "number", "天日"),
    ("How many responsibility pledges do townships sign?", "number", "份"),  # the noun after a modifier
    ("How many villages are there in China?", "number", GENERAL_COUNTERS),  # no measure word of its own
    ("How much is the annual bonus?", "number", ""),
    ("乡镇干部年度考核的优秀比例是多少？", "number", "%"),  # a share
    ("What share of officials can be rated excellent?", "number", "%"),
    ("对哪几种问责情形要进行细化？", "list", ""),  # 哪几 asks which ones, not how many
    ("容错纠错机制最早是哪个省提出的？", "place", ""),
    ("Which province first introduced the one-vote veto?", "place", ""),
    ("村委会主任由谁选举产生？", "who", ""),
    ("乡镇的执法权下放需要哪个部门批准？", "body", ""),
    ("Who appoints the director of a sub-district office?", "who", ""),
    ("When departments shift their duties, who ends up taking the blame?", "who", ""),
    ("What position does the official who has to travel to Beijing hold?", "other", ""),  # a relative who
    ("属地管理原则写在哪部法律里？", "document", ""),
    ("中办印发了什么文件？", "document", ""),
    ("有什么办法解决？", "other", ""),  # a way, not a document
    ("Which law gives townships enforcement power?", "document", ""),
    ("How many posts does each township staff member hold?", "number", "职"),
    ("Under which article of the Criminal Law is it punished?", "ordinal", "条"),
    ("When did Liaoning survey its officials?", "time", "年月日"),
    ("When a township official objects, what does the leader say?", "other", ""),  # not a time
    ("Why is the sub-district limited when it comes to enforcement at sea?", "cause", ""),
    ("What is the ultimate purpose of holding officials accountable?", "purpose", ""),
    ("What does the notice show about the Party's attitude?", "meaning", ""),
    ("What benefit do ordinary people get?", "effect", ""),
    ("What titles have communities been burdened with?", "list", ""),
    ("What is the capital of France?", "other", ""),
])
def test_asked_for(question: str, kind: str, units: str) -> None:
    assert asked_for(question) == Asked(kind, units)  # type: ignore[arg-type]


def test_a_number_must_carry_the_unit_asked_for() -> None:
    pieces = Asked("number", "份")
    assert holds("签权利状最多的村镇足足签了50多份,最少的乡镇也是有36份。", pieces)
    assert holds("二〇一九年以来已立下十余份权利状", pieces)
    assert not holds("他在村镇职业已有30多年。", pieces)
    assert holds("他在村镇职业已有30多年。", Asked("number", "年"))
    assert holds("每人身兼多职,并对应着上边多个机关。", Asked("number", "职"))  # "several" answers


def test_a_lone_yi_is_no_number_unless_a_unit_follows() -> None:
    assert not holds("尼罗河省抚州市一名镇委副秘书对记者说", Asked("number", ""))
    assert holds("共有考核目的31项", Asked("number", ""))
    assert holds("要干满一年", Asked("number", "年"))


def test_a_vague_quantity_answers_a_number_question_but_several_is_no_count() -> None:
    assert holds("每人身兼多职,并对应着上边多个机关。", Asked("number", "职"))
    assert not holds("往往一间办公要挂多少个词牌,并对应着上边多个机关。", Asked("number", "个"))
    assert not holds("很多职能部门", Asked("number", "职"))


def test_open_questions_prefer_the_connective_they_ask_for() -> None:
    assert cues("老百姓不用舟车艰难,达到了三方满足。", Asked("effect"))
    assert cues("随着全面从严治党向基层延伸,问责动力被激活。", Asked("cause"))
    assert cues("其初衷在于发挥教育功能,终极目标是为了让干部称职。", Asked("purpose"))
    assert cues("那道出了基层干部的心声,反映了中央的决心。", Asked("meaning"))
    assert not cues("近几年来,职能部门纷纷走出机关。", Asked("effect"))
    assert not cues("由于街道没有执法权。", Asked("other"))  # no preference for other questions


def test_a_follow_up_with_a_question_word_asks_its_own_kind_of_fact() -> None:
    assert asks_itself("那应该怎么办？") and asks_itself("这些指标都和什么有关？")
    assert asks_itself("What are they related to?") and asks_itself("Is it so?")
    assert not asks_itself("最少的呢？") and not asks_itself("What about villages?")
    assert asked_for("What are they related to?") == Asked()  # "they": not a list


def test_ordinal_and_time() -> None:
    assert holds("依照第十二条的规定", Asked("ordinal", "条"))
    assert not holds("出台落到实处问责条例的实施办法", Asked("ordinal", "条"))
    assert holds("二〇一七年三月,辽宁省府经过应用探究发现", Asked("time", "年月日"))
    assert not holds("近几年来,很几人春风得意地窥见", Asked("time", "年月日"))


def test_other_and_list_questions_accept_any_sentence() -> None:
    assert holds("任何句子。", Asked()) and holds("任何句子。", Asked("list"))
    assert lists("消防员、人民来信来访员、普遍检查员") and not lists("问责本人并不是指标,而是一种手腕。")
    assert enumerated("消防员、人民来信来访员、普遍检查员") == 3 and enumerated("有规可循、有据可依") == 2


@pytest.mark.parametrize(("question", "asks"), [
    ("原因是什么？", True), ("怎么解决？", True), ("谁说的？", True), ("有几份？", True),
    ("明天会下雨吗？", False), ("是否属实？", False), ("具体说说", False),
])
def test_asks_what_tells_a_question_for_something_from_a_yes_no_one(question: str, asks: bool) -> None:
    assert asks_what(question) is asks


def test_a_named_kind_is_held_only_by_a_sentence_naming_one() -> None:
    sentence = "河南省纪委监督辅导调研组在暗访时发掘,个别职能部门将一部分本职工作压给基层。"
    generic = "上级各职能部门把权力和义务过多压到乡镇,那让乡镇感觉相当高难。"
    for kind in ("place", "body"):
        assert holds(sentence, Asked(kind)) and not holds(generic, Asked(kind))  # type: ignore[arg-type]
    assert holds("近期中办特意印发了《关于统筹规范督查检查考核工作的通知》。", Asked("document"))
    assert not holds(generic, Asked("document"))


def test_general_counters_do_not_count_an_article() -> None:
    villages = asked_for("How many villages are there in China?")
    assert not holds("辽宁省苏州市一名村长告诉记者。", villages)  # 一名: "a village head"
    assert holds("一个城管科要承担三个科室的工作。", villages)
    assert not holds("最少的乡镇也是有36份。", villages)  # 份 counts pledges, not villages


def test_a_demonstrative_before_a_duration_means_these_days() -> None:
    how_long = asked_for("基层干部被问责后多久可以再提拔？")
    assert not holds("那二日,随着从严治党向基层延伸,问责效能日益显现。", how_long)
    assert holds("他在乡镇工作已有两年。", how_long)


def test_who_is_also_answered_by_a_generic_body_stated_as_the_doer() -> None:
    stated = "不论哪一条线出现纰漏,第一责任往往是乡镇街道。"
    mentioned = "由于街道没有执法权,发现违法行为也无法有效遏制。"
    assert holds(stated, asked_for("第一责任往往落在谁头上？"))
    assert not holds(stated, asked_for("第一责任往往落在哪个部门头上？"))  # which one: a named body
    assert not holds(mentioned, asked_for("街道办事处的编制由谁审批？"))


def test_a_share_asked_for_wants_a_percentage_or_fraction() -> None:
    share = asked_for("乡镇干部年度考核的优秀比例是多少？")
    assert not holds("上级对乡镇街道的年末考察中,共有考核目的31项。", share)  # a count is no share
    assert holds("优秀等次比例一般不超过15%。", share) and holds("约占三分之一。", share)


@pytest.mark.parametrize(("question", "asked"), [
    ("多人一起上访，最多能派几个代表？", Asked("number", "人名位", bound=True)),  # a limit, of people
    ("某单位有几个工作人员？", Asked("number", "人名位")),
    ("村委会主任每个月的补贴是多少钱？", Asked("number", "元块")),
    ("留置最长可以关多久？", Asked("number", "年月周天日时分秒", bound=True)),
    ("主席团多久开一次会？", Asked("number", "年月周天日时分秒", often=True)),
    ("那个街道叫什么名字？", Asked("name")),
    ("这部法律是从哪天开始施行的？", Asked("time", "年月日")),
    ("监察官分为几个等级，每个等级叫什么？", Asked("number", "个")),  # the count first, then the names
    ("那个街道叫什么名字？", Asked("name")),
])
def test_finer_kinds(question: str, asked: Asked) -> None:
    assert asked_for(question) == asked


@pytest.mark.parametrize(("question", "right", "wrong"), [
    ("代表会议多长时间开一次？", "代表会议每季度召开一次。", "有五分之一以上的代表提议，应当召集。"),
    ("多长时间内可以申请复审？", "可以在收到决定之日起一个月内申请复审。", "不服的，可以申请复审。"),
    ("最多能派几个代表？", "代表人数不得超过5人。", "应当推选5人作为代表。"),
    ("居委会由几个人组成？", "居民委员会由主任、副主任和委员共五至九人组成。", "该街道承担近20项职业。"),
    ("主席团多久开一次会？", "主席团至少每三个月举行一次会议。", "在代表选举完成后的两个月内召集。"),
    ("主席团多久开一次会？", "代表大会每届召开一次。", "每届第一次会议，在选举完成后的两个月内召集。"),
    ("强制到案最长能持续多长时间？", "强制到案持续的时间不得超过十二小时。", "强制到案应当依法进行。"),
    ("乡镇人代会一年开几次？", "会议一般每年年初和年中各举行一次。", "从举行第一次会议开始，任期五年。"),
    ("补贴是多少钱？", "每月补贴500元。", "补贴标准由第十七条规定。"),
    ("这部法律从哪天开始施行？", "本法自公布之日起施行。", "本法的施行由国务院负责。"),
    ("那个街道叫什么名字？", "梅江镇的干部说，工作很多。", "某街道的干部说，工作很多。"),
])
def test_the_sentence_that_holds_what_is_asked(question: str, right: str, wrong: str) -> None:
    asked = asked_for(question)
    assert holds(right, asked)
    assert not holds(wrong, asked)


def test_a_person_asked_for_by_role_wants_a_personal_name() -> None:
    asked = asked_for("信访工作机构的负责人叫什么名字？")
    assert holds("负责人是张伟。", asked)
    assert not holds("信访工作机构是本级人民政府负责信访工作的行政机构。", asked)  # a body is no person
    assert asked_for("上海的街道办主任是谁任命的？").kind == "who"  # who appoints: a body answers
