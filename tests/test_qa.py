"""问答 documents teach themselves (bot/engine/documents/qa.py): 问：…答：…, both in one
paragraph, numbered questions; a heading or an ordinary article teaches nothing; the service
answers a 问答 document's own questions (and their paraphrases) from its answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import settings_for

from bot.engine.documents.ingest import parse_document
from bot.engine.documents.qa import qa_teachings, question_of
from bot.engine.lifecycle import open_service
from config.settings import Settings
from embeddings import Encoder

QA_DOC = Path(__file__).parent / "data" / "qa" / "减负政策解读.txt"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_question_forms() -> None:
    assert question_of("问：这次减负措施适用于哪些单位？") == "这次减负措施适用于哪些单位？"
    assert question_of("【问】减负从何时开始？") == "减负从何时开始？"
    assert question_of("Q2: When does it start?") == "When does it start?"
    assert question_of("1. 村级组织挂牌要怎么清理？") == "村级组织挂牌要怎么清理？"
    assert question_of("（二）减负措施从什么时候开始实施？") == "减负措施从什么时候开始实施？"
    assert question_of("一、总体要求") == ""  # a heading asks nothing
    assert question_of("答：适用于全省乡镇。") == ""
    assert question_of("有的干部问，这样做对吗？") == ""  # prose that happens to ask


def test_a_qa_document_teaches_each_question_its_answer() -> None:
    paragraphs = parse_document(QA_DOC.name, QA_DOC.read_text(encoding="utf-8"))
    taught = {t.question: t for t in qa_teachings(paragraphs)}
    by_number = {p.number: p for p in paragraphs}
    expected = {
        "这次减负措施适用于哪些单位？": "适用于全省乡镇",
        "督查检查考核的次数要压减多少？": "压减50%以上",
        "基层干部的容错范围怎么认定？": "先行先试",
        "村级组织挂牌要怎么清理？": "三块牌子",
        "减负措施从什么时候开始实施？": "2020年1月1日",
    }
    assert set(taught) == set(expected)
    for question, piece in expected.items():
        t = taught[question]
        assert piece in by_number[t.paragraph].text and t.paragraph_hash == by_number[t.paragraph].hash
    assert "先行先试" in taught["基层干部的容错范围怎么认定？"].sentence  # the answer half is bold


def test_an_ordinary_article_teaches_nothing() -> None:
    article = SEEDS / "article.txt"
    assert qa_teachings(parse_document(article.name, article.read_text(encoding="utf-8"))) == []


@pytest.mark.slow
def test_the_service_answers_a_qa_documents_own_questions(
    tmp_path: Path, real_encoder: Encoder, real_second: Encoder | None
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    shutil.copy(QA_DOC, docs / QA_DOC.name)
    settings: Settings = settings_for(docs, tmp_path / "index", tmp_path / "data")
    service = open_service(settings, encoder=real_encoder, second=real_second)
    own = service.ask("督查检查考核的次数要压减多少")
    assert own.answered and own.taught.startswith("qa:") and "50%" in own.answer
    assert own.hits[0].doc == QA_DOC.name
    paraphrase = service.ask("督查检查考核次数需要压减多少？")
    assert paraphrase.taught == own.taught and "50%" in paraphrase.answer
    assert service.ask("街道年终考核一共有多少项指标？").taught == ""  # the article answers as before
