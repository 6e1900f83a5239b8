"""The `qabot` command: index, ask --json, eval --json, chat from stdin (as text or --json, a
number picking a suggestion), config errors (exit 2)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docmaker
import pytest

from bot.cli import main
from bot.engine.service import SearchService
from config.settings import PROJECT_ROOT, Settings

QUESTION = "街道年终考核一共有多少项指标？"
OFF_TOPIC = "明天上海会下雨吗？"
EVAL_KEYS = ["hit@1", "hit@3", "mrr@5", "answer@1", "off_topic_refused", "off_topic_total",
             "in_scope_refused", "in_scope_total", "precision", "coverage", "tiers", "mean_ms",
             "p95_ms"]


def _point_env_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in list(os.environ):
        if name.startswith("QABOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QABOT_DOCS_DIR", str(settings.docs_dir))
    monkeypatch.setenv("QABOT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("QABOT_DATA_DIR", str(settings.data_dir))


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, fake_settings: Settings) -> Settings:
    """The CLI over a temp copy of seeds/ with the hashing fake and no second model."""
    _point_env_at(monkeypatch, fake_settings)
    monkeypatch.setenv("QABOT_EMBEDDING_MODEL", "hashing-256")
    monkeypatch.setenv("QABOT_EMBEDDING_SECOND_MODEL", "")
    return fake_settings


@pytest.fixture
def real_env(
    monkeypatch: pytest.MonkeyPatch, real_index_copy: Settings, real_service: SearchService
) -> Settings:
    """The CLI over a copy of the session's real index; the already loaded models are reused."""
    _point_env_at(monkeypatch, real_index_copy)
    monkeypatch.setattr("bot.engine.lifecycle.load_encoder", lambda settings: real_service.encoder)
    monkeypatch.setattr("bot.engine.lifecycle.load_second_encoder", lambda settings: real_service.second)
    return real_index_copy


def _json_out(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.mark.slow
def test_ask_json_prints_exactly_the_documented_keys(
    real_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _json_out(capsys, ["ask", "--json", QUESTION])
    assert list(data) == [
        "question", "status", "answered", "answer", "taught", "passages", "candidates", "suggestions"]
    assert data["taught"] == ""  # nothing taught in this store
    assert data["question"] == QUESTION and data["answered"] is True and data["status"] == "answered"
    assert isinstance(data["answer"], str) and "31" in data["answer"]
    passages = data["passages"]
    assert isinstance(passages, list) and len(passages) == 3
    for passage in passages:
        assert list(passage) == ["doc", "paragraph", "section", "page", "text", "score"]
        assert isinstance(passage["paragraph"], int) and isinstance(passage["score"], float)
    assert (passages[0]["doc"], passages[0]["paragraph"]) == ("article.txt", 8)
    assert "31项" in passages[0]["text"]


@pytest.mark.slow
def test_ask_json_off_topic_is_not_answered(real_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json_out(capsys, ["ask", "--json", OFF_TOPIC])
    assert data == {
        "question": OFF_TOPIC, "status": "not_covered", "answered": False, "answer": "", "taught": "",
        "passages": [], "candidates": [], "suggestions": [],
    }


@pytest.mark.slow
def test_chat_answers_each_stdin_line(
    real_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{QUESTION}\n\n{OFF_TOPIC}\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    first, _, second = out.partition("文章没有涉及")
    assert "答：" in first and "31" in first and "¶8 (《article.txt》)" in first
    assert second and "答：" not in second  # the off-topic question is refused, the blank line skipped


@pytest.mark.slow
def test_chat_json_prints_one_ask_json_object_per_line_and_a_number_picks_a_suggestion(
    real_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    taught, close = "一个街道城管科要承担多少项工作？", "城管科在街道里要干多少项活？"  # close: below the bar
    assert main(["teach", taught, "--doc", "article.txt", "--paragraph", "23", "--sentence", "近20项"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{close}\n1\n{OFF_TOPIC}\n"))
    assert main(["chat", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    offered, chosen, refused = (json.loads(line) for line in lines)
    assert list(offered) == list(chosen) == list(refused) == [
        "question", "status", "answered", "answer", "taught", "passages", "candidates", "suggestions"]
    assert offered["question"] == close and offered["taught"] == "" and not offered["answered"]
    assert offered["suggestions"] == [{"question": taught, "doc": "article.txt", "paragraph": 23}]
    assert chosen["question"] == taught and chosen["taught"] and "近20项" in chosen["answer"]
    assert chosen["passages"][0]["paragraph"] == 23
    assert refused["status"] == "not_covered" and refused["suggestions"] == []


@pytest.mark.slow
def test_installed_entry_point_answers_from_stdin(real_index_copy: Settings) -> None:
    qabot = Path(sys.executable).parent / "qabot"
    if not qabot.exists():
        pytest.skip("the qabot entry point is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    env.update(
        QABOT_DOCS_DIR=str(real_index_copy.docs_dir), QABOT_INDEX_DIR=str(real_index_copy.index_dir),
        QABOT_DATA_DIR=str(real_index_copy.data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
    )
    done = subprocess.run(
        [str(qabot), "chat"], input=QUESTION + "\n", capture_output=True, text=True, env=env,
        cwd=PROJECT_ROOT.parent, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "¶8" in done.stdout and "31" in done.stdout
    assert done.stdout.split("\n\n", 1)[1].startswith("¶8")  # the first citation is ¶8


def test_index_prints_counts_then_is_quiet_when_fresh(
    fake_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert "1 document(s), 36 paragraphs, 36 passages" in out and "hashing-256" in out
    built = (fake_env.index_dir / "manifest.json").read_text(encoding="utf-8")
    assert main(["index", "--if-stale"]) == 0
    assert capsys.readouterr().out == ""
    assert (fake_env.index_dir / "manifest.json").read_text(encoding="utf-8") == built  # not rebuilt


def test_index_docs_option_counts_another_folder(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    docs = tmp_path / "other"
    docs.mkdir()
    (docs / "a.txt").write_text("甲段。\n\n刘刚\n\n乙段。", encoding="utf-8")
    (docs / "b.md").write_text("丙段。", encoding="utf-8")
    assert main(["index", "--docs", str(docs)]) == 0
    assert "2 document(s), 3 paragraphs, 3 passages" in capsys.readouterr().out


def test_eval_json_prints_exactly_the_documented_keys(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [{"q": QUESTION, "gold": ["31项"]}, {"q": "问责的目的是什么？", "gold": ["问责本人并不是指标"]},
             {"q": OFF_TOPIC, "gold": []}]
    cases.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    data = _json_out(capsys, ["eval", "--json", str(cases)])
    assert list(data) == EVAL_KEYS
    assert data["off_topic_total"] == 1
    for key in ("hit@1", "hit@3", "mrr@5"):
        assert isinstance(data[key], float) and 0.0 <= data[key] <= 1.0
    assert data["hit@1"] <= data["hit@3"]
    assert main(["eval", "--verbose", str(cases)]) == 0
    text = capsys.readouterr().out
    assert text.count("IN ") == 2 and text.count("OFF") == 1 and "off-topic refused" in text


def test_eval_with_a_malformed_file_exits_2_naming_the_line(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = tmp_path / "bad.jsonl"
    cases.write_text('{"q": "ok", "gold": []}\n{"q": \n', encoding="utf-8")
    assert main(["eval", str(cases)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("QABOT_RETRIEVAL_TOP_K", "three", "[retrieval] top_k = 'three' is not int"),
        ("QABOT_EMBEDDING_MODLE", "x", "unknown setting(s) modle in [embedding]"),
        ("QABOT_ADMIN_IDS", "1,bob", "admin_ids"),
    ],
)
def test_bad_config_value_gives_a_clear_error_and_exit_code_2(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    name: str, value: str, message: str,
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["ask", QUESTION]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("qabot: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_missing_documents_folder_exits_2(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QABOT_DOCS_DIR", str(tmp_path / "nowhere"))
    assert main(["index"]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_missing_model_exits_2_with_a_hint(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    no_network: None,
) -> None:
    monkeypatch.setenv("QABOT_EMBEDDING_MODEL", "/nonexistent/qabot-model")
    assert main(["index"]) == 2
    assert "QABOT_EMBEDDING_MODEL" in capsys.readouterr().err


def test_docs_lists_documents_and_the_unreadable_and_remove_deletes_one(
    fake_env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clauses = ["第一条 为了规范基层问责工作，制定本规定。", "第二条 本规定适用于乡镇和街道。",
               "第三条 本规定自发布之日起施行。"]
    (fake_env.docs_dir / "规定.pdf").write_bytes(docmaker.chinese_pdf(clauses, header=None, page_number=None))
    (fake_env.docs_dir / "坏.pdf").write_bytes(b"%PDF-1.7\nbroken")
    assert main(["docs"]) == 0
    out = capsys.readouterr().out
    assert "article.txt: 3" in out and "规定.pdf: 3 paragraphs, 1 pages" in out
    assert "left out:" in out and "“坏.pdf”已损坏" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: no silent deletion
    assert main(["remove", "规定.pdf"]) == 2 and (fake_env.docs_dir / "规定.pdf").exists()
    assert main(["remove", "没有.pdf", "--yes"]) == 2
    assert main(["remove", "规定.pdf", "--yes"]) == 0
    assert not (fake_env.docs_dir / "规定.pdf").exists()
    capsys.readouterr()
    assert main(["docs"]) == 0 and "规定.pdf" not in capsys.readouterr().out


def test_chat_numbers_suggestions_first_then_candidates() -> None:
    from bot.console import chosen_candidate, chosen_suggestion, format_answer
    from bot.engine.types import Answer, Candidate, Hit, Suggestion

    hits = (Hit("a.txt", 3, "甲。", 1.0), Hit("a.txt", 5, "乙。", 0.9))
    offered = (Candidate("a.txt", 3, "甲。"), Candidate("a.txt", 5, "乙。"))
    answer = Answer("问？", "related", "", hits, candidates=offered,
                    suggestions=(Suggestion("教过的问题？", "a.txt", 9, "t1"),))
    text = format_answer(answer)
    assert "2) ¶3 (a.txt) 甲。" in text and "3) ¶5 (a.txt) 乙。" in text
    assert "1) 您是不是想问：教过的问题？" in text
    assert chosen_suggestion(answer, "1") == "教过的问题？" and chosen_candidate(answer, "1") is None
    picked = chosen_candidate(answer, "3")
    assert chosen_suggestion(answer, "3") == "" and picked is not None and picked.hits == (hits[1],)
