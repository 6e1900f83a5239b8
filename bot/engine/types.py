"""Small result types shared by the engine, the serving layer and the transports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["answered", "related", "not_covered"]


@dataclass(frozen=True)
class Hit:
    """One cited paragraph: document name, paragraph number (¶n), display text, score,
    where it stands (its outline label "第二章 第七条" and page, paged formats) and its content
    hash (what identifies the paragraph when ¶ numbers shift: votes, choices, teachings)."""

    doc: str
    paragraph: int
    text: str
    score: float
    section: str = ""
    page: int | None = None
    hash: str = ""  # "" when not known (a hit read back from an old button state)
    title: str = ""  # the document's own title (its first heading, a 公文's 标题), "" when none

    def place(self, lang: str = "zh") -> str:
        """Where the paragraph stands besides ¶n: "第二章 第七条 · 第3页" ("" for plain text)."""
        page = "" if self.page is None else (f"p. {self.page}" if lang == "en" else f"第{self.page}页")
        return " · ".join(part for part in (self.section, page) if part)

    def source(self, lang: str = "zh") -> str:
        """How a reply names where it stands: "《中华人民共和国村民委员会组织法》第三章 第十一条 ·
        第3页" (the document's title, else its name; then its place)."""
        return f"《{self.title or self.doc}》{self.place(lang)}"


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, kept by a transport (per chat, for a while) and
    passed back with the next message so a follow-up ("最少的呢？") can be understood."""

    question: str  # the question as the engine understood it (a follow-up made whole)
    cited: tuple[tuple[str, int], ...]  # (document, ¶n) the answer cited, best first
    answer: str = ""  # the bold answer given (a follow-up prefers to say something new)

    @classmethod
    def of(cls, question: str, hits: Sequence[Hit], answer: str = "") -> Turn:
        """The turn of an answer to ``question`` that cites ``hits`` (best first)."""
        return cls(question, tuple((h.doc, h.paragraph) for h in hits), answer)


@dataclass(frozen=True)
class Teaching:
    """One taught wording: answered from the paragraph whose content hash is
    ``paragraph_hash`` (``doc`` and ``paragraph``, its ¶n when taught, are for people), with
    ``sentence`` (a piece of one of its sentences, "" = let the engine choose) in bold; or,
    ``not_covered``, not answered at all."""

    id: str
    question: str
    doc: str = ""
    paragraph: int = 0
    paragraph_hash: str = ""
    sentence: str = ""
    not_covered: bool = False


@dataclass(frozen=True)
class Candidate:
    """A paragraph offered when the engine is unsure which answers: its best sentence."""

    doc: str
    paragraph: int
    sentence: str


@dataclass(frozen=True)
class Suggestion:
    """A taught question close to the one asked but below the answering bar, offered as
    "您是不是想问：…" (bot/engine/taught.py): its wording, the paragraph its teaching answers
    from (document, ¶n now) and the teaching's id. Choosing it asks the taught question."""

    question: str
    doc: str
    paragraph: int
    taught: str


@dataclass(frozen=True)
class Answer:
    """What the engine says to one question.

    ``status``: "answered" (``answer`` is the bold sentence, ``hits`` the citations);
    "related" (the documents touch the subject but do not answer: no ``answer``, ``hits``
    are the closest paragraphs, shown as such); "not_covered" (no ``answer``; ``hits`` may
    hold the nearest paragraphs, never to be shown as an answer). ``turn`` is what a
    transport keeps as the context of the chat's next message (None: keep nothing).
    """

    question: str
    status: Status
    answer: str
    hits: tuple[Hit, ...]
    ms: float = 0.0
    turn: Turn | None = None
    taught: str = ""  # the id of the teaching it was answered from ("" none: bot/engine/taught.py)
    candidates: tuple[Candidate, ...] = ()  # "related": paragraphs to choose from, best first
    suggestions: tuple[Suggestion, ...] = ()  # "您是不是想问": close taught questions, best first
    library: int = 1  # documents the answering index holds: replies say 文章 only for one

    @property
    def answered(self) -> bool:
        """Only a real answer counts: "related" and "not_covered" are not answered."""
        return self.status == "answered"


@dataclass(frozen=True)
class IndexInfo:
    """What the serving index holds."""

    documents: tuple[str, ...]
    paragraphs: int
    passages: int
    model: str
    built_at: str
    skipped: tuple[Skipped, ...] = ()  # documents in the folder that could not be read


@dataclass(frozen=True)
class DocumentSummary:
    """One served document: its name, how many paragraphs can be cited, its pages, who added
    it when (an admin's upload; None and "" for a document put in the folder by hand), and
    its title, 文号 and date where it has them."""

    name: str
    paragraphs: int
    pages: int | None = None
    added_by: int | None = None
    added_at: str = ""  # ISO time
    title: str = ""  # the document's own title, 文号 and 成文日期 (a 公文's), "" when none
    doc_number: str = ""
    date: str = ""
    embedding: bool = False  # some of its passages are still being embedded (words only so far)


@dataclass(frozen=True)
class Skipped:
    """A document that could not be read and was left out: its name, why (a key of
    bot/engine/documents/formats/model.py REASONS) and the values a message needs."""

    name: str
    reason: str
    values: tuple[tuple[str, str | int | None], ...] = ()

    @classmethod
    def of(cls, name: str, reason: str, values: Mapping[str, object]) -> Skipped:
        """From a reader's loose values (numbers and text kept, anything else as text)."""
        kept = tuple((k, v if isinstance(v, int | str) or v is None else str(v))
                     for k, v in sorted(values.items()) if k != "reason")
        return cls(name, reason, kept)


@dataclass(frozen=True)
class Changes:
    """What a replaced document changed, in paragraphs (compared by content hash)."""

    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class ReloadReport:
    """Outcome of a (re)build: counts, wall time and the documents left out."""

    documents: int
    paragraphs: int
    reembedded: int
    seconds: float
    skipped: tuple[Skipped, ...] = ()
    pending: int = 0  # passages searchable by their words only, embedded in the background


@dataclass(frozen=True)
class Upload:
    """Outcome of adding a document: ``problem`` when it could not be read (nothing changed),
    else its servable paragraphs and pages, what it changed when it replaced a document of
    the same name (None: a new document), and the rebuild's report."""

    name: str
    problem: Skipped | None = None
    paragraphs: int = 0
    pages: int | None = None
    changes: Changes | None = None
    report: ReloadReport | None = None
