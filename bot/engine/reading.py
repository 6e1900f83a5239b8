"""A question read into every form the signals need, for a batch of questions at once.

Both models embed the batch in one call each; the question's content words get vectors (the
words the documents lack ride along in the second model's call, so judging costs no extra
pass); a Chinese question also searches the documents' words nearest to its own
(``Concepts.neighbours``); a question in the other language than the documents gets its
words translated into weighted terms (question/crosslingual.py). Its script is worked out
here, once: ``Query.cross_lingual``. Whether a follow-up's own words are known to the
documents (``thread``) is decided here too, with the same models.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from scipy import sparse

from bot.engine.question.concepts import KNOWN_SIMILARITY, Concepts, Words
from bot.engine.question.crosslingual import Translator
from bot.engine.question.followup import is_follow_up, own_words
from bot.engine.rank.hybrid import Query
from bot.engine.text.normalize import normalize
from bot.engine.text.script import is_cjk_text
from bot.engine.text.tokenize import tokenize
from bot.engine.types import Turn
from embeddings.encoder import Encoder

FOLLOW_UP_COVERAGE = 0.6  # share of a follow-up's own tokens the documents must know


class Coverage(Protocol):
    """How much of a text's tokens the documents hold (rank/bm25.py's LexicalIndex)."""

    def coverage(self, norm_query: str) -> float:
        """Share of the text's content tokens that occur anywhere in the documents (0..1)."""
        ...


@dataclass
class QuestionReader:
    """Reads questions for one index: its models, vocabulary, lexical coverage, script."""

    encoder: Encoder
    second: Encoder | None
    concepts: Concepts
    lexical: Coverage
    translator: Translator | None
    cjk: bool  # the documents' script
    lock: threading.Lock = field(default_factory=threading.Lock)  # one model call at a time

    def read(self, texts: list[str], norms: list[str]) -> tuple[list[Query], list[Words]]:
        """The questions (``texts``, matched as ``norms``) embedded by every model, and their
        content words with vectors (bot/engine/question/concepts.py): the words the documents
        lack go into the second model's call for the questions, so judging a question costs
        no extra model pass."""
        lacking = [self.concepts.lacking(t) for t in texts]
        flat = list(dict.fromkeys(w for words in lacking for w in words))
        with self.lock:
            vectors, sparse_rows = self.encoder.encode_queries_and_sparse(texts)
            second = None if self.second is None else self.second.encode_queries([*texts, *flat])
        embedded = {} if second is None else dict(zip(flat, second[len(texts) :], strict=True))
        dim = 0 if second is None else second.shape[1]

        def encode(words: list[str]) -> np.ndarray:
            return np.array([embedded[w] for w in words], dtype=np.float32).reshape(len(words), dim)

        queries = [
            self._query(t, norms[j], vectors[j], None if sparse_rows is None else sparse_rows[j],
                        None if second is None else second[j])
            for j, t in enumerate(texts)
        ]
        queries = self._with_translations(queries)
        words = [self.concepts.words_of(t, encode) for t in texts]
        return [self._widened(q, w) for q, w in zip(queries, words, strict=True)], words

    def _with_translations(self, queries: list[Query]) -> list[Query]:
        """Cross-lingual ``queries`` with their translation embedded by the first model (one
        call for the batch): a Chinese question made of the first rendering of each
        translated unit (question/crosslingual.py), compared with the documents as Chinese."""
        texts = {j: self.translator.rendered(q.norm) for j, q in enumerate(queries)
                 if q.cross_lingual and self.translator is not None}
        texts = {j: t for j, t in texts.items() if t}
        if not texts:
            return queries
        with self.lock:
            vectors = self.encoder.encode_queries(list(texts.values()))
        out = list(queries)
        for j, vector in zip(texts, vectors, strict=True):
            out[j] = replace(queries[j], translated=vector)
        return out

    def _widened(self, query: Query, words: Words) -> Query:
        """``query`` searching also the document words nearest to its own (bot/engine/question/concepts.py,
        ``Concepts.neighbours``); a question in the other language keeps its translation."""
        if query.cross_lingual:
            return query
        near = self.concepts.neighbours(words)
        if not near:
            return query
        terms = dict(query.terms)
        for term, weight in near.items():
            terms[term] = terms.get(term, 0.0) + weight
        return replace(query, terms=terms)

    def _query(
        self, text: str, norm: str, vector: np.ndarray, sparse_row: sparse.csr_matrix | None,
        second: np.ndarray | None,
    ) -> Query:
        """A question in every form the signals need (its translation when cross-lingual).
        Its script is worked out here, once: ``Query.cross_lingual``."""
        cross = is_cjk_text(text) != self.cjk
        return Query(norm, vector, sparse_row, second, self.translated(norm), cross)

    def translated(self, norm: str) -> dict[str, float]:
        """Weighted query terms in the documents' language for the question's words in the
        other one ("accountability" → 问责 in a Chinese text); empty when there are none."""
        return {} if self.translator is None else self.translator.terms(norm)

    def thread(self, question: str, context: Turn | None) -> Turn | None:
        """``context`` when ``question`` follows up on it, else None. A follow-up whose own
        words the documents do not know ("那明天会下雨吗？", "What about the weather?") is a
        new question: it stays alone and is judged on its own."""
        if context is None or not is_follow_up(question):
            return None
        own = normalize(own_words(question))
        words = tokenize(own)
        if is_cjk_text(question) == self.cjk:
            known = not words or self.lexical.coverage(own) >= FOLLOW_UP_COVERAGE
        else:  # another script: do the documents have a near-synonym of one of its words?
            known = not words or self.concepts.nearest(words, self.encode_words) >= KNOWN_SIMILARITY
        return context if known else None

    def encode_words(self, words: list[str]) -> np.ndarray:
        """Words embedded by the model of the vocabulary vectors (the second model)."""
        if self.second is None:
            return np.zeros((len(words), 0), dtype=np.float32)
        with self.lock:
            return self.second.encode_queries(words)

    def encode_taught(self, questions: list[str]) -> list[np.ndarray]:
        with self.lock:
            e5 = self.encoder.encode_queries(questions)
            return [e5] if self.second is None else [e5, self.second.encode_queries(questions)]
