"""The matching form of any text, documents and questions alike, and its content hash.

Written once: a question normalised one way and a paragraph another would never match.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from bot.engine.text.numerals import arabic_numerals
from bot.engine.text.script import CJK_WIDE

NORMALIZATION = 2  # bump when normalize() changes: stored norms are then re-derived (2: numerals)


_SPACES = re.compile(r"\s+")


_CJK_GAP = re.compile(rf"(?<=[{CJK_WIDE}])\s+(?=[{CJK_WIDE}])")


def normalize(text: str) -> str:
    """Matching form: NFKC (full/half width folded), lower case, whitespace collapsed,
    Chinese numerals in Arabic digits where unambiguous (二〇一七 → 2017, 三十六 → 36)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _CJK_GAP.sub("", text)
    return arabic_numerals(_SPACES.sub(" ", text).strip())


def content_hash(text: str) -> str:
    """Stable short hash of a passage's text (decides whether it must be re-embedded)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
