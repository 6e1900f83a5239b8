"""The judge of lexical-only hits (bot/engine/judge/lexical.py): over the lexical version of the
article (every passage pending, no vectors), a question whose words the best paragraph holds
is answered; one whose specific word it lacks is only "related"; off-topic, other-script and
near-miss questions are not answered. Real default models, real FAISS."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.engine.documents.ingest import load_documents
from bot.engine.index.build import build_index, known_documents
from bot.engine.index.stages import LEXICAL
from bot.engine.judge.evidence import Evidence
from bot.engine.judge.lexical import LEAST, verdict
from bot.engine.lifecycle import document_limits
from bot.engine.service import SearchService
from config.settings import Settings


@pytest.fixture(scope="module")
def lexical(real_settings: Settings, real_service: SearchService) -> SearchService:
    """The article as the lexical stage of a staged build serves it."""
    whole = real_service.stored
    documents = load_documents(real_settings.docs_dir, document_limits(real_settings), known_documents(whole))
    stored, _ = build_index(
        real_settings, real_service.encoder, documents, None, second=real_service.second, budget=LEXICAL)
    return SearchService(real_settings, real_service.encoder, stored, real_service.second)


def test_a_question_in_the_paragraphs_own_words_is_answered_from_them(lexical: SearchService) -> None:
    answer = lexical.ask("基层干部为什么担心履职风险？")
    assert answer.status == "answered" and "履职风险" in answer.hits[0].text
    assert "权力和权利不对等" in answer.answer


@pytest.mark.parametrize("question", [
    "明天上海会下雨吗？",  # off-topic
    "What problems does the one-vote veto system cause?",  # the other script: nothing to match yet
    "公务员每年有多少天年假？",  # a near miss
])
def test_what_the_words_cannot_show_is_not_answered(lexical: SearchService, question: str) -> None:
    assert lexical.ask(question).status == "not_covered"


def test_a_specific_word_the_paragraph_lacks_makes_it_only_related(lexical: SearchService) -> None:
    answer = lexical.ask("福建出台了什么文件给基层减负？")  # answered by the full index (its words differ)
    assert answer.status == "related" and answer.candidates


def _evidence(**values: object) -> Evidence:
    base = Evidence(cross=False, dense=0.0, second=None, sparse=None, covered=1.0, least=1.0, known=1.0,
                    sentence=None, said=1.0, gap=0.5, holds=True, anchored=True)
    return replace(base, **values)  # type: ignore[arg-type]


def test_the_verdict_needs_every_specific_word_and_the_fixed_rules() -> None:
    assert verdict(_evidence()) == "answered"
    assert verdict(_evidence(least=None)) == "answered"  # no specific word to check
    assert verdict(_evidence(least=LEAST - 0.01)) == "related"
    assert verdict(_evidence(holds=False)) == "related"  # the asked kind of fact is not there
    assert verdict(_evidence(unknown=True)) == "related"
    assert verdict(_evidence(anchored=False)) == "not_covered"
    assert verdict(_evidence(cross=True)) == "not_covered"
