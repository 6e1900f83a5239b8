"""Outline labels: where each block stands among 章/节/条 and 一、/（一）/1./（1）."""

from __future__ import annotations

from bot.engine.documents.formats.model import HEADING, TITLE, Block
from bot.engine.documents.formats.structure import MARKER, Place, clauses, label_of, marker_of, places


def labels(texts: list[str]) -> list[str]:
    return [p.label for p in places(texts)]


def test_statute_levels_nest_and_close() -> None:
    texts = [
        "城市居民最低生活保障条例",
        "第一章 总则",
        "第一条 为了规范城市居民最低生活保障制度，制定本条例。",
        "本条例所称城市居民，是指持有非农业户口的居民。",
        "第二章　保障标准",
        "第一节 一般规定",
        "第七条 有下列情形之一的，不予批准：",
        "（一）拒不配合调查的；",
        "（二）隐瞒收入的。",
        "第八条 本条例自发布之日起施行。",
        "第三章 附则",
    ]
    assert labels(texts) == [
        "",
        "第一章",
        "第一章 第一条",
        "第一章 第一条",  # a second paragraph (款) of the article stays in it
        "第二章",
        "第二章 第一节",
        "第二章 第一节 第七条",
        "第二章 第一节 第七条 （一）",
        "第二章 第一节 第七条 （二）",
        "第二章 第一节 第八条",  # the item closes with its article
        "第三章",  # a new chapter closes the section and the article
    ]


def test_outline_levels_of_a_notice() -> None:
    texts = [
        "各区人民政府：",
        "一、总体要求",
        "（一）指导思想",
        "正文。",
        "（二）基本原则",
        "1. 坚持人民至上",
        "（1）细则",
        "三、保障措施",
    ]
    assert labels(texts) == [
        "",
        "一、",
        "一、（一）",
        "一、（一）",
        "一、（二）",
        "一、（二）1.",
        "一、（二）1.（1）",
        "三、",
    ]


def test_headings_are_short_numbered_titles_not_articles_or_items() -> None:
    got = places(
        ["第一章 总则", "第一条 为了规范管理，制定本办法。", "一、总体要求", "（一）未按规定申报的；",
         "第二章 附则", "一、总体要求", "（一）未按规定申报的；"]
    )
    assert got == [
        Place("第一章", True),
        Place("第一章 第一条", False),
        Place("第一章 第一条 一、", False),  # inside an article: one of its items
        Place("第一章 第一条 一、（一）", False),
        Place("第二章", True),
        Place("第二章 一、", True),
        Place("第二章 一、（一）", False),
    ]


def test_a_list_of_short_items_is_not_a_list_of_headings() -> None:
    got = places(["一、不准公款吃喝", "二、不准公款旅游", "三、其他要求", "正文。"])
    assert [p.heading for p in got] == [False, False, True, False]


def test_a_cross_reference_is_not_a_new_article() -> None:
    assert marker_of("第三十一条规定的情形，由县级人民政府处理。") is None
    assert marker_of("第三十一条的规定不适用。") is None
    assert marker_of("第三十一条 村民委员会不及时公布应当公布的事项的，") == (3, "第三十一条")


def test_clauses_join_their_paragraphs_and_stop_at_the_next_article_or_heading() -> None:
    texts = ["第一章 总则", "第一条 为了规范管理，制定本办法。", "前款所称管理，是指审批。", "（一）申报；",
             "第二条 本办法自发布之日起施行。", "第二章 附则", "第三条 说明。", "另款。"]
    blocks = [Block(t) for t in texts]
    units = clauses(blocks, places(blocks), [False] * len(blocks))
    assert [b.text for b, _ in units] == [
        "第一章 总则", "第一条 为了规范管理，制定本办法。\n前款所称管理，是指审批。\n（一）申报；",
        "第二条 本办法自发布之日起施行。", "第二章 附则", "第三条 说明。\n另款。"]
    labels = ["第一章", "第一章 第一条", "第一章 第二条", "第二章", "第二章 第三条"]
    assert [p.label for _, p in units] == labels
    lone = [Block("第1条意见说的是权责。"), Block("下一段。")]
    assert len(clauses(lone, places(lone), [False, False])) == 2  # one 第X条 in running text: no regulation


def test_markdown_headings_open_levels_by_depth() -> None:
    blocks = [Block("中华人民共和国某某法", role=TITLE, depth=1), Block("附则", role=HEADING, depth=2),
              Block("第九条 本法自公布之日起施行。")]
    got = [(p.label, p.heading) for p in places(blocks)]
    assert got == [("", True), ("附则", True), ("附则 第九条", False)]


def test_markers_without_spaces_and_with_ascii_brackets_as_ocr_gives_them() -> None:
    assert marker_of("第十二条本办法自发布之日起施行。") == (3, "第十二条")
    assert marker_of("第 3 章 附则") == (1, "第3章")
    assert marker_of("第二部分 主要任务") == (0, "第二部分")
    assert marker_of("(二)规范程序") == (5, "（二）")
    assert marker_of("2、加强监督") == (6, "2.")
    assert marker_of("(3) 细则") == (7, "（3）")


def test_numbers_that_are_not_markers() -> None:
    assert marker_of("2.5亿元用于保障") is None
    assert marker_of("2026年1月1日起施行") is None
    assert marker_of("根据第七条规定") is None
    assert not MARKER.match("根据本条例第三条")


def test_label_joins_statute_with_spaces_and_outline_without() -> None:
    assert label_of([(1, "第二章"), (3, "第七条"), (5, "（一）")]) == "第二章 第七条 （一）"
    assert label_of([(4, "三、"), (5, "（二）")]) == "三、（二）"


def test_an_unnumbered_heading_is_labelled_by_its_words_without_spacing_out() -> None:
    got = places([Block("目\u2003\u2003次", role=HEADING, depth=1), Block("前言 II")])
    assert [p.label for p in got] == ["目次", "目次"]
