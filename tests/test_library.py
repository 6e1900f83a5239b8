"""The served documents' paragraphs (bot/engine/library.py): citations carry their document's
own title and its place, /docs gets each document's title, 文号 and date, over real files."""

from __future__ import annotations

from pathlib import Path

from bot.engine.documents.formats import DEFAULT_LIMITS
from bot.engine.documents.ingest import read_document
from bot.engine.library import Library

ROOT = Path(__file__).resolve().parents[1]
STATUTE = ROOT / "tests" / "data" / "lawheld" / "北京市街道办事处条例(2019-11-27).md"
ARTICLE = ROOT / "seeds" / "article.txt"


def library_of(*paths: Path) -> Library:
    documents = [read_document(p.name, p.read_bytes(), DEFAULT_LIMITS) for p in paths]
    return Library([p for d in documents for p in d.paragraphs], [d.name for d in documents],
                   {d.name: d.fields for d in documents})


def test_a_clause_is_cited_by_its_documents_title_and_its_article() -> None:
    library = library_of(STATUTE, ARTICLE)
    clause = next(p for p in library.document(STATUTE.name) if p.text.startswith("第九条"))
    hit = library.cite(clause, 0.5)
    assert hit.title == "北京市街道办事处条例" and hit.hash == clause.hash and hit.score == 0.5
    assert hit.source() == "《北京市街道办事处条例》第二章 第九条"
    article = library.hit(ARTICLE.name, 8)
    assert article is not None and article.title == "" and article.source() == "《article.txt》"


def test_the_catalogue_names_each_documents_title() -> None:
    by_name = {d.name: d for d in library_of(STATUTE, ARTICLE).catalogue()}
    assert by_name[STATUTE.name].title == "北京市街道办事处条例"
    assert by_name[ARTICLE.name].title == "" and by_name[ARTICLE.name].paragraphs > 30


def test_a_red_header_documents_number_and_date_reach_the_catalogue() -> None:
    ofd = ROOT / "tests" / "data" / "files" / "n.ofd"  # ofdrw's 批复
    (entry,) = library_of(ofd).catalogue()
    assert entry.title.endswith("的批复") and entry.doc_number.endswith("〔2011〕76号")
    assert entry.date == "2011年3月10日"
