"""Old Word (.doc), WPS (.wps) and RTF files, converted by LibreOffice headless."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docmaker
import pytest

from bot.engine.documents.formats import DocumentError, extract, legacy

PARAGRAPHS = ["关于加强城市居民最低生活保障工作的通知", "各区人民政府：",
              "城市居民最低生活保障标准提高到每人每月1200元。"]
RTF = (
    r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 SimSun;}}"
    r"\f0 \u20851?\u20110?\u36890?\u30693?\par "  # 关于通知
    r"\u27599?\u26376?1200\u20803?\u12290?\par}"  # 每月1200元。
)


def _soffice() -> str:
    program = legacy.converter()
    if program is None:  # .ci/run and `make` install libreoffice-writer-nogui
        pytest.skip("LibreOffice (soffice) is not installed")
    return program


def _doc_from_docx(tmp_path: Path) -> bytes:
    """A real .doc: a .docx made with python-docx, saved as Word 97 by LibreOffice."""
    program = _soffice()
    source = tmp_path / "通知.docx"
    source.write_bytes(docmaker.docx(PARAGRAPHS, [["项目", "标准"], ["低保", "1200元"]]))
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "doc",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    return (tmp_path / "通知.doc").read_bytes()


def test_a_doc_is_converted_and_read(tmp_path: Path) -> None:
    data = _doc_from_docx(tmp_path)
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # a compound file, as Word 97-2003 writes
    extracted = extract("通知.doc", data)
    assert extracted.kind == "doc"
    texts = [b.text for b in extracted.blocks]
    assert texts[:3] == PARAGRAPHS
    assert "低保" in texts[3] and "1200元" in texts[3]  # the table's text (python-docx's grid has no widths)


def test_a_wps_file_is_a_compound_file_read_the_same_way(tmp_path: Path) -> None:
    extracted = extract("通知.wps", _doc_from_docx(tmp_path))
    assert extracted.kind == "wps" and extracted.blocks[0].text == PARAGRAPHS[0]


def test_an_rtf_written_by_hand_is_read() -> None:
    _soffice()
    extracted = extract("通知.rtf", RTF.encode("ascii"))
    assert [b.text for b in extracted.blocks] == ["关于通知", "每月1200元。"]


def test_without_soffice_a_doc_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(DocumentError) as caught:
        extract("通知.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert caught.value.reason == "no_converter"
    assert caught.value.values == {"name": "通知.doc", "suffix": ".doc"}


def test_a_text_file_named_doc_is_a_mismatch() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("通知.doc", "只是一段文字".encode())
    assert caught.value.reason == "mismatch"
