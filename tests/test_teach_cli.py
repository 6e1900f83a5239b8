"""`qabot teach` (bot/tools/teach.py, bot/cli.py): teach a wording to a paragraph named as the
bot cites it, mark one not covered, list, remove, export and import FAQ pairs (CSV, JSONL);
errors say how to fix the command. No models are loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import _point_env_at

from bot.cli import main
from bot.state import open_store
from config.settings import Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, article_settings: Settings) -> Settings:
    _point_env_at(monkeypatch, article_settings)
    return article_settings


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_teach_list_remove(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "teach", "街道考核有几项？", "--doc", "article.txt", "--paragraph", "8",
                       "--sentence", "31项")
    assert code == 0 and "→ ¶8 (article.txt)" in out
    code, out, _ = run(capsys, "teach", "--not-covered", "明天天气怎么样？")
    assert code == 0 and "not covered" in out
    code, out, _ = run(capsys, "teach", "--list", "--json")
    items = json.loads(out)
    assert [(i["question"], i["paragraph"], i["not_covered"], i["stale"]) for i in items] == [
        ("街道考核有几项？", 8, False, False), ("明天天气怎么样？", 0, True, False)]
    assert "31项" in items[0]["sentence"] and items[0]["by"].startswith("cli")
    code, out, _ = run(capsys, "teach", "--remove", items[1]["id"])
    assert code == 0
    code, out, _ = run(capsys, "teach", "--list")
    assert "街道考核有几项？" in out and "明天天气" not in out


def test_errors_say_how_to_fix(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "teach", "问题？", "--doc", "article.txt", "--paragraph", "999")
    assert code == 2 and "no ¶999" in err and "article.txt" in err
    code, _, err = run(capsys, "teach", "问题？", "--doc", "article.txt", "--paragraph", "8",
                       "--sentence", "没有这句")
    assert code == 2 and "no sentence containing" in err
    code, _, err = run(capsys, "teach", "问题？")
    assert code == 2 and "--doc NAME --paragraph N" in err
    code, _, err = run(capsys, "teach", "--remove", "nope")
    assert code == 2 and "qabot teach --list" in err


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_import_round_trip(env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                  suffix: str) -> None:
    run(capsys, "teach", "街道考核有几项？", "--doc", "article", "--paragraph", "8")  # article.txt
    run(capsys, "teach", "--not-covered", "明天天气怎么样？")
    exported = tmp_path / f"faq{suffix}"
    code, out, _ = run(capsys, "teach", "--export", str(exported))
    assert code == 0 and "2 teaching(s)" in out
    store = open_store(env)
    before = store.taught()
    for t in before:
        store.remove_teaching(t.id)
    store.close()
    code, out, _ = run(capsys, "teach", "--import", str(exported))
    assert code == 0 and "2 teaching(s) imported" in out
    store = open_store(env)
    after = store.teachings()
    store.close()
    assert [(r.teaching.question, r.teaching.paragraph_hash, r.teaching.not_covered) for r in after] == [
        (t.question, t.paragraph_hash, t.not_covered) for t in before]
    assert all(r.by == f"import:faq{suffix}" for r in after)


def test_import_names_the_bad_row(env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    faq = tmp_path / "faq.csv"
    rows = "question,doc,paragraph\n好问题？,article.txt,8\n坏问题？,article.txt,999\n"
    faq.write_text(rows, encoding="utf-8")
    code, _, err = run(capsys, "teach", "--import", str(faq))
    assert code == 2 and "faq.csv row 2" in err and "no ¶999" in err
