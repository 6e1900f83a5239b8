"""The engine's text rules that transports apply too, so both read text the same way.

Transports import the engine only through the serving layer (tests/test_imports.py); these
are the rules a reply needs besides an Answer: where a sentence ends (bold and quoted text
is cut there), which characters print (control and bidi marks are dropped, lengths counted
in UTF-16 as Telegram counts them), and the key under which wordings of one question count
together (/gaps, the digest, teaching).
"""

from __future__ import annotations

from bot.engine.text.script import printable, question_key, utf16_len
from bot.engine.text.sentences import CLOSING_MARKS, SENTENCE_END, split_sentences

__all__ = ["CLOSING_MARKS", "SENTENCE_END", "printable", "question_key", "split_sentences", "utf16_len"]
