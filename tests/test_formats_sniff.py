"""The extension must agree with the content; limits are checked before any reader runs."""

from __future__ import annotations

import docmaker
import pytest

from bot.engine.documents.formats import REASONS, DocumentError, Limits, extract


def reason_of(name: str, data: bytes) -> str:
    with pytest.raises(DocumentError) as caught:
        extract(name, data)
    assert caught.value.reason in REASONS
    return caught.value.reason


def test_a_pdf_named_txt_is_a_mismatch() -> None:
    assert reason_of("报告.txt", docmaker.chinese_pdf(["正文。"])) == "mismatch"


def test_a_text_file_named_pdf_is_a_mismatch() -> None:
    assert reason_of("报告.pdf", "这不是PDF".encode()) == "mismatch"


def test_a_docx_named_ofd_lacks_the_ofd_member() -> None:
    assert reason_of("公文.ofd", docmaker.docx(["正文"])) == "mismatch"


def test_an_ofd_named_docx_lacks_the_word_member() -> None:
    assert reason_of("公文.docx", docmaker.ofd([["正文"]])) == "mismatch"


def test_a_zip_named_html_is_a_mismatch() -> None:
    assert reason_of("page.html", docmaker.docx(["正文"])) == "mismatch"


def test_a_web_page_named_txt_is_a_mismatch() -> None:
    assert reason_of("page.txt", docmaker.government_page("标题", ["正文"])) == "mismatch"


def test_an_unknown_extension_is_unsupported_and_names_what_is() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("表格.xls", b"\xd0\xcf\x11\xe0")
    assert caught.value.reason == "unsupported"
    assert ".pdf" in caught.value.values["supported"]  # type: ignore[operator]


def test_a_file_over_the_byte_limit_is_too_large_before_reading() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("a.txt", b"x" * 101, Limits(max_bytes=100))
    assert caught.value.reason == "too_large"
    assert caught.value.values == {"name": "a.txt", "size": 101, "limit": 100}


def test_a_parser_failing_in_its_own_way_becomes_corrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.engine.documents.formats import pdf

    def choke(page: object) -> None:
        raise RuntimeError("FPDFText_LoadPage failed")

    monkeypatch.setattr(pdf, "_spans", choke)
    with pytest.raises(DocumentError) as caught:
        extract("a.pdf", docmaker.chinese_pdf(["正文。"]))
    assert caught.value.reason == "corrupt"
    assert caught.value.values["detail"] == "RuntimeError: FPDFText_LoadPage failed"
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_an_unknown_reason_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="unknown DocumentError reason"):
        DocumentError("bad_luck")
