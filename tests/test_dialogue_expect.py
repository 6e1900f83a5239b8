"""Expectations against a bot reply: each failure reads as expected vs actual."""

from __future__ import annotations

from bot.tools.dialogue.expect import Failure, Reply, check, cite_list, snippet
from bot.tools.dialogue.specs import Expect

ANSWER = (
    "惠州某街道……共有考核目的31项,大致都与属地权利有关。\n\n出处\n\n"
    "¶8 · article.txt\n惠州某街道专业职员反映……\n\n"
    "¶29 · article.txt\n湖州市某街道……\n\n"
    "¶10 · article.txt\n问责本人并不是指标……"
)
REPLY = Reply(messages=(ANSWER,), buttons=("更多段落", "上下文", "👍", "👎"), ms=212.0)
REFUSAL = Reply(messages=("文章没有涉及“明天会下雨吗？”。\n\n您可以试试这样问：",), refused=True, ms=80.0)


def _keys(failures: tuple[Failure, ...]) -> list[str]:
    return [f.key for f in failures]


def test_cites_are_read_from_passage_lines_in_order() -> None:
    assert REPLY.cites == (8, 29, 10)
    context = Reply(messages=("¶8 的上下文（article.txt）：\n\n¶7 · article.txt\n…\n\n¶9 · article.txt\n…",))
    assert context.cites == (7, 9)  # the header names ¶8 but cites nothing
    assert Reply(messages=("¶n 是段落编号",)).cites == ()


def test_a_reply_that_meets_everything_passes() -> None:
    expect = Expect(
        contains=("31", "出处"), not_contains=("出了点问题",), regex=(r"\d+项",),
        cites=frozenset({8, 10, 29}), cites_any=frozenset({8, 40}), refused=False,
        buttons=("上下文", "👍"), max_ms=1000,
    )
    assert check(expect, REPLY) == ()
    assert check(Expect(), REPLY) == ()


def test_contains_shows_the_missing_text_and_the_reply() -> None:
    (failure,) = check(Expect(contains=("32",)), REPLY)
    assert failure.key == "contains"
    assert failure.expected == "the reply to contain “32”"
    assert failure.actual.startswith("“惠州某街道……共有考核目的31项")
    assert str(failure).startswith("contains: expected the reply to contain “32”; actual “惠州")


def test_contains_tolerates_line_breaks_in_the_reply() -> None:
    assert check(Expect(contains=("出处 ¶8",)), REPLY) == ()


def test_not_contains_shows_where_the_text_is() -> None:
    (failure,) = check(Expect(not_contains=("问责本人",)), REPLY)
    assert failure.key == "not_contains" and "问责本人" in failure.actual


def test_regex() -> None:
    (failure,) = check(Expect(regex=(r"第\d+条",)), REPLY)
    assert failure.expected == r"a match for /第\d+条/"


def test_cites_is_an_exact_set_in_any_order() -> None:
    assert check(Expect(cites=frozenset({10, 8, 29})), REPLY) == ()
    (failure,) = check(Expect(cites=frozenset({8, 9})), REPLY)
    assert failure.expected == "¶8 ¶9"
    assert failure.actual == "¶8 ¶10 ¶29 (missing ¶9, unexpected ¶10 ¶29)"
    (failure,) = check(Expect(cites=frozenset()), REPLY)
    assert failure.expected == "no citations"


def test_cites_any() -> None:
    assert check(Expect(cites_any=frozenset({1, 29})), REPLY) == ()
    (failure,) = check(Expect(cites_any=frozenset({2, 3})), REPLY)
    assert (failure.expected, failure.actual) == ("any of ¶2 ¶3", "¶8 ¶29 ¶10")
    (failure,) = check(Expect(cites_any=frozenset({2})), REFUSAL)
    assert failure.actual == "no citations"


def test_refused_both_ways() -> None:
    assert check(Expect(refused=True), REFUSAL) == ()
    (failure,) = check(Expect(refused=True), REPLY)
    assert failure.expected.startswith("a refusal")
    assert failure.actual.startswith("an answer citing ¶8 ¶29 ¶10: “惠州")
    (failure,) = check(Expect(refused=False), REFUSAL)
    assert failure.expected == "an answer, not a refusal"
    assert failure.actual.startswith("a refusal “文章没有涉及")


def test_buttons_subset_or_none() -> None:
    (failure,) = check(Expect(buttons=("上下文", "More passages")), REPLY)
    assert failure.actual == "[更多段落] [上下文] [👍] [👎] (missing [More passages])"
    assert check(Expect(buttons=()), REFUSAL) == ()
    (failure,) = check(Expect(buttons=()), REPLY)
    assert failure.expected == "no buttons"


def test_max_ms() -> None:
    (failure,) = check(Expect(max_ms=100), REPLY)
    assert (failure.expected, failure.actual) == ("≤ 100 ms", "212 ms")
    (failure,) = check(Expect(max_ms=100), Reply(messages=("x",)))
    assert failure.actual == "not measured"


def test_toast_counts_as_text() -> None:
    toast = Reply(toast="谢谢您的反馈！", ms=30.0)
    assert check(Expect(contains=("谢谢",)), toast) == ()
    assert toast.text == "谢谢您的反馈！"


def test_no_reply() -> None:
    silent = Reply(timed_out=True)
    assert check(Expect(no_reply=True), silent) == ()
    (failure,) = check(Expect(no_reply=True), REPLY)
    assert failure.key == "no_reply" and failure.actual.startswith("“惠州")
    (failure,) = check(Expect(contains=("31",), cites_any=frozenset({8})), silent)
    assert (failure.key, failure.actual) == ("reply", "nothing within the step's timeout")


def test_several_failures_are_all_reported() -> None:
    failures = check(Expect(contains=("不存在",), refused=True, max_ms=1), REPLY)
    assert _keys(failures) == ["contains", "refused", "max_ms"]


def test_snippet_and_cite_list() -> None:
    assert snippet("") == "(empty)"
    assert snippet("a\n\nb") == "“a b”"
    long = "甲" * 100 + "乙" + "丙" * 100
    cut = snippet(long, around=100, width=21)
    assert cut.startswith("“…") and cut.endswith("…”") and "乙" in cut
    assert cite_list([10, 8]) == "¶8 ¶10" and cite_list([10, 8], keep_order=True) == "¶10 ¶8"
    assert cite_list([]) == "no citations"


RELATED = Reply(
    messages=("文章没有直接回答这个问题，以下段落可能相关：\n\n¶34 · article.txt\n有的问责…",), related=True
)


def test_related_and_answered_expectations() -> None:
    assert check(Expect(related=True, answered=False), RELATED) == ()
    assert check(Expect(answered=False), REFUSAL) == ()
    assert check(Expect(answered=True, related=False), REPLY) == ()
    failures = check(Expect(answered=True), RELATED)
    assert [f.key for f in failures] == ["answered"] and "related" in failures[0].actual
    assert [f.key for f in check(Expect(related=True), REPLY)] == ["related"]
