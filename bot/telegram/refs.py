"""What the buttons under an answer refer to, and the callback_data that names it.

callback_data is limited to 64 bytes (a Chinese character takes 3), so buttons carry only
"<action>:<key>"; the question and cited paragraphs are kept in the state store under the
key (as JSON, so a press works after a restart and on any replica).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from bot.engine.types import Candidate, Hit, Suggestion

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class AnswerRef:
    """What the buttons under one reply refer to."""

    question: str
    lang: str
    hits: tuple[Hit, ...]
    next_offset: int  # ask(question, offset=next_offset) gives the next page
    chat_id: int
    shown: frozenset[tuple[str, int]] = frozenset()  # (document, ¶n) already sent
    candidates: tuple[Candidate, ...] = ()  # offered to choose from (a "related" reply)
    suggestions: tuple[Suggestion, ...] = ()  # taught questions offered ("您是不是想问")

    def to_json(self) -> str:
        """The JSON the state store keeps."""
        return json.dumps(
            {
                "question": self.question, "lang": self.lang, "next_offset": self.next_offset,
                "chat_id": self.chat_id,
                "hits": [[h.doc, h.paragraph, h.text, h.score] for h in self.hits],
                "shown": sorted([doc, n] for doc, n in self.shown),
                "candidates": [[c.doc, c.paragraph, c.sentence] for c in self.candidates],
                "suggestions": [[s.question, s.doc, s.paragraph, s.taught] for s in self.suggestions],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> AnswerRef:
        """Back from ``to_json``; ValueError when ``text`` is not such JSON."""
        try:
            data: dict[str, Any] = json.loads(text)
            return cls(
                str(data["question"]), str(data["lang"]),
                tuple(Hit(str(d), int(p), str(t), float(s)) for d, p, t, s in data["hits"]),
                int(data["next_offset"]), int(data["chat_id"]),
                frozenset((str(d), int(n)) for d, n in data["shown"]),
                tuple(Candidate(str(d), int(n), str(s)) for d, n, s in data.get("candidates", [])),
                tuple(Suggestion(str(q), str(d), int(n), str(i))
                      for q, d, n, i in data.get("suggestions", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not stored button state: {exc}") from exc


def new_key() -> str:
    """A fresh random button key (8 URL-safe characters)."""
    return secrets.token_urlsafe(6)


def callback_data(action: str, key: str) -> str:
    """``action:key``, checked against Telegram's 64-byte limit."""
    data = f"{action}:{key}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data {data!r} exceeds {MAX_CALLBACK_BYTES} bytes")
    return data


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """``(action, key)`` from callback_data, or None when it is not ours."""
    if not data or ":" not in data:
        return None
    action, _, key = data.partition(":")
    return (action, key) if action and key else None
