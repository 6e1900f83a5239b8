"""Sentence-level evidence: which sentences of the best paragraphs say what was asked.

The ranking finds paragraphs; the bold answer is a sentence or two of the best one. Each
candidate sentence is scored with the same kinds of evidence the ranking uses: lexical
(the question's words, bigrams and characters it contains, rarer ones weighing more) and
an embedding (cosine to the question, from sentence vectors computed at index time, so a
question costs no extra model pass). Both become z-scores over the candidate sentences
and are added, as in the paragraph fusion.

A question in the other language than the documents (English about a Chinese text) shares
no words with the sentences: its translated query terms (bot/engine/question/crosslingual.py, the same
terms BM25 ranks with) are its lexical evidence, at ``TRANSLATED_WEIGHT`` of the
embedding's (a dictionary rendering is looser evidence than the question's own words).
On the 61 English questions of dev, dev2 and dev_en the bold answer holds the fact for
37 without the terms, 41 with them at 0.5 or 0.75, 39 at 0.25 or 1.0, 38 at 1.5.

Sentence vectors come from the second model when there is one (it is cross-lingual and
cheap to run over every sentence when the index is built), else from the main model;
``SENTENCE_ARRAY`` names them in the stored index.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.documents.ingest import Paragraph
from bot.engine.index.mapped import RowFile
from bot.engine.rank.hybrid import fill_absent
from bot.engine.text.normalize import normalize
from bot.engine.text.sentences import sentence_texts
from bot.engine.text.tokenize import tokenize

SENTENCE_ARRAY = "sentences"  # one vector per sentence of every servable paragraph, in order
TOKEN_CACHE = 50_000
TRANSLATED_WEIGHT = 0.5  # the lexical z-score of translated query terms, per embedding z-unit


@dataclass(frozen=True)
class Sentence:
    """One sentence of a servable paragraph: (document, ¶n), its position and text."""

    doc: str
    paragraph: int
    index: int  # position within the paragraph, from 0
    text: str




def paragraph_sentences(paragraphs: Sequence[Paragraph]) -> list[Sentence]:
    """The sentences of every servable paragraph, in order (row i ↔ sentence vector i)."""
    return [
        Sentence(p.doc, p.number, i, s)
        for p in paragraphs if p.servable
        for i, s in enumerate(sentence_texts(p.text))
    ]


class _Sentences(Sequence[Sentence]):
    """The sentences of the servable paragraphs by row, a paragraph split into sentences when
    one of its rows is first read: opening 100k paragraphs creates no 400k objects."""

    def __init__(self, servable: Sequence[Paragraph], counts: np.ndarray) -> None:
        self._servable = servable
        self.offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
        self._split: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, row: int) -> Sentence:  # type: ignore[override]
        if not 0 <= row < len(self):
            raise IndexError(row)
        i = int(np.searchsorted(self.offsets, row, side="right")) - 1
        p = self._servable[i]
        if i not in self._split:
            if len(self._split) >= TOKEN_CACHE:
                self._split.clear()
            self._split[i] = sentence_texts(p.text)
        at = row - int(self.offsets[i])
        return Sentence(p.doc, p.number, at, self._split[i][at])


class SentenceIndex:
    """The sentences of the corpus, their vectors (optional) and cached tokens.

    ``counts`` (sentences per servable paragraph, stored with the index) spares splitting
    every paragraph when the service opens; without it they are counted here."""

    def __init__(
        self, paragraphs: Sequence[Paragraph], vectors: np.ndarray | RowFile | None = None,
        counts: np.ndarray | None = None,
    ) -> None:
        servable = [p for p in paragraphs if p.servable]
        if counts is None or len(counts) != len(servable):
            counts = np.array([len(sentence_texts(p.text)) for p in servable], dtype=np.int64)
        self.sentences = _Sentences(servable, counts)
        if vectors is not None and len(vectors) != len(self.sentences):
            vectors = None  # built from other paragraphs: score without the embedding signal
        self.vectors = vectors
        self._paragraph = {(p.doc, p.number): i for i, p in enumerate(servable)}
        self._tokens: dict[int, frozenset[str]] = {}

    def rows(self, doc: str, paragraph: int) -> list[int]:
        """Rows of the sentences of one paragraph, in reading order."""
        i = self._paragraph.get((doc, paragraph))
        if i is None:
            return []
        offsets = self.sentences.offsets
        return list(range(int(offsets[i]), int(offsets[i + 1])))

    def tokens(self, row: int) -> frozenset[str]:
        """Lexical tokens of one sentence (tokenized once, then cached)."""
        found = self._tokens.get(row)
        if found is None:
            if len(self._tokens) >= TOKEN_CACHE:
                self._tokens.clear()
            found = frozenset(tokenize(normalize(self.sentences[row].text)))
            self._tokens[row] = found
        return found

    def scores(
        self, question_norm: str, vector: np.ndarray | None, rows: Sequence[int],
        translated: Mapping[str, float] | None = None,
    ) -> np.ndarray:
        """Fused evidence of each sentence in ``rows`` for the question (z-scores, summed).
        ``translated``: weighted query terms in the documents' language for a question in
        the other one; its lexical z-score then counts ``TRANSLATED_WEIGHT``."""
        if not rows:
            return np.zeros(0, dtype=np.float32)
        lexical = self.lexical(question_norm, rows, translated)
        fused = _z(lexical) * (TRANSLATED_WEIGHT if translated else 1.0)
        if vector is not None and self.vectors is not None and len(vector) == self.vectors.shape[1]:
            block = np.asarray(self.vectors[list(rows)])  # a zero row: not embedded yet (rank/hybrid.py)
            fused = fused + _z(fill_absent(block @ vector, ~np.asarray(block.any(axis=1), dtype=bool)))
        return fused

    def lexical(
        self, question_norm: str, rows: Sequence[int], extra: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """Question tokens each sentence contains, weighted by length and rarity among
        ``rows`` (an IDF over the candidates), normalised by the sentence's length.
        ``extra`` adds weighted terms (a term of weight w counts w times a question token)."""
        wanted = dict.fromkeys(tokenize(question_norm), 1.0)
        for term, weight in (extra or {}).items():
            wanted[term] = wanted.get(term, 0.0) + weight
        sets = [self.tokens(r) for r in rows]
        df = Counter(t for s in sets for t in s & wanted.keys())
        n = len(sets)
        out = np.zeros(n, dtype=np.float32)
        for i, tokens in enumerate(sets):
            hits = tokens & wanted.keys()
            weight = sum(wanted[t] * len(t.lstrip("#$")) * math.log(1 + n / df[t]) for t in hits)
            out[i] = weight / math.sqrt(len(tokens) + 4)
        return out


def _z(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    if std < 1e-9:
        return np.zeros(len(values), dtype=np.float32)
    result: np.ndarray = ((values - values.mean()) / std).astype(np.float32)
    return result


__all__ = ["SENTENCE_ARRAY", "TRANSLATED_WEIGHT", "Sentence", "SentenceIndex", "paragraph_sentences"]
