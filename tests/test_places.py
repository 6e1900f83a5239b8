"""A question naming a clause, chapter or part is answered from that place, cited with it."""

from __future__ import annotations

from dataclasses import replace

from bot.engine.lifecycle import open_service
from bot.engine.types import Hit
from config.settings import Settings

STATUTE = """基层问责工作规定

第一章 总则

第一条 为了规范基层问责工作，制定本规定。

第二条 本规定适用于乡镇和街道。

第二章 问责情形

第七条 有下列情形之一的，应当对乡镇党委、政府进行问责：（一）落实属地管理责任不力的；（二）推诿扯皮的。

第八条 问责应当实事求是，不得层层加码。
"""


def test_a_clause_question_is_answered_from_its_clause(fake_settings: Settings) -> None:
    (fake_settings.docs_dir / "规定.txt").write_text(STATUTE, encoding="utf-8")
    service = open_service(fake_settings)
    for question in ("第七条讲了什么？", "第7条说了什么", "What does Article 7 say?"):
        answer = service.ask(question)
        assert answer.answered, question
        assert (answer.hits[0].doc, answer.hits[0].section) == ("规定.txt", "第二章 第七条"), question
        assert "应当对乡镇党委" in answer.answer, question
        assert "推诿扯皮" in answer.answer, question  # the whole clause, its items too
    assert service.ask("第二章说了什么").hits[0].section.startswith("第二章")


def test_a_clause_asked_with_its_documents_name_is_quoted_whole(fake_settings: Settings) -> None:
    (fake_settings.docs_dir / "乡镇问责规定.txt").write_text(STATUTE, encoding="utf-8")
    answer = open_service(fake_settings).ask("乡镇问责规定第七条讲了什么？")
    assert answer.answered and answer.hits[0].section.endswith("第七条")
    assert "应当对乡镇党委" in answer.answer and "推诿扯皮" in answer.answer


def test_a_place_the_documents_lack_is_ranked_as_any_question(fake_settings: Settings) -> None:
    (fake_settings.docs_dir / "规定.txt").write_text(STATUTE, encoding="utf-8")
    service = open_service(fake_settings)
    answer = service.ask("第九十九条讲了什么？")
    assert all("第九十九条" not in h.section for h in answer.hits)


def test_a_citation_names_the_place_and_the_page() -> None:
    hit = Hit("办法.pdf", 12, "……", 1.0, "第二章 第七条", 3)
    assert hit.place() == "第二章 第七条 · 第3页" and hit.place("en") == "第二章 第七条 · p. 3"
    assert replace(hit, section="", page=None).place() == ""
