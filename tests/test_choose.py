"""bot/engine/answer/choose.py: the bold answer is a complete statement that holds the fact asked for."""

from __future__ import annotations

import numpy as np

from bot.engine.answer.choose import choose, choose_among, is_attribution, speaks_after_quote
from bot.engine.answer.sentence_evidence import SentenceIndex
from bot.engine.documents.ingest import parse_document
from bot.engine.question.asking import Asked, asked_for
from bot.engine.text.sentences import split_sentences

QUOTE = (
    "“前段时间,明显认为上级下放乡镇的职分更加的多。”某街道党工委书记说,他在乡镇工作已有30多年。"
    "二〇一九年以来已立下十余份责任状。“很难睡个踏实觉。”那位书记表示。"
)
HEADING = "二要规范问责程序。鼓励各部门出台实施办法。明确启动问责、调查核实、作出决定、督促执行等程序。"


def _index(*paragraphs: str) -> SentenceIndex:
    return SentenceIndex(parse_document("a.txt", "\n\n".join(paragraphs)))


def _choose(index: SentenceIndex, question: str, scores: list[float] | None = None) -> tuple[str, bool]:
    rows = index.rows("a.txt", 1)
    evidence = np.array(scores, dtype=np.float32) if scores else index.scores(question, None, rows)
    found = choose(index, rows, evidence, asked_for(question))
    return found.text, found.holds


def test_attribution_lines_are_fragments() -> None:
    assert (
        is_attribution("那位书记表示。")
        and is_attribution("该CEO表示。")
        and is_attribution("梅江镇一位乡镇领导直言。")
    )
    assert not is_attribution("某街道党工委书记说,他在乡镇工作已有30多年。")


def test_a_quote_opener_is_never_the_answer_and_the_number_asked_for_is_in_it() -> None:
    index = _index(QUOTE)
    # the attribution scores highest on the question's words, yet the answer holds 份
    text, holds = _choose(index, "那位书记签了多少份责任状？", [0.0, 0.0, 0.5, 0.0, 3.0])
    assert "十余份" in text and "表示" not in text and holds
    text, _ = _choose(index, "那位书记在乡镇工作了多少年？", [0.0, 0.5, 0.0, 0.0, 3.0])
    assert "30多年" in text


def test_a_quote_takes_its_attribution_along() -> None:
    text, _ = _choose(_index(QUOTE), "书记说了什么？", [0.0, 0.0, 0.0, 2.0, 0.0])
    assert text == "“很难睡个踏实觉。”那位书记表示。"


def test_a_quote_takes_the_evidence_of_the_speaker_line_after_it() -> None:
    index = _index("“作者最近又要去北京,接一名上访户。”某镇干部对记者说,这名上访户的户口在洛阳。只因不公。")
    text, _ = _choose(index, "镇干部为什么要去北京？", [-0.6, 1.9, -1.0])
    assert text.startswith("“作者最近又要去北京,接一名上访户。”某镇干部对记者说")
    assert speaks_after_quote(split_sentences(QUOTE), 4)
    assert not speaks_after_quote(split_sentences(QUOTE), 2)  # no quote before it


def test_an_open_question_takes_the_successor_that_gives_the_effect() -> None:
    index = _index("近几年来,职能部门纷纷走出机关,深入基层为老百姓办事。老百姓不用舟车劳顿,达到了三方满意。")
    text, _ = _choose(index, "职能部门深入基层办事有什么效果？", [2.4, -3.3])
    assert "达到了三方满意" in text


def test_a_sentence_announcing_the_list_asked_for_takes_the_list_after_it() -> None:
    index = _index(
        "来自上级的问责能帮助干部拧紧发条。与此同时,基层问责过程中也出现了一些不容忽视的问题。"
        "有的问责尺度宽严不一,把握不准;有的问责没有抓住痛点,存在敷衍应付的现象。"
    )
    text, _ = _choose(index, "基层问责中出现了哪些不容忽视的问题？", [-1.0, 3.0, -2.0, -2.5])
    assert text.startswith("与此同时") and "有的问责尺度宽严不一" in text
    alone, _ = _choose(index, "基层问责中出现了什么不容忽视的情况？", [-1.0, 3.0, -2.0, -2.5])
    assert "有的问责尺度" not in alone  # not a list question: the sentence stands alone


def test_a_clause_ending_in_a_semicolon_goes_on() -> None:
    index = _index("有的问责尺度宽严不一;有的问责没有抓住痛点,做做样子居多。另一句话说别的事情,与问题无关。")
    text, _ = _choose(index, "有的问责为什么没有效果？", [3.0, 0.0, -1.0])
    assert text == "有的问责尺度宽严不一;有的问责没有抓住痛点,做做样子居多。"


def test_a_heading_is_followed_by_the_sentence_that_says_it() -> None:
    text, _ = _choose(_index(HEADING), "问责程序包括哪些环节？", [4.9, -0.6, -0.1])
    assert text == "二要规范问责程序。明确启动问责、调查核实、作出决定、督促执行等程序。"
    # ... but its own next sentence when the later one is not clearly better
    text, _ = _choose(_index(HEADING), "问责程序怎么规范？", [4.9, -0.6, 0.2])
    assert text.startswith("二要规范问责程序。鼓励各部门")


def test_a_follow_up_prefers_what_the_previous_answer_did_not_say() -> None:
    index = _index(HEADING)
    rows = index.rows("a.txt", 1)
    given = frozenset(["鼓励各部门出台实施办法。"])
    scores = np.array([-1.0, 1.0, 0.5], dtype=np.float32)
    assert choose(index, rows, scores, Asked()).text.startswith("鼓励各部门")
    assert choose(index, rows, scores, Asked(), given=given).text.startswith("明确启动问责")
    leading = np.array([-1.0, 5.0, 0.5], dtype=np.float32)  # said before, however far it leads
    assert choose(index, rows, leading, Asked(), given=given).text.startswith("明确启动问责")


def test_the_best_paragraph_for_a_follow_up_may_be_another_cited_one() -> None:
    index = _index(QUOTE, HEADING)
    first, second = index.rows("a.txt", 1), index.rows("a.txt", 2)
    scores = np.array([0, 0, 0, 0, 2.5, 2.0, 0, 0], dtype=np.float32)
    chosen, found = choose_among(index, [first, second], scores, Asked())
    assert chosen == 0 and "很难睡个踏实觉" in found.text
    given = frozenset(["“很难睡个踏实觉。”", "那位书记表示。"])
    chosen, found = choose_among(index, [first, second], scores, Asked(), given=given)
    assert chosen == 1 and found.text.startswith("二要规范问责程序。")
    # a paragraph that holds the number asked for wins over one that does not
    chosen, found = choose_among(index, [second, first], scores[::-1].copy(), Asked("number", "份"))
    assert chosen == 1 and "十余份" in found.text


def test_a_paragraph_that_can_only_repeat_the_previous_answer_gives_way() -> None:
    one = "有被问责的乡镇干部辩驳,领导就一句话:“难道不是在你的辖区吗?”"  # one sentence
    index = _index(one, HEADING)
    first, second = index.rows("a.txt", 1), index.rows("a.txt", 2)
    scores = np.array([4.0, 0.0, 0.5, 0.0], dtype=np.float32)  # the repeat leads by far
    chosen, found = choose_among(index, [first, second], scores, Asked())
    assert chosen == 0 and found.text == one
    chosen, found = choose_among(index, [first, second], scores, Asked(), given=frozenset([one]))
    assert chosen == 1 and "鼓励各部门" in found.text


def test_a_short_heading_takes_the_next_sentence() -> None:
    text, _ = _choose(_index(HEADING), "问责程序怎么规范？", [3.0, 0.0, -1.0])
    assert text.startswith("二要规范问责程序。鼓励各部门")


def test_a_list_asked_for_prefers_the_enumeration() -> None:
    text, _ = _choose(_index(HEADING), "问责程序包括哪些环节？", [0.0, 0.3, 0.0])
    assert "启动问责、调查核实" in text


def test_no_sentence_with_the_unit_asked_for_means_the_paragraph_does_not_hold_it() -> None:
    _, holds = _choose(_index(QUOTE), "公务员每年有多少天年假？")
    assert not holds
    assert choose(_index(QUOTE), [], np.zeros(0), Asked()).text == ""


def test_what_happened_after_an_event_is_the_sentence_past_it() -> None:
    index = _index("街道把交通事故数列为考核内容,但其实交通网络复杂。今年考核后,街道难以找到工作的着力点。")
    text, _ = _choose(index, "把交通事故数纳入考核以后，街道遇到什么困惑？", [1.5, 1.0])
    assert text.startswith("今年考核后")
    alone, _ = _choose(index, "把交通事故数纳入考核，街道遇到什么困惑？", [1.5, 1.0])
    assert alone.startswith("街道把交通事故数")  # no event asked after: the closer sentence
