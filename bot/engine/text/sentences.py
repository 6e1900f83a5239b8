"""Where a sentence ends: one rule for indexing sentence vectors and choosing the answer."""

from __future__ import annotations

import re

SENTENCE_END = "。！？；!?;"


CLOSING_MARKS = "”’\"'」』）)"  # a closing quote or bracket stays with its sentence


_SENTENCE = re.compile(rf"[^{SENTENCE_END}]+(?:[{SENTENCE_END}]+[{CLOSING_MARKS}]*|$)")


def split_sentences(text: str) -> list[str]:
    """Sentences, each keeping its closing punctuation (and closing quote), stripped."""
    return [p.strip() for p in _SENTENCE.findall(text) if p.strip()]


def sentence_texts(text: str) -> list[str]:
    """The sentences of one paragraph's text (the whole text when nothing ends a sentence)."""
    return split_sentences(text) or [text]
