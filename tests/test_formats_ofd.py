"""OFD (GB/T 33190) documents: pages of positioned characters read back as paragraphs."""

from __future__ import annotations

import io
import zipfile

import docmaker
import pytest

from bot.engine.documents.formats import DocumentError, Limits, extract

PAGE_ONE = [
    "各区人民政府，市政府各委、办、局：",
    "为切实保障困难群众基本生活，经市政府同意，现就进一步加强城市居民最低生活保障工作的有关事项通知如下。",
]
PAGE_TWO = ["一、提高保障标准。自2026年1月1日起，城市居民最低生活保障标准提高到每人每月1200元。"]


def test_pages_of_characters_become_paragraphs_with_their_page() -> None:
    extracted = extract("通知.ofd", docmaker.ofd([PAGE_ONE, PAGE_TWO]))
    assert extracted.kind == "ofd"
    assert extracted.pages == 2
    assert [(b.text, b.page) for b in extracted.blocks] == [
        (PAGE_ONE[0], 1),
        (PAGE_ONE[1], 1),  # wrapped over two lines, joined (no space before "1200" either)
        (PAGE_TWO[0], 2),
    ]


def test_the_template_page_footer_is_not_read() -> None:
    text = "".join(b.text for b in extract("通知.ofd", docmaker.ofd([PAGE_ONE])).blocks)
    assert "内部资料" not in text


def test_more_pages_than_the_limit_are_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("通知.ofd", docmaker.ofd([PAGE_ONE] * 3), Limits(max_pages=2))
    assert caught.value.reason == "too_many_pages"
    assert caught.value.values["pages"] == 3


def test_a_page_with_broken_xml_is_corrupt() -> None:
    source = zipfile.ZipFile(io.BytesIO(docmaker.ofd([PAGE_ONE])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, data[:-20] if info.filename.endswith("Page_0/Content.xml") else data)
    with pytest.raises(DocumentError) as caught:
        extract("通知.ofd", buffer.getvalue())
    assert caught.value.reason == "corrupt"
    assert "Content.xml" in str(caught.value.values["detail"])


def test_an_ofd_that_unpacks_past_the_budget_is_a_zip_bomb() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("通知.ofd", docmaker.ofd([PAGE_ONE * 50]), Limits(max_unpacked_bytes=20_000))
    assert caught.value.reason == "zip_bomb"
