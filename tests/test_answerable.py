"""bot/engine/judge/answerable.py: the logistic judge (fit, predict, the shipped coefficients) and, on the
real model, near misses it turns away while in-scope questions stay answered."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest

from bot.engine.judge.answerable import CROSS_SCRIPT, SAME_SCRIPT, Judge, fit, rows_of
from bot.engine.judge.evidence import Evidence
from bot.engine.service import SearchService

NAMES = ("covered", "second")
EVIDENCE = Evidence(
    cross=False, dense=0.05, second=0.1, sparse=12.0, covered=0.8, least=0.6, known=0.9,
    sentence=0.1, said=0.7, gap=1.5, holds=True, anchored=True,
)


def _data(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Two features: ``covered`` separates the classes, ``second`` is noise."""
    rng = np.random.default_rng(7)
    y = rng.random(n) < 0.5
    covered = np.where(y, 0.8, 0.5) + rng.normal(0, 0.08, n)
    return np.c_[covered, rng.normal(0, 1, n)], y


def test_fit_then_predict_recovers_the_labels_and_weighs_the_separating_feature() -> None:
    rows, y = _data()
    judge = fit(rows, y, NAMES)
    p = judge.probabilities(rows)
    assert ((p >= 0.5) == y).mean() > 0.9
    assert abs(judge.weights[0]) > 5 * abs(judge.weights[1])
    again = Judge(**{f.name: getattr(judge, f.name) for f in fields(Judge)})
    assert again.probabilities(rows).tolist() == pytest.approx(p.tolist())  # constants round-trip


def test_a_missing_feature_counts_for_nothing() -> None:
    rows, y = _data()
    judge = fit(rows, y, NAMES)
    missing = judge.probabilities(np.array([[0.8, np.nan]]))[0]
    at_center = judge.probabilities(np.array([[0.8, judge.center[1]]]))[0]
    assert missing == pytest.approx(at_center)
    assert np.isnan(rows_of([replace(EVIDENCE, second=None)], NAMES)[0, 1])


def test_the_judge_decides_on_the_features() -> None:
    rows, y = _data()
    judge = fit(rows, y, NAMES, threshold=0.5)
    assert judge.answers(replace(EVIDENCE, covered=0.85))
    assert not judge.answers(replace(EVIDENCE, covered=0.45))  # the evidence covers too little


def test_evidence_without_a_feature_of_the_judge_is_left_to_the_fixed_rules() -> None:
    rows, y = _data()
    judge = fit(rows, y, NAMES, threshold=0.5)
    weak = replace(EVIDENCE, covered=0.45)
    assert not judge.answers(weak)
    assert judge.answers(replace(weak, second=None))  # e.g. an index without the second model


@pytest.mark.parametrize("judge", [SAME_SCRIPT, CROSS_SCRIPT])
def test_the_shipped_judges_turn_away_weak_evidence_but_not_a_leaning_question(judge: Judge) -> None:
    assert set(judge.names) <= {f.name for f in fields(Evidence)}
    assert 0.0 < judge.threshold < 0.5  # answering stays the default
    strong = replace(EVIDENCE, second=0.3, said=0.9, known=1.0, gap=4.0)
    weak = replace(EVIDENCE, second=-0.1, said=0.4, known=0.7, gap=0.2)
    assert judge.answers(strong) and not judge.answers(weak)
    assert judge.answers(replace(weak, elliptical=True))  # its words do not name its subject


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "街道办事处每年的工作经费有多少？",
    "公务员被诫勉谈话后影响期是多久？",
    "信访人越级上访会受到什么处理？",
    "How is overtime pay for grassroots officials calculated?",
])
def test_near_misses_the_fixed_rules_let_through_are_not_answered(
    real_service: SearchService, question: str
) -> None:
    answer, evidence = real_service.ask_judged(question)
    assert evidence is not None and evidence.plausible  # the rules alone would answer
    assert answer.status == "related" and not answer.answer


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "一个办公室挂好几块牌子说明了什么？",  # the lowest-scored in-scope question of dev
    "福建出台了什么文件给基层减负？",
    "那位书记在乡镇工作了多少年？",
    "What is the purpose of accountability?",
])
def test_in_scope_questions_stay_answered(real_service: SearchService, question: str) -> None:
    answer, evidence = real_service.ask_judged(question)
    assert evidence is not None and answer.status == "answered" and answer.answer
