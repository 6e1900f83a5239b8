"""General rules for text that must never be served as an answer on its own.

- bylines: a paragraph that is only a person's name (2–4 CJK characters, no punctuation);
- editor and source lines: 主编/责编/编辑/来源/作者/记者… then a separator and a name;
- the same editor note in brackets at the end of a paragraph: "(来源… || 责编 某某)";
- adverts: a first clause (or a whole short line) that reads as spam: one strong spam
  word (官网, 娱乐城, 博彩, a URL…) or two weaker ones (入口 and 注册…), glued to the front
  of a paragraph with a comma or standing alone.
"""

from __future__ import annotations

import re

from bot.engine.text.script import CJK_IDEOGRAPHS
from bot.engine.text.sentences import SENTENCE_END

_ROLE = (
    r"(?:主编|责编|责任编辑|编辑|校对|审核|审校|来源|作者|记者|通讯员|供稿|撰稿|原标题|摄影|图片来源)"
)
_NAME = rf"[{CJK_IDEOGRAPHS}·A-Za-z][{CJK_IDEOGRAPHS}·A-Za-z ]{{0,15}}"
_EDITOR_LINE = re.compile(rf"^[(（\[【]?\s*{_ROLE}\s*(?:[:：]\s*|\s+){_NAME}[)）\]】]?$")
_NOT_BRACKET = r"[^()（）\[\]【】]"
_TRAILING_NOTE = re.compile(
    rf"\s*[(（\[【]{_NOT_BRACKET}{{0,60}}{_ROLE}{_NOT_BRACKET}{{0,30}}[)）\]】]\s*$"
)
_BYLINE = re.compile(rf"^[{CJK_IDEOGRAPHS}·]{{2,4}}$")
_STRONG_SPAM = re.compile(
    r"官网|娱乐城|娱乐场|博彩|彩票|赌场|赌博|葡京|威尼斯人|太阳城|金沙|https?://|www\.|\.com\b|\.net\b",
    re.IGNORECASE,
)
_WEAK_SPAM = re.compile(r"入口|注册|开户|下载|平台|真人|网址|app|登录|首页", re.IGNORECASE)
_LEADING_CLAUSE = re.compile(r"^([^,，。！？；:：“”\"]{2,30})[,，]\s*")
_SENTENCE_MARK = re.compile(f"[{SENTENCE_END}]")


def is_spam(text: str) -> bool:
    """A short text that reads as an advert."""
    return bool(_STRONG_SPAM.search(text)) or len(set(_WEAK_SPAM.findall(text.lower()))) >= 2


def is_byline(text: str) -> bool:
    """A paragraph that is only an author's or editor's name or role line."""
    stripped = text.strip()
    return bool(_BYLINE.match(stripped) or _EDITOR_LINE.match(stripped))


def strip_advert(text: str) -> str:
    """``text`` without a spam clause glued to its front."""
    match = _LEADING_CLAUSE.match(text)
    if match and is_spam(match.group(1)):
        return text[match.end() :]
    return text


def clean_paragraph(text: str) -> str:
    """The servable part of a paragraph; empty when the paragraph is noise only."""
    text = text.strip()
    if is_byline(text) or (len(text) <= 30 and not _SENTENCE_MARK.search(text) and is_spam(text)):
        return ""
    text = strip_advert(text)
    text = _TRAILING_NOTE.sub("", text).strip()
    return "" if is_byline(text) else text
