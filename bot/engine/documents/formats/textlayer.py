"""Is a text layer real text, or glyph soup? Judged by character statistics alone.

A font whose ToUnicode or CID map is broken still gives "characters", just the wrong ones:
rare ideographs (嘆囈貭鍔 for 中國文件), CJK extension and compatibility ideographs (哾㦓
for 黎荣), private-use code points, spacing modifier letters standing in for punctuation
(Buyer˖), runs of full-width Latin. Real Chinese text, simplified or traditional, is nearly
all common characters: GB 2312 (6,763 hanzi) for simplified, Big5's 常用字 (level 1, 5,401)
for traditional; text with kana is Japanese, its kanji those of JIS X 0208 (6,355). A page
whose odd characters pass ``SOUP_SHARE`` is soup: it is read by OCR, or left out; it is
never indexed. (Checked on every small PDF of pdf.js's test suite: the pages it calls soup
are broken or deliberately odd fonts, and full-width Latin, which OCR reads the same.)
"""

from __future__ import annotations

import unicodedata

SOUP_SHARE = 0.1  # odd characters among a page's meaningful ones above which it is soup
MIN_ODD = 2  # … and at least this many (one rare name in a page is not soup)
KANA_SHARE = 0.1  # kana for this share of the ideographs or more: Japanese
FULLWIDTH_RUN = 4  # full-width Latin letters in a row this long are odd (ＡＢＣＤ); shorter are used


def _big5_common(char: str) -> bool:
    try:
        lead = char.encode("big5")[0]
    except UnicodeEncodeError:
        return False
    return 0xA4 <= lead <= 0xC6  # level 1: the 常用字


def _gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _jis(char: str) -> bool:
    try:
        return len(char.encode("euc_jp")) == 2  # JIS X 0208 (three bytes: the rarer X 0212)
    except UnicodeEncodeError:
        return False


def _is_kana(char: str) -> bool:
    return "\u3040" <= char <= "\u30ff"


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def odd_share(text: str) -> tuple[int, int]:
    """(odd characters, meaningful characters) of ``text``: letters, digits, ideographs and
    symbols count, spaces and ordinary punctuation do not."""
    han = [c for c in text if _is_han(c)]
    simplified = sum(map(_gb2312, han))
    traditional = sum(map(_big5_common, han))
    common = _gb2312 if simplified >= traditional else _big5_common
    if KANA_SHARE * len(han) < sum(map(_is_kana, text)):
        common = _jis
    odd = sum(1 for c in han if not common(c))
    meaningful = len(han)
    run = 0
    for char in text:
        if _is_han(char):
            run = 0
            continue
        code = ord(char)
        fullwidth_letter = 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A
        run = run + 1 if fullwidth_letter else 0
        if char.isspace() or (unicodedata.category(char).startswith("P") and code < 0x2E80):
            continue
        meaningful += 1
        if (0xE000 <= code < 0xF900 or code == 0xFFFD or 0x02B0 <= code <= 0x02FF
                or unicodedata.category(char) in ("Co", "Cn")):
            odd += 1
        elif fullwidth_letter and run >= FULLWIDTH_RUN:
            odd += FULLWIDTH_RUN if run == FULLWIDTH_RUN else 1
    return odd, meaningful


def is_soup(text: str) -> bool:
    """True when ``text`` (a page, or a block) reads as a broken font map, not as text."""
    odd, meaningful = odd_share(text)
    return odd >= MIN_ODD and odd > SOUP_SHARE * meaningful
