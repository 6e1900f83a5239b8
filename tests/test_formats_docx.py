"""Word documents: paragraphs and tables in order; zip bombs refused without unpacking."""

from __future__ import annotations

import resource

import docmaker
import pytest
from conftest import realdoc

from bot.engine.documents.formats import DocumentError, Limits, extract


def test_paragraphs_then_the_table_as_rows() -> None:
    data = docmaker.docx(
        ["第一条 为了规范管理，制定本办法。", "", "第二条 本办法自发布之日起施行。"],
        table=[["项目", "标准"], ["市区", "1200元"]],
    )
    extracted = extract("办法.docx", data)
    assert [b.text for b in extracted.blocks] == [
        "第一条 为了规范管理，制定本办法。",
        "第二条 本办法自发布之日起施行。",
        "项目 标准",
        "市区 1200元",
    ]
    assert extracted.kind == "docx"


def test_a_docx_that_unpacks_to_180_mb_is_refused_as_a_zip_bomb() -> None:
    bomb = docmaker.docx_bomb()
    assert len(bomb) < 400_000  # a small upload...
    with pytest.raises(DocumentError) as caught:
        extract("bomb.docx", bomb)
    assert caught.value.reason == "zip_bomb"  # ...refused from its declared sizes
    assert caught.value.values["limit"] == Limits().max_unpacked_bytes


def test_a_bomb_that_lies_about_its_size_is_refused_after_reading_only_what_it_declared() -> None:
    bomb = docmaker.docx_bomb(60 * 1024 * 1024, lie=True)  # declares 1 KB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DocumentError) as caught:
        extract("bomb.docx", bomb)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert caught.value.reason == "corrupt"  # the bytes do not match the declared size and CRC
    assert "word/document.xml" in str(caught.value.values["detail"])
    assert grown_kb < 15 * 1024  # never unpacked whole


def test_a_member_that_streams_past_the_budget_is_a_zip_bomb() -> None:
    bomb = docmaker.docx_bomb(30 * 1024 * 1024)
    with pytest.raises(DocumentError) as caught:
        extract("bomb.docx", bomb, Limits(max_unpacked_bytes=10 * 1024 * 1024))
    assert caught.value.reason == "zip_bomb"
    assert caught.value.values["limit"] == 10 * 1024 * 1024


def test_a_damaged_docx_is_corrupt() -> None:
    data = docmaker.docx(["正文"])
    with pytest.raises(DocumentError) as caught:
        extract("a.docx", data[: len(data) // 2])
    assert caught.value.reason == "corrupt"


def test_a_docx_with_nothing_written_has_no_text() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("a.docx", docmaker.docx(["", "  "]))
    assert caught.value.reason == "no_text"


def test_paragraphs_with_an_outline_level_are_headings() -> None:
    # a 标准's 章标题 / 条标题 styles carry w:outlineLvl as Word's Heading styles do
    name = "核电厂定期安全审查指南 第1部分：通用要求（征求意见稿）.docx"
    blocks = extract(name, realdoc(name)).blocks
    headings = {b.text: b.depth for b in blocks if b.role == "heading"}
    assert headings["范围"] == 2 and headings["确定评价范围和内容"] == 3
    assert not any(b.role for b in blocks if "核电厂PSR通常每10年左右开展一次" in b.text.replace(" ", ""))
