"""Ingestion: ¶ numbering as a reader counts, noise, normalisation, long paragraphs, bad files."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from conftest import REALDOCS, realdoc

from bot.engine.documents.formats import DEFAULT_LIMITS, Limits
from bot.engine.documents.ingest import (
    IngestError,
    Paragraph,
    load_documents,
    load_paragraphs,
    parse_document,
    read_document,
    split_long,
    to_passages,
    unreadable,
)
from bot.engine.text.normalize import normalize
from config.settings import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "seeds"
ARTICLE = "article.txt"


@pytest.fixture(scope="module")
def article() -> dict[int, Paragraph]:
    return {p.number: p for p in load_paragraphs(SEEDS_DIR) if p.doc == ARTICLE}


def test_article_paragraphs_are_numbered_like_a_reader_counts_them(article: dict[int, Paragraph]) -> None:
    raw = (SEEDS_DIR / ARTICLE).read_text(encoding="utf-8")
    blocks = [b for b in raw.replace("\r\n", "\n").split("\n\n") if b.strip()]
    assert len(article) == len(blocks) == 38
    assert sorted(article) == list(range(1, 39))
    assert article[1].text == blocks[0].strip()  # the title is ¶1
    assert "31项" in article[8].text


def test_bylines_and_editor_lines_keep_their_number_but_are_not_servable(
    article: dict[int, Paragraph],
) -> None:
    assert "刘刚" in article[16].text and not article[16].servable
    assert "梁冰清" in article[22].text and not article[22].servable
    noise = [n for n, p in article.items() if not p.servable]
    assert noise == [16, 22]
    served = {p.paragraph for p in to_passages(list(article.values()), 400, 80)}
    assert served == set(range(1, 39)) - {16, 22}


def test_advert_prefix_and_editor_note_are_stripped_from_served_text(article: dict[int, Paragraph]) -> None:
    p32 = article[32]
    raw = (SEEDS_DIR / ARTICLE).read_text(encoding="utf-8")
    assert "新葡京官网入口," in raw and "责编 杨文佳" in raw
    assert p32.servable
    assert "新葡京" not in p32.text and "官网" not in p32.text
    assert p32.text.startswith("“前段时间")
    assert "责编" not in p32.text and "杨文佳" not in p32.text
    assert p32.text.endswith("那位书记表示。")
    assert "30多年" in p32.text  # the content in between survives
    assert all("新葡京" not in p.text and "责编" not in p.text for p in article.values())


def test_single_newline_file_gives_one_paragraph_per_line() -> None:
    paragraphs = parse_document("lines.txt", "第一行讲考核。\n第二行讲问责。\n第三行讲减负。\n")
    assert [p.number for p in paragraphs] == [1, 2, 3]
    assert [p.text for p in paragraphs] == ["第一行讲考核。", "第二行讲问责。", "第三行讲减负。"]


def test_lines_of_one_block_are_joined_and_blank_lines_with_spaces_separate() -> None:
    raw = "第一段的前半句，\n后半句。\n  \t\n第二段。\n\u3000\nSecond line\nof English."
    paragraphs = parse_document("blocks.txt", raw)
    assert [p.text for p in paragraphs] == ["第一段的前半句，后半句。", "第二段。", "Second line of English."]


def test_crlf_and_bom_give_the_same_paragraphs_as_plain_lf() -> None:
    lf = "标题\n\n第一段，讲考核。\n\n第二段，讲问责。\n"
    crlf = "\ufeff" + lf.replace("\n", "\r\n")
    assert parse_document("a.txt", crlf) == parse_document("a.txt", lf)
    assert parse_document("a.txt", crlf)[0].text == "标题"


def test_bom_file_on_disk_is_read_without_the_bom(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes("\ufeff第一段。\r\n\r\n第二段。".encode())
    paragraphs = load_paragraphs(tmp_path)
    assert [p.text for p in paragraphs] == ["第一段。", "第二段。"]


def test_normalize_folds_full_width_and_case() -> None:
    assert normalize("ＡＢＣ１２３，") == "abc123,"
    assert normalize("  共有  考核 指标\n\n31 项 ") == "共有考核指标 31 项"  # CJK gaps closed
    assert normalize("Power   and\tResponsibility") == "power and responsibility"


def test_display_text_keeps_the_original_form() -> None:
    (paragraph,) = parse_document("w.txt", "考核指标共３１项，ＯＫ。")
    assert paragraph.text == "考核指标共３１项，ＯＫ。"
    assert paragraph.norm == "考核指标共31项,ok。"


def test_content_hash_follows_the_normalised_text() -> None:
    (a,) = parse_document("a.txt", "考核指标共31项。")
    (b,) = parse_document("b.txt", "考核指标共３１项。")
    (c,) = parse_document("c.txt", "考核指标共32项。")
    assert a.hash == b.hash != c.hash


def _long_paragraph() -> str:
    return "".join(f"第{i}条意见说的是基层干部的权责问题。" for i in range(1, 41))


def test_long_paragraph_becomes_overlapping_passages_that_keep_its_number() -> None:
    text = _long_paragraph()
    paragraphs = parse_document("long.txt", f"短的第一段。\n\n{text}\n\n短的第三段。")
    passages = to_passages(paragraphs, max_chars=120, overlap=40)
    long_parts = [p for p in passages if p.paragraph == 2]
    assert len(long_parts) > 3
    assert [p.part for p in long_parts] == list(range(len(long_parts)))
    assert all(len(p.text) <= 120 for p in long_parts)
    for a, b in itertools.pairwise(long_parts):
        assert b.text[:10] in a.text  # each window starts inside the previous one
    for i in range(1, 41):  # every sentence is in some passage
        sentence = f"第{i}条意见说的是基层干部的权责问题。"
        assert any(sentence in p.text for p in long_parts), sentence
    assert [p.paragraph for p in passages if p.paragraph != 2] == [1, 3]


def test_monster_sentence_without_punctuation_is_cut_and_fully_covered() -> None:
    text = "甲" * 50 + "乙" * 300 + "丙" * 50 + "。"
    windows = split_long(text, 100, 30)
    assert all(len(w) <= 100 for w in windows)
    assert "".join(windows).count("丙") >= 50 and windows[-1].endswith("。")
    assert sum(w.count("乙") for w in windows) >= 300


def test_short_paragraph_is_one_passage() -> None:
    assert split_long("短句。", 400, 80) == ["短句。"]


@pytest.mark.parametrize("line", ["责任编辑：王五", "王小明", "记者 张三", "来源：新华社", "欧阳娜娜"])
def test_byline_and_editor_lines_are_not_servable(line: str) -> None:
    paragraphs = parse_document("n.txt", f"正文第一段。\n\n{line}\n\n正文第三段。")
    assert [p.number for p in paragraphs] == [1, 2, 3]
    assert [p.servable for p in paragraphs] == [True, False, True]
    assert [p.paragraph for p in to_passages(paragraphs, 400, 80)] == [1, 3]


def test_gbk_text_is_read_and_an_unreadable_file_is_left_out_by_name(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("好的。", encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes("基层减负".encode("gbk"))
    (tmp_path / "lies.pdf").write_text("不是 PDF", encoding="utf-8")
    documents = load_documents(tmp_path)
    assert [(d.name, [p.text for p in d.paragraphs]) for d in documents] == [
        ("gbk.txt", ["基层减负"]), ("good.txt", ["好的。"]), ("lies.pdf", [])]
    assert [(e.reason, e.values["name"]) for e in unreadable(documents)] == [("mismatch", "lies.pdf")]


def test_empty_folder_raises_ingest_error(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_bytes(b"{}")  # not a document type
    with pytest.raises(IngestError, match=r"no documents \(\.txt, \.md"):
        load_paragraphs(tmp_path)


def test_missing_folder_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        load_paragraphs(tmp_path / "nope")


def test_txt_and_md_files_are_documents_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# 标题\n\n正文。", encoding="utf-8")
    (tmp_path / "a.TXT").write_text("甲。", encoding="utf-8")
    (tmp_path / "c.json").write_text("{}", encoding="utf-8")
    assert [d.name for d in load_documents(tmp_path)] == ["a.TXT", "b.md"]
    assert [(p.doc, p.number) for p in load_paragraphs(tmp_path)] == [("a.TXT", 1), ("b.md", 1), ("b.md", 2)]


def test_a_document_over_the_size_limit_is_left_out_unread(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("问责。\n\n" * 100, encoding="utf-8")
    (tmp_path / "small.txt").write_text("考核。", encoding="utf-8")
    documents = load_documents(tmp_path, Limits(max_bytes=100))
    assert [(e.reason, e.values) for e in unreadable(documents)] == [
        ("too_large", {"name": "big.txt", "size": 1100, "limit": 100})]
    assert [p.text for p in load_paragraphs(tmp_path, Limits(max_bytes=100))] == ["考核。"]
    assert len(load_paragraphs(tmp_path, Limits(max_bytes=10_000))) == 101


def test_a_markdown_statute_has_its_title_outline_and_clauses() -> None:
    # LawRefBook's Markdown of 村民委员会组织法: "#" title, "##" chapters, 款 as blank-line blocks
    name = "村民委员会组织法(2018-12-29).md"
    document = read_document(name, realdoc(name), DEFAULT_LIMITS)
    assert document.title == "中华人民共和国村民委员会组织法"
    first, chapter = document.paragraphs[0], document.paragraphs[4]
    assert (first.text, first.servable) == ("中华人民共和国村民委员会组织法", False)
    assert (chapter.text, chapter.section, chapter.servable) == ("第一章 总则", "第一章", False)
    assert not any(p.text.startswith("#") or "INFO END" in p.text for p in document.paragraphs)
    (eleventh,) = [p for p in document.paragraphs if p.text.startswith("第十一条")]
    assert eleventh.section == "第三章 第十一条"
    assert "村民委员会每届任期五年" in eleventh.text  # its second 款, a block of its own in the file
    clauses = [p for p in document.paragraphs if p.servable and "第" in p.section and "条" in p.section]
    assert len({p.section for p in clauses}) == len(clauses) == 41  # one paragraph per 第X条


def test_an_article_without_clauses_keeps_its_paragraphs() -> None:
    raw = (SEEDS_DIR / ARTICLE).read_text(encoding="utf-8")
    paragraphs = parse_document(ARTICLE, raw)
    assert len(paragraphs) == len([b for b in raw.split("\n\n") if b.strip()])
    assert all(p.servable for p in paragraphs if len(p.text) > 40)


@pytest.mark.parametrize("name", ["反补贴条例(2004-03-31).md", "存款保险条例(2015-02-17).md"])
def test_every_clause_of_a_held_out_statute_is_one_paragraph_cited_by_it(name: str) -> None:
    path = PROJECT_ROOT / "tests" / "data" / "statutes" / name
    raw = path.read_text(encoding="utf-8")
    document = read_document(name, path.read_bytes(), DEFAULT_LIMITS)
    written = re.findall(r"(?m)^(第[一二三四五六七八九十百零]+条)", raw)
    cited = [p.section.split()[-1] for p in document.paragraphs if p.servable and p.section.endswith("条")]
    assert cited == written  # each 第X条 once, in order, its 款 inside it
    assert document.title.endswith("条例")
    assert all(not p.servable for p in document.paragraphs if re.match(r"第.+[章节] ", p.text))


def test_a_clause_is_one_paragraph_and_one_passage() -> None:
    blocks = ["第一条 总则一。", "本条第二款。", "第二条 总则二。", "第三条 总则三。", "（一）第一项；",
              "（二）第二项。"]
    paragraphs = parse_document("条例.txt", "\n\n".join(blocks))
    assert [p.text for p in paragraphs] == [
        "第一条 总则一。\n本条第二款。", "第二条 总则二。", "第三条 总则三。\n（一）第一项；\n（二）第二项。"]
    passages = to_passages(paragraphs, max_chars=200, overlap=20)
    assert [(p.paragraph, p.part, p.text) for p in passages] == [(p.number, 0, p.text) for p in paragraphs]


REAL_STATUTES = [
    *sorted((REALDOCS / "docs").glob("*.md")),
    *(p for p in sorted((PROJECT_ROOT / "tests" / "data").glob("*held*/*.md")) if p.name != "SOURCES.md"),
]
CLAUSE_START = re.compile(r"^第[一二三四五六七八九十百零〇]+条")


@pytest.mark.parametrize("path", REAL_STATUTES, ids=lambda p: p.stem)
def test_real_statutes_cite_every_clause_by_its_number_and_serve_no_heading(path: Path) -> None:
    """Issue 25's bar on every real statute we hold (../shared/realdocs and the held-out sets):
    a paragraph that opens with 第X条 is cited by that 第X条, and no title or heading line
    (Markdown ``#``, 第X章/第X节) is a paragraph an answer can quote."""
    doc = read_document(path.name, path.read_bytes(), DEFAULT_LIMITS)
    clauses = [p for p in doc.paragraphs if p.servable and CLAUSE_START.match(p.text)]
    assert len(clauses) >= 10
    for p in clauses:
        opening = CLAUSE_START.match(p.text)
        assert opening is not None and p.section.endswith(opening.group()), (p.number, p.section, p.text[:20])
    heading = re.compile(r"^(#|第[一二三四五六七八九十]+[章节](\s|$))")
    assert not [p.text for p in doc.paragraphs if p.servable and heading.match(p.text)]
    title = path.stem.split("(")[0]  # the file is named after the statute: 村民委员会组织法(2018-12-29)
    assert not [p.text for p in doc.paragraphs if p.servable and p.text.lstrip("# ").endswith(title)]
