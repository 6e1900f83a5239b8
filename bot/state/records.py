"""The rows the state store keeps and returns, as frozen dataclasses of plain values.

Both backends (SQLite, PostgreSQL) read and write exactly these; the transports build them
from Telegram objects and never see a database row.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.types import Status, Teaching

# Why a 👎 (asked after the vote, kept with it): code → what the asker tapped.
REASONS = {"off_topic": "答非所问", "incomplete": "不完整", "wrong": "内容有误"}


@dataclass(frozen=True)
class InboxUpdate:
    """One update as received: its id, the chat it belongs to (None: no chat), its JSON and,
    when it could not be parsed, why (it is then kept done, never handed to the handlers)."""

    update_id: int
    chat_id: int | None
    payload: str
    unparsable: str | None = None


@dataclass(frozen=True)
class Unparsable:
    """An update kept as received because it could not be parsed (the reason names its type)."""

    update_id: int
    reason: str
    received_at: float


@dataclass(frozen=True)
class Claimed:
    """An inbox update a replica took to answer; ``attempts`` counts claims (this one too)."""

    update_id: int
    payload: str
    attempts: int


@dataclass(frozen=True)
class Feedback:
    """One vote on one answer."""

    user_id: int
    answer_key: str
    vote: int  # +1 👍, -1 👎
    question: str
    doc: str  # document of the top cited paragraph
    paragraph: int  # ¶n of the top cited paragraph
    cited: tuple[tuple[str, int], ...] = ()  # every cited (document, ¶n)
    at: float = 0.0  # Unix time; the store fills it in when 0
    paragraph_hash: str = ""  # content hash of the top cited paragraph (¶n shift when it is edited)


@dataclass(frozen=True)
class LogEntry:
    """One question in the question log (keyed by the update that asked it)."""

    update_id: int
    user_id: int
    chat_id: int
    question: str
    status: Status
    cited: tuple[tuple[str, int], ...]
    ms: float  # from the handler's start to the answer being ready
    answer_key: str | None = None  # the buttons under the answer (👍/👎 refer to it)
    at: float = 0.0  # Unix time; the store fills it in when 0
    cited_hashes: tuple[str, ...] = ()  # content hash of each cited paragraph (¶n shift on edits)


@dataclass(frozen=True)
class LoggedQuestion:
    """A question-log row as reports read it, with its votes."""

    at: float
    user_id: int
    question: str
    status: Status
    cited: tuple[tuple[str, int], ...]
    ms: float
    up: int
    down: int


@dataclass(frozen=True)
class Gap:
    """Questions officials asked that the documents did not answer (or that got 👎)."""

    question: str  # the most recent wording of the group
    count: int  # how often it was asked (wordings differing in punctuation/spacing together)
    not_answered: int  # of which not answered ("related" or "not_covered")
    down: int  # 👎 votes on its answers
    last_at: float


@dataclass(frozen=True)
class TeachingRecord:
    """A teaching as kept: what was taught, who taught it ("telegram:<user id>", "cli:<user>",
    "import:<file>") and when (Unix time)."""

    teaching: Teaching
    by: str
    at: float
