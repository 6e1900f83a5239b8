"""Plain records the fake Bot API server keeps: simulated users, sent messages, calls."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bot.tools.botapi.html_check import EntityParseError, parse_html


@dataclass(frozen=True)
class SimUser:
    """A Telegram user the tests impersonate."""

    id: int
    first_name: str = "测试"
    language_code: str = "zh-hans"
    username: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Bot API ``User`` JSON."""
        out: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username is not None:
            out["username"] = self.username
        return out


@dataclass
class SentMessage:
    """A message the bot sent (or edited) as the server stores it."""

    message_id: int
    chat_id: int
    text: str
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edited: bool = False
    sent_at: float = field(default_factory=time.monotonic)
    edited_at: float | None = None
    document: str | None = None  # file name when the bot sent a document (text is the caption)

    @property
    def plain_text(self) -> str:
        """The text as the user sees it (HTML tags stripped, entities decoded)."""
        if (self.parse_mode or "").upper() == "HTML":
            try:
                return parse_html(self.text)
            except EntityParseError:
                return self.text
        return self.text

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of the inline keyboard, flattened row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            (str(b.get("text", "")), str(b["callback_data"]))
            for row in rows
            for b in row
            if isinstance(b, dict) and "callback_data" in b
        ]


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made, with the HTTP status the server answered."""

    method: str
    params: dict[str, Any]
    at: float  # monotonic arrival time
    status: int  # HTTP status; 0 when the connection was dropped
    duration: float = 0.0
    description: str = ""  # error description when not ok

    @property
    def done(self) -> float:
        """Monotonic time the answer went out."""
        return self.at + self.duration

    @property
    def chat_id(self) -> int | None:
        """The integer chat_id parameter, if any."""
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            return None
