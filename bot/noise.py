"""General rules for text that must never be served as an answer on its own.

- bylines: a paragraph that is only a person's name (2–4 CJK characters, no punctuation);
- editor and source lines: 主编/责编/编辑/来源/作者/记者… followed by a name;
- the same editor note in brackets at the end of a paragraph: "(来源… || 责编 某某)";
- adverts glued to the front of a paragraph: a first clause made of spam vocabulary
  (官网, 入口, 娱乐, 博彩, 注册, 网址, a URL…) followed by a comma.
"""

from __future__ import annotations

import re

_ROLE = (
    r"(?:主编|责编|责任编辑|编辑|校对|审核|审校|来源|作者|记者|通讯员|供稿|撰稿|原标题|摄影|图片来源)"
)
_EDITOR_LINE = re.compile(rf"^[(（\[【]?\s*{_ROLE}\s*[:：]?\s*\S{{1,30}}[)）\]】]?$")
_NOT_BRACKET = r"[^()（）\[\]【】]"
_TRAILING_NOTE = re.compile(
    rf"\s*[(（\[【]{_NOT_BRACKET}{{0,60}}{_ROLE}{_NOT_BRACKET}{{0,30}}[)）\]】]\s*$"
)
_BYLINE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
_SPAM = re.compile(
    r"(官网|入口|娱乐城|娱乐场|博彩|彩票|赌场|真人|注册送|开户|网址|平台登录|下载app|"
    r"https?://|www\.|\.com|\.net|葡京|威尼斯人|太阳城|金沙)",
    re.IGNORECASE,
)
_LEADING_CLAUSE = re.compile(r"^([^,，。！？；:：“”\"]{2,30})[,，]\s*")


def is_byline(text: str) -> bool:
    """A paragraph that is only an author's or editor's name or role line."""
    stripped = text.strip()
    return bool(_BYLINE.match(stripped) or _EDITOR_LINE.match(stripped))


def strip_advert(text: str) -> str:
    """``text`` without a spam clause glued to its front."""
    match = _LEADING_CLAUSE.match(text)
    if match and _SPAM.search(match.group(1)):
        return text[match.end() :]
    return text


def clean_paragraph(text: str) -> str:
    """The servable part of a paragraph; empty when the paragraph is noise only."""
    text = text.strip()
    if is_byline(text) or _SPAM.fullmatch(text):
        return ""
    text = strip_advert(text)
    text = _TRAILING_NOTE.sub("", text).strip()
    return "" if is_byline(text) else text
