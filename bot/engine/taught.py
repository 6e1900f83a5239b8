"""Answering from what was taught: the service's side of bot/engine/question/taught_match.py.

``Taught`` holds the teachings in force for one index (admins' and the 问答 documents' own),
their question vectors, and the paragraphs by content hash. A question that means a taught
wording is answered from the taught paragraph, cited first, with the taught sentence (or the
one the answer step chooses) in bold; a wording taught not covered is not answered. A
question close to taught wordings but not close enough to be answered from one gets them as
suggestions ("您是不是想问：…", ``suggested``): choosing one asks the taught wording. A
teaching whose paragraph is no longer in the index (its text changed or vanished) is
*stale*: never applied to other text, reported to admins instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.engine.documents.ingest import Paragraph
from bot.engine.question.strays import Strays
from bot.engine.question.taught_match import NO_TEACHINGS, Match, TaughtMatcher, checked
from bot.engine.text.sentences import split_sentences
from bot.engine.types import Answer, Hit, Suggestion, Teaching, Turn

Encode = Callable[[list[str]], list[np.ndarray]]  # questions → one array of rows per model


@dataclass(frozen=True)
class Applied:
    """Which teachings apply to an index: in force, and stale (their paragraph is gone)."""

    live: tuple[Teaching, ...]
    stale: tuple[Teaching, ...]


def applied(teachings: Sequence[Teaching], paragraphs: Sequence[Paragraph]) -> Applied:
    """Split ``teachings`` by whether their paragraph (by content hash) is in ``paragraphs``;
    a teaching of "not covered" always applies."""
    hashes = {p.hash for p in paragraphs}
    live = tuple(t for t in teachings if t.not_covered or t.paragraph_hash in hashes)
    return Applied(live, tuple(t for t in teachings if t not in live))


class Taught:
    """The teachings one service answers with (``NO`` none); build with ``Taught.build``."""

    def __init__(
        self, matcher: TaughtMatcher, paragraphs: Sequence[Paragraph], stale: Sequence[Teaching] = ()
    ) -> None:
        self.matcher = matcher
        self.stale = tuple(stale)
        self._by_hash: dict[str, list[Paragraph]] = {}
        for p in paragraphs:
            self._by_hash.setdefault(p.hash, []).append(p)

    @classmethod
    def build(
        cls, teachings: Sequence[Teaching], paragraphs: Sequence[Paragraph], encode: Encode,
        known: dict[str, tuple[np.ndarray, ...]] | None = None,
    ) -> Taught:
        """The matcher over the live ``teachings``, their wordings embedded by ``encode``
        (``known``: vectors of wordings embedded before, by question; updated in place)."""
        split = applied(teachings, paragraphs)
        known = {} if known is None else known
        todo = list(dict.fromkeys(t.question for t in split.live if t.question not in known))
        if todo:
            for j, rows in enumerate(zip(*encode(todo), strict=True)):
                known[todo[j]] = tuple(np.asarray(r, dtype=np.float32) for r in rows)
        vectors: list[np.ndarray] = []
        if split.live:
            models = len(known[split.live[0].question])
            vectors = [np.stack([known[t.question][m] for t in split.live]) for m in range(models)]
        return cls(TaughtMatcher(split.live, vectors), paragraphs, split.stale)

    def match(
        self, question: str, vectors: Sequence[np.ndarray | None], strays: Strays | None = None
    ) -> Match | None:
        """The teaching ``question`` means, if any (see TaughtMatcher.match); with
        ``strays``, not one whose answer leaves a word of the question pointing elsewhere."""
        if not len(self.matcher):
            return None
        if strays is None:
            return self.matcher.match(question, vectors)
        return self.matcher.match(question, vectors, lambda t: self.strays_from(t, question, strays))

    def suggested(self, answer: Answer, vectors: Sequence[np.ndarray | None]) -> Answer:
        """``answer`` with the taught wordings its question is near (TaughtMatcher.near) as
        suggestions, best first; not one whose taught answer it already gives (answered from
        that paragraph, with the taught sentence when one was taught), nor one whose paragraph
        is gone."""
        offered: list[Suggestion] = []
        for teaching, _ in self.matcher.near(vectors):
            p = self.paragraph(teaching)
            if p is None or (answer.answered and answer.hits and self._gives(answer, teaching, p)):
                continue
            offered.append(Suggestion(teaching.question, p.doc, p.number, teaching.id))
        return replace(answer, suggestions=tuple(offered)) if offered else answer

    @staticmethod
    def _gives(answer: Answer, teaching: Teaching, p: Paragraph) -> bool:
        first, sentence = answer.hits[0], teaching.sentence.strip()
        return (first.doc, first.paragraph) == (p.doc, p.number) and sentence in answer.answer

    def strays_from(self, teaching: Teaching, question: str, strays: Strays) -> bool:
        """``question`` names something ``teaching``'s answer does not, or lacks a word the
        taught wording names (question/strays.py, both ways). Only two Chinese wordings are
        compared: an English word is not the documents' word (question/taught_match.py
        ``checked``)."""
        if not checked(teaching.question, question):
            return False
        return bool(strays(question, self.answered(teaching)) or strays(teaching.question, question))

    def answered(self, teaching: Teaching) -> str:
        """What ``teaching`` answers with, as text: its wording and the taught sentence (the
        whole paragraph when no sentence was taught; the wording alone for "not covered")."""
        p = None if teaching.not_covered else self.paragraph(teaching)
        if p is None:
            return teaching.question
        return f"{teaching.question}\n{sentence_with(p.text, teaching.sentence) or p.text}"

    def paragraph(self, teaching: Teaching) -> Paragraph | None:
        """The paragraph ``teaching`` answers from (its document's copy first), or None."""
        found = self._by_hash.get(teaching.paragraph_hash, [])
        return next((p for p in found if p.doc == teaching.doc), found[0] if found else None)

    def answer(
        self, question: str, match: Match, others: Sequence[Hit], k: int, bold: Callable[[Paragraph], str],
        cite: Callable[[Paragraph, float], Hit],
    ) -> Answer | None:
        """The answer to ``question`` from the teaching it matched: the taught paragraph
        (as ``cite`` makes a citation) first, then ``others`` (the ranking's hits); None
        when the paragraph is gone."""
        teaching = match.teaching
        if teaching.not_covered:
            return Answer(question, "not_covered", "", (), taught=teaching.id)
        p = self.paragraph(teaching)
        if p is None:
            return None
        first = cite(p, 1.0)
        hits = (first, *[h for h in others if (h.doc, h.paragraph) != (p.doc, p.number)][: k - 1])
        text = sentence_with(p.text, teaching.sentence) or bold(p)
        turn = Turn.of(question, hits, text)
        return Answer(question, "answered", text, hits, turn=turn, taught=teaching.id)


def sentence_with(text: str, piece: str) -> str:
    """The sentence of ``text`` that holds ``piece`` ("" when no piece, or none holds it)."""
    piece = piece.strip()
    if not piece:
        return ""
    return next((s for s in split_sentences(text) if piece in s), "")


NO = Taught(NO_TEACHINGS, ())

__all__ = ["NO", "Applied", "Taught", "applied", "sentence_with"]
