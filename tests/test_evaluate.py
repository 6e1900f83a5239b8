"""`qabot eval` metrics on hand-made cases with hand-computed values, and malformed files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.engine.service import SearchService
from bot.engine.types import Answer, Hit
from bot.tools.evaluate import Case, EvalFileError, evaluate, format_summary, holds, read_cases

TEXTS = ["甲段讲考核。", "乙段讲问责。", "丙段讲减负。", "丁段讲执法。", "戊段讲信访。"]


class ScriptedService:
    """Answers each question with a fixed ranking of TEXTS (answered or refused)."""

    def __init__(self, script: dict[str, tuple[bool, list[int]]]) -> None:
        self.script = script
        self.asked: list[tuple[str, int | None]] = []
        self.related: set[str] = set()  # refused questions that come back "related"

    def ask(self, question: str, k: int | None = None, offset: int = 0) -> Answer:
        self.asked.append((question, k))
        answered, order = self.script[question]
        hits = tuple(Hit("a.txt", n + 1, TEXTS[n], 1.0 - i / 10) for i, n in enumerate(order))
        status = "answered" if answered else "related" if question in self.related else "not_covered"
        return Answer(question, status, TEXTS[order[0]] if answered else "", hits)


SCRIPT = {
    "q1": (True, [0, 1, 2, 3, 4]),  # gold 甲 at rank 1
    "q2": (True, [1, 0, 2, 3, 4]),  # gold 丙 (or X) at rank 3
    "q3": (True, [0, 1, 2, 3, 4]),  # gold 戊 at rank 5
    "q4": (True, [0, 1, 2, 3, 4]),  # gold 己 nowhere
    "q5": (False, [0, 1, 2, 3, 4]),  # in scope but refused: a miss although 甲 is cited first
    "off1": (False, [3, 2, 1, 0, 4]),  # off-topic, refused
    "off2": (True, [3, 2, 1, 0, 4]),  # off-topic, answered
}
LINES = [
    {"q": "q1", "gold": ["甲"]},
    {"q": "q2", "gold": ["X", "丙"]},
    {"q": "q3", "gold": ["戊"]},
    {"q": "q4", "gold": ["己"]},
    {"q": "q5", "gold": ["甲"]},
    {"q": "off1", "gold": []},
    {"q": "off2"},
]


def _write(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows))
    return path


@pytest.fixture
def cases(tmp_path: Path) -> list[Case]:
    return read_cases(_write(tmp_path / "cases.jsonl", LINES))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """perf_counter in bot.tools.evaluate ticks so that the 7 questions take 10,20,30,40,50,60,100 ms."""
    durations = [10, 20, 30, 40, 50, 60, 100]
    ticks = iter([t for i, d in enumerate(durations) for t in (i * 1.0, i * 1.0 + d / 1000)])
    monkeypatch.setattr("bot.tools.evaluate.time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    yield


def test_read_cases_parses_questions_and_gold(cases: list[Case]) -> None:
    assert cases[1] == Case("q2", ("X", "丙"))
    assert cases[5] == Case("off1", ()) and cases[6] == Case("off2", ())
    assert len(cases) == 7


def test_metrics_on_a_scripted_service(cases: list[Case], clock: None) -> None:
    service = ScriptedService(SCRIPT)
    summary, rows = evaluate(cast(SearchService, service), cases)
    # in scope: q1..q5 (5). ranks: q1 → 0, q2 → 2, q3 → 4, q4 → none, q5 → refused = miss
    assert summary["hit@1"] == 0.2  # 1/5
    assert summary["hit@3"] == 0.4  # 2/5
    assert summary["mrr@5"] == pytest.approx(round((1 + 1 / 3 + 1 / 5) / 5, 4))  # 0.3067
    assert summary["off_topic_refused"] == 1
    assert summary["off_topic_total"] == 2
    assert summary["in_scope_refused"] == 1
    assert summary["mean_ms"] == pytest.approx(44.29)  # 310 / 7
    assert summary["p95_ms"] == pytest.approx(88.0)  # 60 + 0.7 * (100 - 60)
    assert [r["rank"] for r in rows] == [0, 2, 4, None, None, None, None]
    assert [r["in_scope"] for r in rows] == [True] * 5 + [False] * 2
    assert rows[1]["cited"] == [2, 1, 3, 4, 5]
    assert all(k == 5 for _, k in service.asked)  # five ranks are asked for mrr@5


def test_summary_keys_are_exactly_the_documented_ones(cases: list[Case]) -> None:
    summary, _ = evaluate(cast(SearchService, ScriptedService(SCRIPT)), cases)
    assert list(summary) == [
        "hit@1", "hit@3", "mrr@5", "answer@1", "off_topic_refused", "off_topic_total",
        "in_scope_refused", "in_scope_total", "precision", "coverage", "tiers", "mean_ms", "p95_ms",
    ]


def test_precision_counts_every_bold_answer_and_coverage_the_in_scope_answered(cases: list[Case]) -> None:
    summary, _ = evaluate(cast(SearchService, ScriptedService(SCRIPT)), cases)
    # bold answers: q1 (holds 甲), q2, q3, q4 (wrong) and off2 (an off-topic answer: wrong)
    assert summary["precision"] == 0.2  # 1/5
    assert summary["coverage"] == 0.8  # q1–q4 of the 5 in scope
    assert "precision 0.200" in format_summary(summary) and "coverage 0.800" in format_summary(summary)


def test_precision_without_any_bold_answer_is_one(tmp_path: Path) -> None:
    service = ScriptedService({"a": (False, [0]), "b": (False, [1])})
    cases = read_cases(_write(tmp_path / "c.jsonl", [{"q": "a", "gold": ["甲"]}, {"q": "b", "gold": []}]))
    summary, _ = evaluate(cast(SearchService, service), cases)
    assert (summary["precision"], summary["coverage"]) == (1.0, 0.0)


def test_answer_at_1_counts_bold_answers_holding_a_gold_substring(cases: list[Case]) -> None:
    summary, rows = evaluate(cast(SearchService, ScriptedService(SCRIPT)), cases)
    # only q1's bold answer (甲段讲考核。) holds its gold; q2–q4 answer from 甲/乙, q5 is refused
    assert summary["answer@1"] == 0.2
    assert [r["answer_hit"] for r in rows] == [True, False, False, False, False, False, False]


def test_tiers_count_each_outcome_and_related_is_not_answered(tmp_path: Path) -> None:
    service = ScriptedService({"a": (True, [0]), "b": (False, [1]), "c": (False, [2]), "d": (True, [3])})
    service.related = {"b", "c"}
    cases = read_cases(_write(tmp_path / "c.jsonl", [
        {"q": "a", "gold": ["甲"]}, {"q": "b", "gold": ["乙"]},
        {"q": "c", "gold": [], "tag": "near-miss"}, {"q": "d", "gold": [], "tag": "near-miss"},
    ]))
    summary, _ = evaluate(cast(SearchService, service), cases)
    assert summary["tiers"] == {
        "in_scope": {"answered": 1, "related": 1, "not_covered": 0},
        "off_topic": {"answered": 1, "related": 1, "not_covered": 0},
    }
    assert summary["in_scope_refused"] == 1 and summary["off_topic_refused"] == 1
    assert summary["hit@1"] == 0.5  # a related in-scope question is a miss
    near = summary["by_tag"]["near-miss"]
    assert (near["off_topic_refused"], near["off_topic_total"]) == (1, 2)
    assert summary["by_tag"]["(untagged)"]["in_scope_total"] == 2
    assert "[near-miss]" in format_summary(summary) and "related 1" in format_summary(summary)


def test_every_question_tagged_has_no_untagged_row(tmp_path: Path) -> None:
    service = ScriptedService({"a": (True, [0]), "b": (False, [1])})
    cases = read_cases(_write(tmp_path / "c.jsonl", [
        {"q": "a", "gold": ["甲"], "tag": "zh"}, {"q": "b", "gold": [], "tag": "near-miss"},
    ]))
    summary, _ = evaluate(cast(SearchService, service), cases)
    assert sorted(summary["by_tag"]) == ["near-miss", "zh"]


def test_perfect_service_scores_one(tmp_path: Path) -> None:
    service = ScriptedService({"a": (True, [0, 1, 2]), "b": (True, [2, 0, 1]), "c": (False, [4])})
    cases = read_cases(_write(tmp_path / "c.jsonl", [{"q": "a", "gold": ["甲"]}, {"q": "b", "gold": ["丙"]},
                                                     {"q": "c", "gold": []}]))
    summary, _ = evaluate(cast(SearchService, service), cases)
    assert (summary["hit@1"], summary["hit@3"], summary["mrr@5"]) == (1.0, 1.0, 1.0)
    refusals = (summary["off_topic_refused"], summary["off_topic_total"], summary["in_scope_refused"])
    assert refusals == (1, 1, 0)


def test_format_summary_reports_every_figure(cases: list[Case], clock: None) -> None:
    summary, _ = evaluate(cast(SearchService, ScriptedService(SCRIPT)), cases)
    text = format_summary(summary)
    assert "hit@1 0.200" in text and "hit@3 0.400" in text and "mrr@5 0.307" in text
    assert "off-topic refused 1/2" in text and "in-scope refused 1" in text
    assert "mean 44.3" in text and "p95 88.0" in text


def test_evaluate_with_the_fake_encoder_service(fake_service: SearchService, tmp_path: Path) -> None:
    path = _write(tmp_path / "one.jsonl", [{"q": "街道年终考核一共有多少项指标？", "gold": ["31项"]}])
    summary, rows = evaluate(fake_service, read_cases(path))
    assert rows[0]["answered"] and rows[0]["rank"] is not None
    expected_hit1 = 1.0 if rows[0]["rank"] == 0 else 0.0
    assert summary["hit@1"] == expected_hit1 and summary["hit@3"] == 1.0
    assert summary["mrr@5"] == pytest.approx(round(1 / (rows[0]["rank"] + 1), 4))


@pytest.mark.parametrize(
    "bad",
    ['{"q": "x", "gold": [', "not json", '{"gold": ["x"]}', '{"q": 1}', '{"q": "x", "gold": "abc"}',
     "[1, 2]", '{"q": "x", "gold": null}'],
)
def test_malformed_line_raises_eval_file_error_with_its_line_number(tmp_path: Path, bad: str) -> None:
    path = _write(tmp_path / "bad.jsonl", [{"q": "ok", "gold": ["甲"]}, "", bad, {"q": "later"}])
    with pytest.raises(EvalFileError, match=r"bad\.jsonl:3: "):
        read_cases(path)


def test_gold_and_text_are_compared_with_whitespace_ignored_on_both_sides() -> None:
    assert holds("丘陵、山区一般不宜超过4.0公顷", ("丘陵、山区一般不宜超过 4.0 公顷",))
    assert holds("计提预计负债 500 万元", ("计提预计负债500万元",))
    assert not holds("计提预计负债600万元", ("计提预计负债500万元",))
