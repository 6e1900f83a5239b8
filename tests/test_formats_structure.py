"""Outline labels: where each block stands among 章/节/条 and 一、/（一）/1./（1）."""

from __future__ import annotations

from bot.engine.documents.formats.structure import MARKER, Place, label_of, marker_of, places


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
        ["第一章 总则", "第一条 为了规范管理，制定本办法。", "一、总体要求", "（一）未按规定申报的；"]
    )
    assert got == [
        Place("第一章", True),
        Place("第一章 第一条", False),
        Place("第一章 第一条 一、", True),
        Place("第一章 第一条 一、（一）", False),
    ]


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
