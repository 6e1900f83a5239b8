"""PDFs with a text layer: running headers and page numbers dropped, lines joined into
paragraphs, tables as rows, broken and locked files refused with their reason."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import docmaker
import pytest
from conftest import realdoc

from bot.engine.documents.formats import DocumentError, Limits, extract
from config.settings import PROJECT_ROOT

TABLE = docmaker.Table(
    (("地区", "标准（元/月）", "备注"), ("市区", "1200", "2026年起"), ("县城", "980", "含乡镇"))
)
ARTICLES = [
    "第一章 总则",
    "第一条 为了规范城市居民最低生活保障制度，保障城市居民基本生活，"
    "根据有关法律法规，结合本市实际，制定本办法。",
    "第二条 本办法适用于本市行政区域内持有非农业户口的城市居民，凡共同生活的家庭成员人均收入"
    "低于当地城市居民最低生活保障标准的，均有从当地人民政府获得基本生活物质帮助的权利。",
    TABLE,
    "第三条 城市居民最低生活保障工作实行地方各级人民政府负责制。县级以上地方各级人民政府民政部门"
    "具体负责本行政区域内城市居民最低生活保障的管理工作；财政部门按照规定落实城市居民最低生活保障资金。",
    "第四条 城市居民最低生活保障制度遵循保障城市居民基本生活的原则，"
    "坚持国家保障与社会帮扶相结合、鼓励劳动自救的方针。",
    "第二章 保障标准",
    "第五条 城市居民最低生活保障标准，按照当地维持城市居民基本生活所必需的衣、食、住费用，"
    "并适当考虑水电燃煤（燃气）费用以及未成年人的义务教育费用确定。",
    "第六条 城市居民最低生活保障标准需要提高时，依照前款规定重新核定，并向社会公布。",
    "第七条 申请享受城市居民最低生活保障待遇，由户主向户籍所在地的街道办事处或者镇人民政府提出书面申请。",
    "第八条 本办法自发布之日起施行。",
]


@pytest.fixture(scope="module")
def policy() -> bytes:
    return docmaker.chinese_pdf(ARTICLES, lines_per_page=10)


def texts(data: bytes, name: str = "办法.pdf") -> list[str]:
    return [b.text for b in extract(name, data).blocks]


def test_paragraphs_come_back_whole_and_in_order(policy: bytes) -> None:
    extracted = extract("办法.pdf", policy)
    assert extracted.kind == "pdf"
    assert extracted.pages == 3
    got = [b.text for b in extracted.blocks]
    assert got[0] == "第一章总则"  # the space is a gap between two Chinese characters: dropped
    assert got[1] == ARTICLES[1].replace(" ", "")  # a paragraph wrapped over 3 lines, joined
    assert got[2].startswith("第二条本办法") and got[2].endswith("物质帮助的权利。")
    assert [t[:3] for t in got if t.startswith("第")] == [
        "第一章",
        "第一条",
        "第二条",
        "第三条",
        "第四条",
        "第二章",
        "第五条",
        "第六条",
        "第七条",
        "第八条",
    ]


def test_running_header_and_page_numbers_are_dropped(policy: bytes) -> None:
    joined = "\n".join(texts(policy))
    assert "某某市人民政府办公厅文件" not in joined
    assert "页" not in joined.replace("页岩", "")


def test_each_table_row_is_a_block_its_header_cell_kept_with_its_values(policy: bytes) -> None:
    found = texts(policy)
    start = found.index("地区 标准（元/月） 备注")
    assert found[start : start + 3] == ["地区 标准（元/月） 备注", "市区 1200 2026年起", "县城 980 含乡镇"]


def test_a_paragraph_runs_on_over_a_page_break_and_keeps_its_first_page(policy: bytes) -> None:
    blocks = extract("办法.pdf", policy).blocks
    third = next(b for b in blocks if b.text.startswith("第三条"))
    assert third.text.endswith("落实城市居民最低生活保障资金。")  # its last line is on page 2
    assert third.page == 1
    assert [b.page for b in blocks][:3] == [1, 1, 1]
    assert blocks[-1].page == 3


@pytest.mark.parametrize(
    "style", ["- {n} -", "{n}", "{n}/{total}", "第{n}页", "— {n} —", "Page {n} of {total}"]
)
def test_page_number_styles_are_all_dropped(style: str) -> None:
    data = docmaker.chinese_pdf(ARTICLES[:3], header=None, page_number=style, lines_per_page=4)
    got = texts(data)
    assert got[0] == "第一章总则"
    assert got[-1].endswith("物质帮助的权利。")  # nothing trails the last paragraph


def test_a_short_last_line_ends_a_paragraph_even_without_punctuation() -> None:
    items = [ARTICLES[2], "附件一 城市居民最低生活保障申请表", "附件二 家庭收入核算办法"]
    data = docmaker.chinese_pdf(items, indent=False, header=None)
    assert texts(data)[1:] == ["附件一城市居民最低生活保障申请表", "附件二家庭收入核算办法"]


def test_a_two_column_gazette_is_read_column_by_column() -> None:
    articles = [item for item in ARTICLES if item is not TABLE]
    one_column = texts(docmaker.chinese_pdf(articles, lines_per_page=10))
    data = docmaker.chinese_pdf(articles, lines_per_page=12, columns=2)
    assert texts(data) == one_column
    assert len(texts(data)) == 10


def test_an_encrypted_pdf_is_refused_as_encrypted() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("locked.pdf", docmaker.encrypted_pdf())
    assert caught.value.reason == "encrypted"


def test_a_pdf_locked_only_against_editing_is_read() -> None:
    extracted = extract("restricted.pdf", docmaker.encrypted_pdf(password="", owner_password="owner"))
    assert extracted.blocks[-1].text == "第一条本办法自发布之日起施行。"


def test_threads_reading_pdfs_at_once_all_get_the_right_text(policy: bytes) -> None:
    expected = texts(policy)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(texts, [policy] * 8))
    assert results == [expected] * 8


def test_a_corrupt_pdf_is_refused_as_corrupt() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert caught.value.reason == "corrupt"


def test_a_page_count_over_the_limit_is_refused_before_pages_are_read(policy: bytes) -> None:
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(DocumentError) as caught:
        extract("big.pdf", policy, Limits(max_pages=2), lambda *a: heard.append(a))
    assert caught.value.reason == "too_many_pages"
    assert caught.value.values == {"name": "big.pdf", "pages": 3, "limit": 2}
    assert heard == []


def test_a_page_count_that_lies_high_ends_at_the_last_real_page(policy: bytes) -> None:
    extracted = extract("lies.pdf", docmaker.with_page_count(policy, 7))
    assert extracted.pages == 3
    assert extracted.blocks[-1].text == "第八条本办法自发布之日起施行。"


def test_a_huge_lying_page_count_is_refused_by_the_limit(policy: bytes) -> None:
    with pytest.raises(DocumentError) as caught:
        extract("lies.pdf", docmaker.with_page_count(policy, 1_000_000))
    assert caught.value.reason == "too_many_pages"


def test_progress_hears_every_page(policy: bytes) -> None:
    heard: list[tuple[str, int, int]] = []
    extract("办法.pdf", policy, progress=lambda *a: heard.append(a))
    assert heard == [("pages", 1, 3), ("pages", 2, 3), ("pages", 3, 3)]


@pytest.mark.parametrize(
    ("name", "readable"),
    [("issue7696.pdf", "中國文件"), ("issue_566_test_1.pdf", "黎荣")],
)
def test_a_page_of_glyph_soup_is_read_by_ocr(name: str, readable: str) -> None:
    extracted = extract(name, realdoc(name))
    text = "".join(b.text for b in extracted.blocks)
    assert extracted.kind == "pdf-ocr"
    assert readable in text
    assert not any(ch in text for ch in "嘆囈貭鍔哾㦓˖")


def test_a_scan_under_an_invisible_ocr_layer_is_read_again() -> None:
    # pr-136-example.pdf: page images under a hidden text layer that reads 天健会菱箩务所, ZOq5年
    text = "".join(b.text for b in extract("pr-136-example.pdf", realdoc("pr-136-example.pdf")).blocks)
    assert "天健会计师事务所" in text
    assert "菱箩" not in text and "ZOq5" not in text


def test_past_the_ocr_budget_a_scan_keeps_its_hidden_layer_rather_than_being_refused() -> None:
    extracted = extract("pr-136-example.pdf", realdoc("pr-136-example.pdf"), Limits(max_ocr_pages=2))
    text = "".join(b.text for b in extracted.blocks)
    assert extracted.kind == "pdf" and "菲达环保" in text  # its own (imperfect) OCR layer, not refused


def test_a_font_map_giving_numbers_past_unicode_is_read_without_them() -> None:
    data = (PROJECT_ROOT / "tests" / "data" / "files" / "issue18117.pdf").read_bytes()  # pdf.js's test file
    text = "".join(b.text for b in extract("issue18117.pdf", data, Limits(max_ocr_pages=0)).blocks)
    assert "abcdefghijklmnopqrstuvwxyz0123456789" in text


def test_a_financial_table_row_is_a_block_with_its_row_header() -> None:
    # issue-67-example.pdf (pdfplumber): a quarterly report's key figures, a table whose numeric
    # columns line up like columns of text; each row stays whole, its label before its values
    texts = [b.text for b in extract("issue-67-example.pdf", realdoc("issue-67-example.pdf")).blocks]
    assert "营业收入（元） 4,755,785.11 5,699,227.63 -16.55%" in texts
    assert "总资产（元） 298,608,889.04 306,236,911.04 -2.49%" in texts
    # a label wrapped over two lines of its ruled cell is read whole, its values after it
    assert "归属于上市公司股东的扣除非经常性损益的净利润（元） -7,889,855.34 -15,424,679.15 48.85%" in texts


def test_a_contents_entry_keeps_the_date_under_it() -> None:
    # XiaoBiaoSong.pdf (pdf.js): a book's contents, each title with its date in brackets below it
    texts = [b.text for b in extract("XiaoBiaoSong.pdf", realdoc("XiaoBiaoSong.pdf")).blocks]
    assert any(t.startswith("对国防问题的意见") and t.endswith("（一九三七年八月四日）") for t in texts)
