"""The layout rules every paged format shares, on hand-placed spans."""

from __future__ import annotations

import pytest

from bot.engine.documents.formats.layout import (
    Page,
    Span,
    blocks_of,
    drop_running,
    join_lines,
    lines_of,
)


def chars(text: str, x: float, y: float, size: float = 10.0) -> list[Span]:
    """One span per character, ``size`` wide (full-width) or half that (ASCII)."""
    spans = []
    for char in text:
        width = size if ord(char) > 0x2E80 else size / 2
        if char != " ":
            spans.append(Span(char, x, y, x + width, y + size))
        x += width
    return spans


def page(number: int, *rows: tuple[str, float]) -> Page:
    """A page whose rows of text stand at x=0 (or the given indent) 16 units apart."""
    spans: list[Span] = []
    for i, (text, x) in enumerate(rows):
        spans += chars(text, x, 100 + 16 * i)
    return Page(number, lines_of(spans))


def test_words_get_spaces_chinese_does_not_and_wide_gaps_make_cells() -> None:
    spans = chars("Article 7 第七条", 0, 0) + chars("备注", 300, 0)
    (line,) = lines_of(spans)
    assert line.cells == ("Article 7第七条", "备注")


def test_a_full_width_gap_between_chinese_characters_stays_a_space() -> None:
    (line,) = lines_of(chars("第一条", 0, 0) + chars("为了规范", 40, 0) + chars("，保障", 81, 0))
    assert line.text == "第一条 为了规范，保障"  # 10 units (a full width) vs 1 unit (justified)


def test_lines_are_read_top_to_bottom_whatever_order_the_spans_come_in() -> None:
    spans = chars("第二行", 0, 20) + chars("第一行", 0, 0)
    assert [line.text for line in lines_of(spans)] == ["第一行", "第二行"]


@pytest.mark.parametrize(
    "number", ["3", "- 3 -", "— 3 —", "第 3 页", "第三页", "3/40", "第3页 共40页", "Page 3 of 40"]
)
def test_page_numbers_at_the_bottom_are_dropped(number: str) -> None:
    pages = [page(1, ("正文第一段。", 20), ("正文第二段。", 20), (number, 100))]
    assert [line.text for line in drop_running(pages)[0].lines] == ["正文第一段。", "正文第二段。"]


def test_a_number_line_in_the_body_stays() -> None:
    pages = [page(1, ("一", 0), ("正文。", 20), ("2026", 0), ("正文。", 20), ("结尾。", 20))]
    assert "2026" in [line.text for line in drop_running(pages)[0].lines]


def test_a_line_repeated_at_the_top_of_most_pages_is_a_running_header() -> None:
    bodies = ["申请人应当如实申报。", "民政部门应当审核。", "本办法自发布之日起施行。"]
    pages = [
        page(n, ("某某市人民政府公报", 40), (body, 20), ("结束。", 20)) for n, body in enumerate(bodies, 1)
    ]
    pages.append(page(4, ("附件", 0), ("某某市人民政府公报", 40), ("正文。", 20)))
    kept = [[line.text for line in p.lines] for p in drop_running(pages)]
    assert kept[0] == ["申请人应当如实申报。"]  # "结束。" ends 3 of 4 pages: running too
    assert kept[3] == ["附件", "正文。"]  # second line: still the header zone


def test_a_header_whose_number_keeps_step_with_the_page_is_running() -> None:
    pages = [page(n, (f"2026年第3期 · {n + 6} ·", 40), (f"正文{'甲乙丙'[n - 1]}。", 20)) for n in (1, 2, 3)]
    assert [[line.text for line in p.lines] for p in drop_running(pages)] == [
        ["正文甲。"],
        ["正文乙。"],
        ["正文丙。"],
    ]


def test_attachment_titles_opening_pages_are_not_a_running_header() -> None:
    pages = [page(n, (f"附件{n // 2}", 0), ("正文内容。", 20)) for n in (2, 4, 6)]
    pages += [
        page(
            n,
            ("正文继续。", 20),
        )
        for n in (1, 3, 5)
    ]
    kept = sorted((p.number, [line.text for line in p.lines]) for p in drop_running(pages))
    assert [texts[0] for number, texts in kept if number % 2 == 0] == ["附件1", "附件2", "附件3"]


def test_a_paragraph_wrapped_over_lines_is_joined_and_an_indent_starts_the_next() -> None:
    wide = "为切实保障困难群众基本生活经市政府同意现就"  # 21 characters: the full column
    p = page(1, (wide, 0), ("有关事项通知如下", 0), (wide[2:], 20), ("并在此结束。", 0))
    assert [b.text for b in blocks_of([p])] == [wide + "有关事项通知如下", wide[2:] + "并在此结束。"]


def test_a_sentence_end_or_a_short_line_ends_a_paragraph() -> None:
    wide = "为切实保障困难群众基本生活经市政府同意现就"
    p = page(1, (wide, 0), ("附件一", 0), (wide[:-1] + "。", 0), (wide, 0))
    assert [b.text for b in blocks_of([p])] == [wide + "附件一", wide[:-1] + "。", wide]


def test_join_lines_spaces_only_between_latin_ends() -> None:
    assert join_lines(["每月", "1200元", "per", "month"]) == "每月1200元per month"


def test_a_page_that_is_one_long_two_column_table_stays_a_table() -> None:
    names = ["市区", "县城", "开发区", "新区", "高新技术产业园", "乡镇", "农场", "林区"]
    spans: list[Span] = []
    for i, name in enumerate(names):
        spans += chars(name, 0, 16 * i) + chars(f"{1000 + i * 10}元", 200, 16 * i)
    assert [line.cells for line in lines_of(spans)] == [
        (n, f"{1000 + i * 10}元") for i, n in enumerate(names)
    ]


def test_two_columns_of_text_are_read_left_then_right() -> None:
    spans = chars("某某市人民政府公报二〇二六年第三期", 60, 0)  # a title across both columns
    for i in range(8):
        spans += chars(f"左栏第{i}行文字内容排满", 0, 20 + 16 * i) + chars(
            f"右栏第{i}行文字内容排满", 150, 20 + 16 * i
        )
    texts = [line.text for line in lines_of(spans)]
    assert texts == ["某某市人民政府公报二〇二六年第三期"] + [
        f"左栏第{i}行文字内容排满" for i in range(8)
    ] + [f"右栏第{i}行文字内容排满" for i in range(8)]


def test_columns_below_an_introduction_across_the_page_are_read_one_by_one() -> None:
    intro = "本期导读这是一段横跨全页的导语文字内容排满整行为止"  # 25 characters: 0-250
    spans = chars(intro, 0, 0) + chars(intro, 0, 16) + chars("导语结束。", 0, 32)
    for i in range(8):
        y = 60 + 16 * i
        spans += chars(f"左栏第{i}行文字内容排满", 0, y) + chars(f"右栏第{i}行文字内容排满", 140, y)
    texts = [line.text for line in lines_of(spans)]
    assert texts == [intro, intro, "导语结束。"] + [f"左栏第{i}行文字内容排满" for i in range(8)] + [
        f"右栏第{i}行文字内容排满" for i in range(8)
    ]


def test_a_table_of_labels_and_right_aligned_numbers_is_not_two_columns() -> None:
    # a quarterly report's key figures (issue-67-example.pdf): labels as long as they come, numbers
    # right-aligned, so the label and the first number can look like a column of text ending at 250
    labels = ["营业收入（元）", "归属于上市公司股东的净利润（元）", "经营活动产生的现金流量净额（元）",
              "基本每股收益（元/股）", "稀释每股收益（元/股）", "加权平均净资产收益率", "总资产（元）",
              "归属于上市公司股东的净资产（元）"]
    spans: list[Span] = []
    for i, label in enumerate(labels):
        number = f"{-4_648_986 * (i + 1):,}.52"
        y = 16 * i
        spans += chars(label, 0, y) + chars(number, 250 - 5 * len(number), y) + chars("-16.55%", 300, y)
    assert [line.cells[0] for line in lines_of(spans)] == labels
    assert all(len(line.cells) == 3 for line in lines_of(spans))


def test_a_table_row_is_a_block_of_its_own_cells_joined_by_a_space() -> None:
    spans = chars("项目", 0, 0) + chars("标准", 200, 0) + chars("市区", 0, 16) + chars("1200元", 200, 16)
    assert [b.text for b in blocks_of([Page(1, lines_of(spans))])] == ["项目 标准", "市区 1200元"]


def test_a_box_of_notes_far_from_the_page_edge_joins_its_wrapped_lines() -> None:
    wide = "四、本证自发证之日起三个月内应予施工逾期应办理"  # 23 characters: 200-430
    notes = [("三、本证可以查验。", 200), (wide, 200), ("延期手续。", 200), ("五、按规定报告。", 200)]
    p = page(1, ("发证机关某某省住房和城乡建设厅", 0), *notes)
    expected = ["三、本证可以查验。", wide + "延期手续。", "五、按规定报告。"]
    assert [b.text for b in blocks_of([p])][1:] == expected


def test_a_header_with_the_same_year_on_every_page_is_running() -> None:
    header = ("某某公司2018年第一季度报告全文", 40)
    pages = [page(n, header, (f"正文{'甲乙丙'[n - 1]}。", 20)) for n in (1, 2, 3)]
    kept = [[line.text for line in p.lines] for p in drop_running(pages)]
    assert kept == [["正文甲。"], ["正文乙。"], ["正文丙。"]]
