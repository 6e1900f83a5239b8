"""The sentence-level steps of answering, over the index's sentence vectors.

For one question: score sentences of the best paragraphs (with the second model's vectors
when the sentences were embedded with it; a question in the other language by its
translated terms, and then without a subject of its own words), pick the bold answer
(answer/choose.py), a taught paragraph's bold sentence, each candidate's best sentence, and
whether a paragraph holds the kind of fact asked. The service (bot/engine/service.py) calls
these as steps; the choice of vector, translated terms and subject is made here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.answer.choose import Extract, choose, choose_among, fits
from bot.engine.answer.sentence_evidence import SentenceIndex
from bot.engine.question.asking import Asked, asked_for, asks_itself
from bot.engine.rank.hybrid import Query
from bot.engine.text.sentences import split_sentences
from bot.engine.text.tokenize import tokenize
from bot.engine.types import Candidate, Turn

Key = tuple[str, int]  # (document, ¶n)


@dataclass(frozen=True)
class Picker:
    """Sentence choices for questions over one index's sentences."""

    sentences: SentenceIndex
    by_second: bool  # the sentences were embedded with the second model

    def scores(self, query: Query, rows: Sequence[int]) -> np.ndarray:
        """Evidence scores of the sentences ``rows`` for ``query``."""
        vector = query.second if self.by_second else query.vector
        translated = query.terms if query.cross_lingual else None  # the words of the other language
        return self.sentences.scores(query.norm, vector, rows, translated)

    @staticmethod
    def subject(query: Query) -> frozenset[str]:
        """The question's own words (none for a question in the other language)."""
        return frozenset() if query.cross_lingual else frozenset(tokenize(query.norm))

    def bold(self, query: Query, key: Key, text: str, asked: Asked) -> str:
        """The bold sentence of paragraph ``key`` (``text``) for ``query``: the one that holds
        what is asked, else its first sentence."""
        rows = self.sentences.rows(*key)
        chosen = choose(self.sentences, rows, self.scores(query, rows), asked, self.subject(query)).text
        return chosen or next(iter(split_sentences(text)), text)

    def candidates(self, query: Query, keys: Sequence[Key], most: int) -> tuple[Candidate, ...]:
        """The best sentence of each of the first ``most`` paragraphs ``keys`` (none when
        there is only one paragraph to offer)."""
        offered: list[Candidate] = []
        for key in list(dict.fromkeys(keys))[:most]:
            rows = self.sentences.rows(*key)
            if rows:
                best = rows[int(np.argmax(self.scores(query, rows)))]
                offered.append(Candidate(*key, self.sentences.sentences[best].text))
        return tuple(offered) if len(offered) > 1 else ()

    def holding(self, query: Query, asked: Asked) -> Callable[[Key], bool]:
        """Whether a paragraph has a sentence that holds the ``asked`` kind of fact."""
        subject, texts = self.subject(query), self.sentences.sentences

        def holds(key: Key) -> bool:
            rows = self.sentences.rows(*key)
            return any(fits(self.sentences, r, texts[r].text, asked, subject) for r in rows)

        return holds

    def extract(
        self, question: str, query: Query, keys: Sequence[Key], written: str, thread: Turn | None,
        alternatives: int,
    ) -> tuple[int, Extract]:
        """The answer sentence(s) and which of the paragraphs ``keys`` they come from (the
        first, unless a follow-up of ``thread`` finds new information in another of the first
        ``alternatives``), and whether it holds the kind of fact asked for. Sentences of the
        next paragraphs take part in the z-scores so a one-sentence paragraph is scored
        against something. ``written``: the question as its asker wrote it; ``question``: made
        whole with its thread."""
        groups = [self.sentences.rows(*key) for key in keys]
        scores = self.scores(query, [row for group in groups for row in group])
        subject, asked = self.subject(query), asked_for(written)
        if thread is None:
            return 0, choose(self.sentences, groups[0], scores[: len(groups[0])], asked, subject)
        if asked.kind == "other" and not asks_itself(written):  # "最少的呢？"
            asked = asked_for(question)  # ... asks what its thread asked
        given = frozenset(split_sentences(thread.answer))
        return choose_among(self.sentences, groups[:alternatives], scores, asked, subject, given)


__all__ = ["Key", "Picker"]
