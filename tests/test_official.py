"""The title and the 公文 elements of GB/T 9704-2012, found by the standard's layout."""

from __future__ import annotations

from bot.engine.documents.formats import DEFAULT_LIMITS
from bot.engine.documents.formats.model import Block
from bot.engine.documents.ingest import parse_document, read_document
from bot.engine.documents.official import official_parts
from config.settings import PROJECT_ROOT

FILES = PROJECT_ROOT / "tests" / "data" / "files"  # held-out real files (SOURCES.md there)

NOTICE = [
    "某某市人民政府办公厅文件",
    "某政办发〔2024〕12号            签发人：王某某",
    "某某市人民政府办公厅关于进一步做好城市居民最低生活保障工作的通知",
    "各区人民政府，市政府各委、办、局：",
    "为切实保障困难群众基本生活，经市政府同意，现就有关事项通知如下。",
    "一、提高保障标准。自2026年1月1日起，保障标准提高到每人每月1200元。",
    "附件：1.城市居民最低生活保障申请表",
    "某某市人民政府办公厅",
    "2024年3月5日",
    "抄送：市委办公厅，市人大常委会办公厅，市政协办公厅。",
    "某某市人民政府办公厅                2024年3月6日印发",
]


def test_the_elements_of_a_notice_are_its_fields() -> None:
    found = official_parts([Block(t) for t in NOTICE])
    assert found.fields == {
        "issuer_mark": "某某市人民政府办公厅文件",
        "issuer": "某某市人民政府办公厅",
        "doc_number": "某政办发〔2024〕12号",
        "signer": "王某某",
        "title": "某某市人民政府办公厅关于进一步做好城市居民最低生活保障工作的通知",
        "recipients": "各区人民政府，市政府各委、办、局",
        "attachments": "1.城市居民最低生活保障申请表",
        "signature": "某某市人民政府办公厅",
        "date": "2024年3月5日",
        "cc": "市委办公厅，市人大常委会办公厅，市政协办公厅",
        "printed": "某某市人民政府办公厅                2024年3月6日印发",
    }
    assert found.title_at == 2
    assert [i for i, line in enumerate(found.lines) if line] == [0, 1, 3, 6, 7, 8, 9, 10]


def test_field_lines_answer_and_the_title_does_not() -> None:
    paragraphs = parse_document("通知.txt", "\n".join(NOTICE))
    served = {p.text: p.servable for p in paragraphs}
    assert served[NOTICE[2]] is False  # the title names the document; it is no answer
    assert served[NOTICE[1]] and served[NOTICE[9]] and served[NOTICE[10]]  # 文号, 抄送, 印发 quoted


def test_an_article_without_official_parts_has_none() -> None:
    found = official_parts([Block("不要一味地对下面“打板子”"), Block("属地管理，正是依赖各地分明的管理。")])
    assert found.fields == {} and found.title_at is None


def test_a_cross_reference_date_in_the_body_is_no_date_line() -> None:
    body = [Block("关于某事的通知"), Block("各单位："), Block("2024年3月5日召开会议，研究了有关事项。")]
    assert "date" not in official_parts(body).fields


def test_a_red_header_reply_in_ofd_has_its_fields() -> None:
    # held out: ofdrw's n.ofd, a 批复 nobody here wrote the rules against
    document = read_document("n.ofd", (FILES / "n.ofd").read_bytes(), DEFAULT_LIMITS)
    assert document.fields == {
        "issuer_mark": "测试符路桥区卫生局文件", "issuer": "测试符路桥区卫生局",
        "doc_number": "路卫发〔2011〕76号", "title": "关于同意张阿三同志辞职的批复", "recipients": "区中医院",
        "date": "2011年3月10日", "signature": "测试符路桥区卫生局办公室",
        "printed": "测试符路桥区卫生局办公室2011年3月10日印发",
    }
    lines = {p.text: p.servable for p in document.paragraphs}
    assert lines["路卫发〔2011〕76号"] and lines["区中医院："]  # "文号是多少", "发给谁" quote these
    assert lines["关于同意张阿三同志辞职的批复"] is False


def test_a_letter_without_a_red_header_has_title_recipients_and_date() -> None:
    data = (FILES / "testPathFillOpacity.ofd").read_bytes()
    fields = read_document("函.ofd", data, DEFAULT_LIMITS).fields
    assert fields == {
        "title": "关于加快南货场铁路涵洞下穿建设的函", "recipients": "蚌山区政府", "date": "2023年7月12日"}


def test_a_title_over_two_lines_is_one_title() -> None:
    texts = ["天健会计师事务所", "关于浙江某某环保科技股份有限公司", "2015年年度报告中有关财务事项的说明",
             "天健函〔2016〕306号", "上海证券交易所：", "由公司转来的问询函奉悉。"]
    blocks = [Block(t) for t in texts]
    found = official_parts(blocks)
    assert found.fields["title"] == "关于浙江某某环保科技股份有限公司2015年年度报告中有关财务事项的说明"
    assert (found.title_at, found.title_end) == (1, 2)
    assert found.fields["doc_number"] == "天健函〔2016〕306号"


def test_the_imprint_read_as_table_rows_still_gives_cc_and_printing() -> None:
    blocks = [Block("关于某事的通知"), Block("各单位："), Block("正文一段。"), Block("正文二段。"),
              Block("抄送：市委办公厅，市人大常委会办公厅。 | \n某某市人民政府办公厅 | 2024年3月6日印发")]
    fields = official_parts(blocks).fields
    assert fields["cc"] == "市委办公厅，市人大常委会办公厅"
    assert fields["printed"] == "某某市人民政府办公厅 2024年3月6日印发"


def test_the_closing_elements_stand_outside_the_last_article() -> None:
    texts = ["关于印发某某办法的通知", "各单位：", "第一条 为了规范管理，制定本办法。",
             "第二条 由市政府负责。",
             "第三条 本办法自发布之日起施行。", "某某市人民政府办公厅", "2024年3月5日", "抄送：市委办公厅。"]
    raw = "\n\n".join(texts)
    paragraphs = parse_document("通知.txt", raw)
    assert [(p.text, p.section) for p in paragraphs[-4:]] == [
        ("第三条 本办法自发布之日起施行。", "第三条"), ("某某市人民政府办公厅", ""), ("2024年3月5日", ""),
        ("抄送：市委办公厅。", "")]
