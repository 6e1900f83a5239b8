"""OFD (GB/T 33190) documents: pages of positioned characters read back as paragraphs."""

from __future__ import annotations

import io
import zipfile

import docmaker
import pytest
from conftest import realdoc

from bot.engine.documents.formats import DocumentError, Limits, extract

PAGE_ONE = [
    "各区人民政府，市政府各委、办、局：",
    "为切实保障困难群众基本生活，经市政府同意，现就进一步加强城市居民最低生活保障工作的有关事项通知如下。",
]
PAGE_TWO = ["一、提高保障标准。自2026年1月1日起，城市居民最低生活保障标准提高到每人每月1200元。"]


def test_pages_of_characters_become_paragraphs_with_their_page() -> None:
    extracted = extract("通知.ofd", docmaker.ofd([PAGE_ONE, PAGE_TWO]))
    assert extracted.kind == "ofd"
    assert extracted.pages == 2
    assert [(b.text, b.page) for b in extracted.blocks] == [
        (PAGE_ONE[0], 1),
        (PAGE_ONE[1], 1),  # wrapped over two lines, joined (no space before "1200" either)
        (PAGE_TWO[0], 2),
    ]


def test_the_template_page_footer_is_not_read() -> None:
    text = "".join(b.text for b in extract("通知.ofd", docmaker.ofd([PAGE_ONE])).blocks)
    assert "内部资料" not in text


def test_more_pages_than_the_limit_are_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("通知.ofd", docmaker.ofd([PAGE_ONE] * 3), Limits(max_pages=2))
    assert caught.value.reason == "too_many_pages"
    assert caught.value.values["pages"] == 3


def test_a_page_with_broken_xml_is_corrupt() -> None:
    source = zipfile.ZipFile(io.BytesIO(docmaker.ofd([PAGE_ONE])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, data[:-20] if info.filename.endswith("Page_0/Content.xml") else data)
    with pytest.raises(DocumentError) as caught:
        extract("通知.ofd", buffer.getvalue())
    assert caught.value.reason == "corrupt"
    assert "Content.xml" in str(caught.value.values["detail"])


def test_an_ofd_that_unpacks_past_the_budget_is_a_zip_bomb() -> None:
    with pytest.raises(DocumentError) as caught:
        extract("通知.ofd", docmaker.ofd([PAGE_ONE * 50]), Limits(max_unpacked_bytes=20_000))
    assert caught.value.reason == "zip_bomb"


def test_text_kept_in_document_resources_is_read() -> None:
    # y.ofd (ofdrw): every page only places CompositeObjects; the text is in DocumentRes.xml
    text = "".join(b.text for b in extract("y.ofd", realdoc("y.ofd")).blocks)
    assert "完成数字化加工纸质档案约1700万页" in text
    assert "海关总署通过多年档案信息化建设" in text


def test_a_pages_template_is_read_under_its_content_and_overdrawn_text_once() -> None:
    # zsbk.ofd (ofdrw): a permit's labels and notes are in TPLS/TPL_0, one character per TextObject,
    # and page 2's template draws each character twice (bold by overprinting)
    blocks = extract("zsbk.ofd", realdoc("zsbk.ofd")).blocks
    text = "\n".join(b.text for b in blocks)
    assert "本证自发证之日起三个月内应予施工" in text
    assert "合同价格 5140.1238万元" in text
    assert "建筑工程施工许可证附件" in text and "建建筑筑" not in text


def test_a_form_reads_row_by_row_and_an_annotation_apart_without_its_stamps() -> None:
    blocks = extract("signout.ofd", realdoc("signout.ofd")).blocks
    texts = [b.text for b in blocks]
    assert any("公文标题" in t and "市委主要领导同志调研后续落实事项的通知" in t for t in texts)
    assert texts[-1] == "测试文本注释"  # a FreeText annotation: a block of its own, after the page


def test_a_ruled_forms_labels_and_values_are_read_cell_by_cell() -> None:
    # signout.ofd (ofdrw): a 文件处理笺 whose grid is drawn as thin rules; a value wraps inside
    # its cell ("府办专督〔2020〕24" / "号") and its last digit runs over the cell's right rule
    blocks = extract("signout.ofd", realdoc("signout.ofd")).blocks
    texts = [b.text for b in blocks]
    assert "来文文号 府办专督〔2020〕24号 来文单位 市人民政府办公室" in texts
    assert "收文机关 秘书股 收文登记人 陈小明" in texts
    row = next(b for b in blocks if b.text.startswith("公文标题"))
    assert row.role == "row"  # a form's row is never taken for the document's title


def test_glyphs_with_no_unicode_make_a_document_refused_not_indexed() -> None:
    # a page of private-use code points (a font embedded with its own encoding) is soup
    soup = "".join(chr(0xE100 + i) for i in range(30))
    with pytest.raises(DocumentError) as caught:
        extract("手册.ofd", docmaker.ofd([["可信安全浏览器", soup, soup, soup]]))
    assert caught.value.reason == "garbled"


def test_two_identical_pages_are_not_all_running_header() -> None:
    extracted = extract("两页.ofd", docmaker.ofd([["你好，这是正文。"], ["你好，这是正文。"]]))
    assert [b.text for b in extracted.blocks] == ["你好，这是正文。", "你好，这是正文。"]


def test_three_columns_under_an_introduction_read_column_by_column() -> None:
    # y.ofd page 1: an introduction across the page, then three columns (a picture in the middle
    # one): the first column is one paragraph read top to bottom, not two columns read as a table
    blocks = extract("y.ofd", realdoc("y.ofd")).blocks
    texts = [b.text for b in blocks if b.page == 1]
    assert not any(" | " in t for t in texts)
    (first,) = [t for t in texts if t.startswith("当前，随着信息技术的飞速发展")]
    assert "项目验收，并在2017年被国家档案局批准为“全国示范数字档案室”" in first
    assert first.endswith("成为全国首家获此称号的机关档案室。")


def test_a_box_of_notes_on_a_form_joins_its_wrapped_lines() -> None:
    # zsbk.ofd: the permit's 注意事项 stand in a box on the right half of a two-page spread
    texts = [b.text for b in extract("zsbk.ofd", realdoc("zsbk.ofd")).blocks]
    fourth = "四、本证自发证之日起三个月内应予施工，逾期应办理延期手续，"
    fourth += "不办理延期或延期次数、时间超过法定时间的，"
    sixth = "六、建筑工程恢复施工时，应当向发证机关报告；"
    sixth += "中止施工满一年的工程恢复施工前，建设单位应当报发证机关"
    assert fourth + "本证自行废止。" in texts
    assert sixth + "检验施工许可证。" in texts
