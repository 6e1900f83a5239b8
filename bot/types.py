"""Small result types shared by every room: retrieval, answering, transports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """One cited paragraph: document name, paragraph number (¶n), display text, score."""

    doc: str
    paragraph: int
    text: str
    score: float


@dataclass(frozen=True)
class Answer:
    """What the engine says to one question.

    ``answered`` is False when the documents do not cover the question; ``answer`` is then
    empty and ``hits`` may still hold the nearest paragraphs (not to be shown as an answer).
    """

    question: str
    answered: bool
    answer: str
    hits: tuple[Hit, ...]
    ms: float = 0.0


@dataclass(frozen=True)
class IndexInfo:
    """What the serving index holds."""

    documents: tuple[str, ...]
    paragraphs: int
    passages: int
    model: str
    built_at: str


@dataclass(frozen=True)
class ReloadReport:
    """Outcome of a (re)build: counts and wall time."""

    documents: int
    paragraphs: int
    reembedded: int
    seconds: float
