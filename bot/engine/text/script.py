"""Characters and scripts, written once: what counts as CJK, which characters a reader never
sees, how Telegram measures length, when two questions are the same question, and which
script a document collection is written in.

Ingest, lexical matching, noise rules, answer extraction, rendering and the loopback Bot
API all ask these questions; a second copy of any of them would drift. Where a sentence
ends: sentences.py; the matching form of text: normalize.py; tokens: tokenize.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Regex class bodies (use inside [...]).
CJK_IDEOGRAPHS = "\u4e00-\u9fff"
CJK_WIDE = "\u3000-\u9fff\uff00-\uffef"  # ideographs, CJK punctuation, full-width forms


CJK_RUN = re.compile(f"[{CJK_IDEOGRAPHS}]+")  # a run of ideographs: a unit of Chinese text
CJK_WORD = re.compile(f"[{CJK_IDEOGRAPHS}]{{2,}}")  # a word of two or more ideographs


def is_cjk_ideograph(char: str) -> bool:
    """A CJK unified ideograph (汉字)."""
    return "\u4e00" <= char <= "\u9fff"


def is_wide(char: str) -> bool:
    """An ideograph, CJK punctuation or a full-width form: no space belongs between two."""
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def is_cjk_text(text: str) -> bool:
    """True when at least 30% of the letters are CJK ideographs."""
    letters = [c for c in text if c.isalpha()]
    cjk = sum(is_cjk_ideograph(c) for c in letters)
    return bool(letters) and cjk / len(letters) >= 0.3




# Characters that change how the text around them is shown, never what it says: bidi
# embeddings, overrides and isolates, directional marks, the byte order mark and the
# zero-width space (joiners stay: emoji sequences and some scripts need them).
_INVISIBLE = frozenset(
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def printable(text: str) -> str:
    """``text`` as its sender meant it: control characters go (a tab or line break becomes a
    space), and so do invisible bidi and zero-width characters ("明天\x07上海\u202e？" →
    "明天上海？"). For questions before they are matched, and for anything echoed back (a
    right-to-left override cannot turn the rest of a reply around)."""
    return "".join(
        (" " if c.isspace() else "") if unicodedata.category(c) == "Cc" else c
        for c in text
        if c not in _INVISIBLE
    )


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def question_key(text: str) -> str:
    """What two questions share when they differ only in punctuation, spacing, case or
    full-/half-width forms ("问责的目的是什么？" ≡ "问责的目的 是什么?"): the grouping key
    of the question log's reports."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if not (c.isspace() or unicodedata.category(c)[0] in "PSZC"))


def documents_are_cjk(texts: Sequence[str]) -> bool:
    """The script of a document collection, judged on its first 200 paragraphs."""
    return is_cjk_text("".join(texts[:200]))


def has_content(question: str) -> bool:
    """At least two letters, digits or ideographs: "。。。", "👍" or "？" ask nothing."""
    return sum(c.isalnum() for c in question) >= 2
