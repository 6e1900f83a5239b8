"""Admin documents on disk: safe names, atomic placement, removal, rollback, the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.documents.folder import CATALOGUE, added_by, place, remove, target_name


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
        ("政策解读.docx", "政策解读.docx"),
        ("红头文件.PDF", "红头文件.pdf"),
        ("无扩展名", "无扩展名.txt"),
        ("x\u202egpj.txt", "x_gpj.txt"),
        ("长" * 200 + ".txt", "长" * 80 + ".txt"),
    ],
)
def test_target_name(name: str, expected: str) -> None:
    got = target_name(name)
    assert got == expected
    assert "/" not in got and "\\" not in got and not got.startswith(".")


def test_place_and_rollback_new_file(tmp_path: Path) -> None:
    placed = place(tmp_path, "新.txt", "内容".encode(), user_id=7)
    assert (tmp_path / "新.txt").read_text(encoding="utf-8") == "内容"
    assert sorted(p.name for p in tmp_path.iterdir()) == [CATALOGUE, "新.txt"]  # no temp file left
    assert added_by(tmp_path)["新.txt"]["added_by"] == 7
    placed.rollback()
    assert list(tmp_path.iterdir()) == []


def test_place_and_rollback_replacement(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("旧", encoding="utf-8")
    placed = place(tmp_path, "a.txt", "新".encode())
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "新"
    placed.rollback()
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "旧"
    assert "a.txt" not in added_by(tmp_path)


def test_remove_and_rollback(tmp_path: Path) -> None:
    place(tmp_path, "a.pdf", b"%PDF-1.4 x", user_id=1)
    removed = remove(tmp_path, "a.pdf")
    assert not (tmp_path / "a.pdf").exists() and "a.pdf" not in added_by(tmp_path)
    removed.rollback()
    assert (tmp_path / "a.pdf").read_bytes() == b"%PDF-1.4 x" and added_by(tmp_path)["a.pdf"]["added_by"] == 1
    with pytest.raises(FileNotFoundError):
        remove(tmp_path, "missing.txt")


def test_a_damaged_catalogue_loses_only_who_added_what(tmp_path: Path) -> None:
    (tmp_path / CATALOGUE).write_text("{not json", encoding="utf-8")
    assert added_by(tmp_path) == {}
    place(tmp_path, "a.txt", b"x", user_id=3)
    assert added_by(tmp_path)["a.txt"]["added_by"] == 3


def test_place_refuses_unsafe_names(tmp_path: Path) -> None:
    for name in ("../x.txt", ".x.txt", "a/b.txt"):
        with pytest.raises(ValueError, match="unsafe"):
            place(tmp_path, name, b"x")
