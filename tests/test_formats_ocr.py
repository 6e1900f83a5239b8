"""Scanned pages: OCR with the models inside the rapidocr wheel, only on pages without a
text layer, lines grouped into paragraphs by where they stand."""

from __future__ import annotations

import io
import socket

import docmaker
import pytest
from pypdf import PdfReader, PdfWriter

from bot.engine.documents.formats import DocumentError, Limits, extract, ocr

SCAN = [
    [
        "关于进一步加强城市居民最低生活",
        "保障工作的通知",
        "",
        "    各区人民政府，市政府各委、办、局：",
        "    为切实保障困难群众基本生活，经市政府同意，",
        "现就进一步加强城市居民最低生活保障工作通知如下。",
        "",
        "    一、提高保障标准。自2026年1月1日起，城市居民",
        "最低生活保障标准提高到每人每月1200元。",
    ]
]


@pytest.fixture(scope="module")
def scanned() -> bytes:
    return docmaker.scanned_pdf(SCAN)


def test_a_scanned_page_is_read_back_by_ocr(scanned: bytes) -> None:
    heard: list[tuple[str, int, int]] = []
    extracted = extract("通知.pdf", scanned, progress=lambda *a: heard.append(a))
    assert extracted.kind == "pdf-ocr"
    assert extracted.pages == 1
    text = "\n".join(b.text for b in extracted.blocks)
    for phrase in ("城市居民最低生活保障", "各区人民政府", "提高保障标准", "1200元"):
        assert phrase in text, text
    assert ("ocr", 1, 1) in heard
    assert all(b.page == 1 for b in extracted.blocks)


def test_ocr_loads_its_models_and_reads_with_the_network_cut_off(
    scanned: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no network in this test: the models must come from the wheel")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(ocr, "_engine", None)  # load afresh, offline
    text = "".join(b.text for b in extract("通知.pdf", scanned).blocks)
    assert "提高保障标准" in text


def test_ocr_lines_are_grouped_into_paragraphs(scanned: bytes) -> None:
    blocks = [b.text for b in extract("通知.pdf", scanned).blocks]
    item = next(b for b in blocks if b.startswith("一、"))
    assert item.endswith("1200元。"), blocks  # the item's two lines are one paragraph
    assert not any(b.startswith("最低生活保障标准提高") for b in blocks), blocks


def test_only_pages_without_a_text_layer_are_ocred(scanned: bytes) -> None:
    writer = PdfWriter()
    for source in (docmaker.chinese_pdf(["第一条 本办法自发布之日起施行。"], header=None), scanned):
        for page in PdfReader(io.BytesIO(source)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    heard: list[tuple[str, int, int]] = []
    extracted = extract("mixed.pdf", buffer.getvalue(), progress=lambda *a: heard.append(a))
    assert [h for h in heard if h[0] == "ocr"] == [("ocr", 1, 1)]
    assert extracted.blocks[0] == extracted.blocks[0].__class__("第一条本办法自发布之日起施行。", 1)
    assert {b.page for b in extracted.blocks} == {1, 2}


def test_a_scan_where_ocr_finds_nothing_has_no_text() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("blank.pdf", docmaker.scanned_pdf([[]]))
    assert caught.value.reason == "no_text"
    assert caught.value.values["pages"] == 1


def test_more_scanned_pages_than_the_ocr_limit_are_refused_before_any_ocr() -> None:
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(DocumentError) as caught:
        extract(
            "scans.pdf",
            docmaker.scanned_pdf([[], [], []]),
            Limits(max_ocr_pages=2),
            lambda *a: heard.append(a),
        )
    assert caught.value.reason == "too_many_scanned_pages"
    assert caught.value.values == {"name": "scans.pdf", "pages": 3, "limit": 2}
    assert not [h for h in heard if h[0] == "ocr"]
