"""bench/torn.py: what turning a bold answer into *related* would do when the evidence is
torn. The features are measured as the service decides (real models), and precision and
coverage are counted as `qabot eval` counts them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.engine.service import SearchService
from bot.tools.evaluate import Case

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import torn


def asked(in_scope: bool, answered: bool, right: bool, gap: float) -> torn.Asked:
    return torn.Asked(in_scope, answered, right, False, gap, torn.NONE)


def test_figures_count_precision_over_bold_answers_and_coverage_over_in_scope() -> None:
    rows = [asked(True, True, True, 2.0), asked(True, True, False, 0.05), asked(False, True, False, 1.0),
            asked(True, False, False, torn.NONE)]
    assert torn.figures(rows, torn.RULES[torn.SHIPPED]) == (round(1 / 3, 3), round(2 / 3, 3))
    assert torn.figures(rows, torn.gap_below(0.1)) == (0.5, round(1 / 3, 3))  # the torn one withdrawn
    assert torn.figures([asked(True, True, False, 0.0)], torn.gap_below(0.1)) == (1.0, 0.0)  # none given


@pytest.mark.slow
def test_ask_measures_an_answered_question_and_not_a_refused_one(real_service: SearchService) -> None:
    answered = torn.ask(real_service, Case("乡镇一年要签多少份责任状？", ("足足签了50多份",)))
    assert answered.answered and answered.in_scope
    assert answered.gap >= 0 and answered.gap != torn.NONE
    assert answered.sentence_margin != torn.NONE  # the first paragraph has sentences to compare
    refused = torn.ask(real_service, Case("红烧肉怎么做？", ()))
    assert not refused.answered and not refused.right and refused.gap == torn.NONE
