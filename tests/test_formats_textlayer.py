"""Glyph soup (broken font maps) told from real text by character statistics."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REALDOCS

from bot.engine.documents.formats.textlayer import is_soup, odd_share


def test_broken_font_maps_are_soup() -> None:
    assert is_soup("嘆囈貭鍔嘆囈貭鍔")  # issue7696.pdf: renders 中國文件中國文件
    assert is_soup("ISSUE Date˖2019-4-25 Buyer˖哾㦓")  # issue_566_test_1.pdf: Buyer：黎荣
    assert is_soup("\ue001\ue002\ue003文件")  # private-use code points
    assert is_soup("ＡＢＣＤＥＦＧ ＨＩＪＫ")  # runs of full-width Latin


def test_real_text_simplified_traditional_and_mixed_is_not() -> None:
    assert not is_soup("第十一条 村民委员会主任、副主任和委员，由村民直接选举产生。")
    assert not is_soup("第十一條 村民委員會主任、副主任和委員，由村民直接選舉產生。")
    assert not is_soup("PM２．５浓度下降，ＧＤＰ增长5%，Buyer：黎荣")
    assert odd_share("") == (0, 0)


@pytest.mark.parametrize("folder", ["docs", "extracted"])
def test_no_real_document_reads_as_soup(folder: str) -> None:
    files = sorted(p for p in (REALDOCS / folder).glob("*") if ".ocr." in p.name or folder == "docs"
                   or p.name.endswith((".docx.txt", ".ofd.txt")))
    if not files:
        pytest.skip(f"no {REALDOCS / folder}")
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        pages = [text[i : i + 600] for i in range(0, len(text), 600)]
        assert not any(is_soup(page) for page in pages), path.name


def test_japanese_with_its_own_kanji_is_not_soup() -> None:
    assert not is_soup("準会場で受験の方")  # pdf.js issue13147.pdf
    assert not is_soup("3Dレーザーレーダー隙間のない空間スキャンで人や物体を検知する光学技術")


def test_encoded_hidden_text_and_cmap_overflow_are_soup() -> None:
    # pdf.js issue10529.pdf
    assert is_soup("hiddentext(notsupposedtobecopied)isencoded:𠁔𠁨𠁩𠁳𠀠𠁩𠁳𠀊𠁮𠁯𠁴")
    assert is_soup("㐂㐄㐆㐈㐊㐌㐎㐐㐒㐔㐖㐘")  # pdf.js cidfont_cmap_overflow.pdf
