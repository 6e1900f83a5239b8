"""Text files in the encodings Chinese offices save them in, split into blocks as the
documents folder splits them."""

from __future__ import annotations

import codecs

import pytest

from bot.engine.documents.formats import DocumentError, extract

TEXT = (
    "关于做好2026年春节期间安全生产工作的通知\n\n"
    "各区人民政府：\n为切实做好春节期间安全生产工作，\n现通知如下。\n\n一、高度重视"
)


@pytest.mark.parametrize(
    ("encoded", "label"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8 bom"),
        (TEXT.encode("utf-16"), "utf-16 bom (little endian)"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16 bom big endian"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gbk"),
    ],
)
def test_every_encoding_gives_the_same_blocks(encoded: bytes, label: str) -> None:
    extracted = extract("通知.txt", encoded)
    assert [b.text for b in extracted.blocks] == [
        "关于做好2026年春节期间安全生产工作的通知",
        "各区人民政府：为切实做好春节期间安全生产工作，现通知如下。",
        "一、高度重视",
    ], label
    assert extracted.kind == "text"
    assert extracted.pages is None
    assert all(b.page is None for b in extracted.blocks)


def test_a_file_without_blank_lines_is_one_block_per_line() -> None:
    extracted = extract("notes.md", "# 标题\n第一行\n第二行\n".encode())
    assert [b.text for b in extracted.blocks] == ["标题", "第一行", "第二行"]
    assert [b.role for b in extracted.blocks] == ["title", "", ""]
    assert extracted.kind == "markdown"


def test_markdown_headings_are_blocks_of_their_own_and_comments_are_not_text() -> None:
    raw = "# 某某条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n第一条 **为了**规范。\n\n"
    raw += "### 附 则 ###\n说明。\n"
    blocks = extract("law.md", raw.encode()).blocks
    assert [(b.text, b.role, b.depth) for b in blocks] == [
        ("某某条例", "title", 1), ("第一章 总则", "heading", 2), ("第一条 为了规范。", "", 0),
        ("附 则", "heading", 3), ("说明。", "", 0)]
    assert extract("notes.txt", "# 不是标题\n".encode()).blocks[0].text == "# 不是标题"  # only Markdown


def test_utf16_without_bom_is_recognised_by_its_zero_bytes() -> None:
    extracted = extract("a.txt", "Article 1\n\nArticle 2".encode("utf-16-le"))
    assert [b.text for b in extracted.blocks] == ["Article 1", "Article 2"]


def test_bytes_in_no_known_encoding_are_refused_as_encoding() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("a.txt", b"abc\x80\xffdef" * 10)  # neither UTF-8 nor GB18030, no BOM
    assert caught.value.reason == "encoding"
    assert caught.value.values["name"] == "a.txt"


def test_a_blank_file_has_no_text() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("a.txt", b"\n \n\t\n")
    assert caught.value.reason == "no_text"
