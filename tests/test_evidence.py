"""bot/engine/judge/evidence.py: the features the answerability model judges, measured on the article."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.engine.judge.evidence import Evidence
from bot.engine.lifecycle import open_service
from bot.engine.service import SearchService
from config.settings import Settings
from embeddings.encoder import Encoder

BASE = Evidence(
    cross=False, dense=0.05, second=None, sparse=12.0, covered=0.8, least=0.6, known=0.9,
    sentence=0.1, said=0.7, gap=1.5, holds=True, anchored=True,
)


def test_values_are_numbers_in_the_order_asked_with_none_kept() -> None:
    assert BASE.values(("gap", "holds", "second", "elliptical")) == [1.5, 1.0, None, 0.0]


@pytest.mark.parametrize("change", [{"holds": False}, {"anchored": False}, {"unknown": True}])
def test_the_fixed_rules_each_make_evidence_implausible(change: dict[str, bool]) -> None:
    assert BASE.plausible
    assert not replace(BASE, **change).plausible  # type: ignore[arg-type]


def test_a_question_the_paragraph_answers_is_covered_and_a_near_miss_is_not(
    fake_service: SearchService,
) -> None:
    _, covered = fake_service.ask_judged("书记在乡镇工作了多少年？")  # its words are in ¶32
    _, missed = fake_service.ask_judged("基层干部的加班费怎么计算？")
    assert covered is not None and missed is not None
    assert covered.covered is not None and missed.covered is not None
    assert covered.covered > missed.covered
    assert missed.least == 0.0  # 加班费: no word, no bigram of it in the best paragraph
    assert missed.known is not None and missed.known < 1.0  # ... nor anywhere in the documents
    assert covered.covered == 1.0 and covered.least == 1.0
    assert covered.gap >= 0.0 and covered.second is None  # no second model: not measured
    assert not covered.cross and not covered.elliptical


def test_a_pronoun_led_question_is_marked_elliptical(fake_service: SearchService) -> None:
    _, evidence = fake_service.ask_judged("那位书记在乡镇工作了多少年？")
    assert evidence is not None and evidence.elliptical


def test_an_off_topic_question_is_not_measured(fake_service: SearchService) -> None:
    answer, evidence = fake_service.ask_judged("红烧肉怎么做？")
    assert answer.status == "not_covered" and evidence is None


def test_a_word_only_a_documents_title_has_is_known_to_the_library(
    real_index_copy: Settings, real_encoder: Encoder, real_second: Encoder | None
) -> None:
    (real_index_copy.docs_dir / "养护用地标准.md").write_text(
        "# 皖北省公路养护用地标准\n\n第七条 养护工区一般在高速公路和一级公路上设置；"
        "道班房主要在二、三、四级公路上设置。\n",
        encoding="utf-8",
    )
    service = open_service(real_index_copy, encoder=real_encoder, second=real_second)
    _, evidence = service.ask_judged("皖北省公路养护用地标准里，养护工区一般设在哪些公路上？")
    assert evidence is not None and not evidence.unknown  # 皖北省: in no paragraph, but the title's
    _, other = service.ask_judged("皖北省的养护工区一般设在哪些公路上？")
    assert other is not None and not other.unknown
