"""Saved government web pages: the article and its title, not menus, scripts or footers."""

from __future__ import annotations

import docmaker
import pytest

from bot.engine.documents.formats import DocumentError, extract

TITLE = "关于进一步加强城市居民最低生活保障工作的通知"
PARAGRAPHS = [
    "各区人民政府，市政府各委、办、局：",
    "为切实保障困难群众基本生活，经市政府同意，现就进一步加强城市居民最低生活保障工作通知如下。",
    "一、提高保障标准。自2026年1月1日起，城市居民最低生活保障标准提高到每人每月1200元。",
]
CHROME = ("首页", "政务公开", "统计代码", "track", "分享到", "版权所有", "ICP备", "color")


@pytest.mark.parametrize("charset", ["utf-8", "gb2312"])
def test_the_article_comes_back_without_the_page_around_it(charset: str) -> None:
    extracted = extract("通知.html", docmaker.government_page(TITLE, PARAGRAPHS, charset=charset))
    assert extracted.kind == "html"
    assert [b.text for b in extracted.blocks] == [TITLE, *PARAGRAPHS]
    text = "\n".join(b.text for b in extracted.blocks)
    assert not [word for word in CHROME if word in text]


def test_a_short_notice_still_loses_its_menus() -> None:
    extracted = extract("通知.htm", docmaker.government_page(TITLE, PARAGRAPHS[:1]))
    texts = [b.text for b in extracted.blocks]
    assert texts[0] == TITLE
    assert PARAGRAPHS[0] in texts  # the byline ("发布时间：…") may come along
    assert len(texts) <= 3
    assert not [word for word in CHROME if word in "\n".join(texts)]


def test_a_table_is_one_block_of_rows() -> None:
    page = docmaker.government_page(TITLE, PARAGRAPHS[:2]).replace(
        b"</div></div>",
        "<table><tr><td>地区</td><td>标准</td></tr><tr><td>市区</td><td>1200元</td></tr></table>"
        "</div></div>".encode(),
        1,
    )
    blocks = [b.text for b in extract("通知.html", page).blocks]
    assert "地区 | 标准\n市区 | 1200元" in blocks, blocks


def test_a_page_with_only_menus_and_scripts_has_no_text() -> None:
    page = (
        b"<html><head><script>var a = 1;</script></head><body><nav><a href='/'>home</a></nav></body></html>"
    )
    with pytest.raises(DocumentError) as caught:
        extract("empty.html", page)
    assert caught.value.reason == "no_text"
