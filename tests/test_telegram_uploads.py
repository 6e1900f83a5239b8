"""Admin uploads: names, encodings, .docx, atomic placement and rollback."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from bot.telegram.uploads import UploadError, document_text, place, target_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("考核办法.txt", "考核办法.txt"),
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\基层.TXT", "基层.txt"),
        (".hidden.txt", "hidden.txt"),
        ("...", "document.txt"),
        ("a/b/..txt", "document.txt"),
        ("报告 (终稿)*?<>|.md", "报告 (终稿).md"),
        ("a<b>c.md", "a_b_c.md"),
        ("政策解读.docx", "政策解读.txt"),
        ("x\u202egpj.txt", "x_gpj.txt"),
        ("长" * 200 + ".txt", "长" * 80 + ".txt"),
    ],
)
def test_target_name(name: str, expected: str) -> None:
    got = target_name(name)
    assert got == expected
    assert "/" not in got and "\\" not in got and not got.startswith(".")


def test_utf8_with_bom_is_accepted() -> None:
    assert document_text("a.txt", "\ufeff第一段。\n\n第二段。".encode()) == "第一段。\n\n第二段。"


def test_gbk_is_refused_with_the_encoding_message() -> None:
    with pytest.raises(UploadError) as caught:
        document_text("旧文件.txt", "乡镇街道的考核指标".encode("gbk"))
    assert caught.value.key == "upload_encoding"
    assert caught.value.values == {"name": "旧文件.txt"}


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("a.pdf", b"%PDF", "upload_type"),
        ("a.txt", b"  \n\n ", "upload_empty"),
        ("a.txt", "问".encode("utf-16"), "upload_encoding"),
        ("a.docx", b"not a zip", "upload_unreadable"),
    ],
)
def test_unusable_uploads(name: str, data: bytes, key: str) -> None:
    with pytest.raises(UploadError) as caught:
        document_text(name, data)
    assert caught.value.key == key


def test_docx_paragraphs_become_blocks() -> None:
    document = docx.Document()
    document.add_paragraph("第一段：考核。")
    document.add_paragraph("")
    document.add_paragraph("第二段：问责。")
    buffer = io.BytesIO()
    document.save(buffer)
    assert document_text("a.docx", buffer.getvalue()) == "第一段：考核。\n\n第二段：问责。\n"


def test_place_and_rollback_new_file(tmp_path: Path) -> None:
    placed = place(tmp_path, "新.txt", "内容")
    assert (tmp_path / "新.txt").read_text(encoding="utf-8") == "内容"
    assert [p.name for p in tmp_path.iterdir()] == ["新.txt"]  # no temp file left
    placed.rollback()
    assert list(tmp_path.iterdir()) == []


def test_place_and_rollback_replacement(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("旧", encoding="utf-8")
    placed = place(tmp_path, "a.txt", "新")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "新"
    placed.rollback()
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "旧"


def test_place_refuses_unsafe_names(tmp_path: Path) -> None:
    for name in ("../x.txt", ".x.txt", "a/b.txt"):
        with pytest.raises(ValueError, match="unsafe"):
            place(tmp_path, name, "x")
