"""Does the documents' vocabulary know what a question is about?

A near miss shares the domain with the documents but asks about a concept they never name:
"基层干部的加班费怎么计算？" retrieves a paragraph about 基层干部, yet nothing in the
documents says 加班费, nor anything close to it. Such a question gets "related", not an
answer. A concept counts as known when the documents have the word (or, for a compound,
one of its parts, or the word less a particle glued to it by the segmenter: 问责时), or a
near-synonym: the documents' words are embedded once when the index is built (by the
second model, multilingual USE, which places 上访 next to 来访 and 督查 next to 督促), and
a question word is known when one of them is at least ``KNOWN_SIMILARITY`` close. Without
a second model there are no such vectors and nothing is checked (the threshold is the
second model's).

Only specific words are checked: rarer in general Chinese than ``SPECIFIC_IDF`` (jieba's
dictionary frequencies, which have nothing to do with these documents), and not the noun
that names the kind of answer ("什么角色", "哪些措施": the question asks for it, the
documents need not name it). Questions in another script than the documents are not
checked (their words cannot match; the null model and the embeddings judge them).
Thresholds are calibrated on the tuning sets (bench/RESULTS.md).

The same vectors widen the lexical search (``Concepts.neighbours``): a question word's
nearest document words (cosine ≥ ``NEIGHBOUR_SIMILARITY``) become extra BM25 terms,
weighted by their cosine (summed over question words), so the synonym-swapped wording of a
reposted text is found by its own words (压下来 → 往下压, 很难 → 难以, 不敢 → 只怕). On
the Chinese tuning questions (dev + dev2 zh + dev3 zh, 104) hit@1 and answer@1 each rose
by 2 (dev3, written after the first trial: unchanged at 0.7; 0.65 lost one); held-out
unchanged (bench/FINDINGS.md 1e).

The same word vectors measure how much of a question the evidence covers
(``Concepts.coverage``): each content word of the question is matched to the nearest word
of a paragraph (lexically, else by cosine), weighted by its specificity. A question in the
other script (English about a Chinese text) is matched by cosine only: USE is trained
across languages, and its English words are embedded with the question's other words in
one call. These are features of the answerability model (bot/engine/judge/answerable.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

import jieba
import numpy as np

from bot.engine.index.vocabulary import vocabulary
from bot.engine.question.glossary import FUNCTION_WORDS, key_words
from bot.engine.text.script import CJK_WORD, is_cjk_text
from bot.engine.text.tokenize import STOPWORDS

SPECIFIC_IDF = 10.0  # -log(frequency) in jieba's dictionary: rarer words name a concept
KNOWN_SIMILARITY = 0.62  # cosine to the nearest document word for a near-synonym
NEIGHBOUR_SIMILARITY = 0.7  # a document word this close to a question word is searched too
NEIGHBOURS = 3  # at most this many document words per question word
MIN_COMPOUND = 4  # words this long are compounds: one known part makes them known
MAX_WEIGHT = 14.0  # specificity weights stop here (words rarer than this are all "rare")
_INTERROGATIVE = re.compile(r"[谁哪几么啥]")
_ANSWER_TYPE = re.compile(r"(?<!为)(?:什么样的|什么|哪些|哪个|哪种|何种|怎样的)([\u4e00-\u9fff]{2,4})")






def specificity(word: str) -> float:
    """How rare ``word`` is in general Chinese (jieba's dictionary; unknown words rarest)."""
    dictionary = jieba.dt
    if not dictionary.initialized:
        dictionary.initialize()
    return math.log(dictionary.total / (dictionary.FREQ.get(word, 0) + 1))


def content_words(question: str) -> list[str]:
    """The content words of a Chinese question (jieba words of 2+ ideographs), minus
    particles, question words and the answer-type noun ("什么角色": the question asks for
    a role, the documents need not say "角色")."""
    typed = {m.group(1) for m in _ANSWER_TYPE.finditer(question)}
    found = []
    for word in dict.fromkeys(jieba.cut(question)):
        if not CJK_WORD.fullmatch(word) or word in STOPWORDS or _INTERROGATIVE.search(word):
            continue
        if not any(t.startswith(word) for t in typed):
            found.append(word)
    return found


def candidates(question: str) -> list[str]:
    """The specific content words of a Chinese question, minus the answer-type noun."""
    return [w for w in content_words(question) if specificity(w) >= SPECIFIC_IDF]


@dataclass(frozen=True)
class Words:
    """A question's content words, how much each weighs (its specificity; 1 for a word of
    another script) and, with vocabulary vectors, one vector per word (else None)."""

    words: tuple[str, ...]
    weights: np.ndarray
    vectors: np.ndarray | None = None
    cjk: bool = True

    def specific(self) -> np.ndarray:
        """Which words are specific enough to name a concept (see ``SPECIFIC_IDF``)."""
        return np.array([self.cjk and w >= SPECIFIC_IDF for w in self.weights], dtype=bool)


def anchored(shared: Iterable[str], df: Mapping[str, int], size: int) -> bool:
    """Do the question and the best paragraph share the question's subject, not only the
    documents' commonest words? ``shared`` (their common lexical tokens) must hold a word
    or bigram that occurs in at most 1/e of the ``size`` passages ("基层干部" alone, in
    half of them, is the domain, not the subject)."""
    limit = size / math.e
    return any(df.get(t, 0) <= limit for t in shared if not t.startswith("$"))


class Concepts:
    """The documents' words (a lexical vocabulary: words and "#"-bigrams) and their vectors."""

    def __init__(self, tokens: Collection[str], vectors: np.ndarray | None) -> None:
        self.tokens = tokens
        self.words = vocabulary(tokens)
        self.vectors = vectors if vectors is not None and len(vectors) == len(self.words) else None
        self._rows = {w: i for i, w in enumerate(self.words)}

    def words_of(self, question: str, encode: Callable[[list[str]], np.ndarray]) -> Words:
        """The content words of ``question`` with their weights and vectors: a document
        word takes its stored vector, a word the documents know otherwise (``knows``: its
        characters, a part of it) none (zeros: it is matched lexically), and the ``lacking``
        ones are embedded in one ``encode`` call."""
        words, weights, cjk = _content(question)
        if self.vectors is None or not len(self.vectors) or not words:
            return Words(tuple(words), weights, None, cjk)
        vectors = np.zeros((len(words), self.vectors.shape[1]), dtype=np.float32)
        todo = [i for i, w in enumerate(words) if self._lacks(w, cjk)]
        for i, w in enumerate(words):
            if w in self._rows:
                vectors[i] = self.vectors[self._rows[w]]
        if todo:
            fresh = encode([words[i] for i in todo])
            if fresh.shape[1] != vectors.shape[1]:
                return Words(tuple(words), weights, None, cjk)
            vectors[todo] = fresh
        return Words(tuple(words), weights, vectors, cjk)

    def lacking(self, question: str) -> list[str]:
        """The words of ``question`` that ``words_of`` embeds (none without vocabulary
        vectors): the service embeds them in the same call as the question."""
        if self.vectors is None or not len(self.vectors):
            return []
        words, _, cjk = _content(question)
        return [w for w in words if self._lacks(w, cjk)]

    def row(self, word: str) -> int | None:
        """The row of a document word in ``vectors`` (None: not a vocabulary word)."""
        return self._rows.get(word)

    def _lacks(self, word: str, cjk: bool) -> bool:
        return word not in self._rows and not (cjk and self.knows(word))

    def unknown(self, question: str, encode: Callable[[list[str]], np.ndarray]) -> list[str]:
        """Specific words of ``question`` the documents know neither as such nor by a
        near-synonym (``encode`` embeds words with the model of the vocabulary vectors)."""
        return self.unknown_of(self.words_of(question, encode))

    def unknown_of(self, words: Words) -> list[str]:
        """``unknown`` for words already looked up (``words_of``)."""
        if words.vectors is None:
            return []
        known = zip(words.words, words.specific(), self.known(words), strict=True)
        return [w for w, specific, k in known if specific and k < KNOWN_SIMILARITY]

    def known(self, words: Words) -> np.ndarray:
        """Per word, how well the documents know it: 1.0 when they have it (``knows``),
        else the cosine of its nearest document word (0.0 without vectors)."""
        out = np.zeros(len(words.words), dtype=np.float32)
        for i, w in enumerate(words.words):
            if words.cjk and self.knows(w):
                out[i] = 1.0
            elif words.vectors is not None and self.vectors is not None:
                out[i] = self._nearest(words.vectors[i])
        return out

    def coverage(self, words: Words, tokens: Collection[str]) -> np.ndarray:
        """Per word, how well a passage with lexical ``tokens`` covers it: 1.0 when it has
        the word, else the larger of the share of the word's character bigrams it has and
        the cosine of its nearest word (0.0 for a word of another script without vectors)."""
        out = np.zeros(len(words.words), dtype=np.float32)
        rows = [self._rows[t] for t in tokens if t in self._rows]
        near = None
        if words.vectors is not None and self.vectors is not None and rows:
            near = (self.vectors[rows] @ words.vectors.T).max(axis=0)
        for i, w in enumerate(words.words):
            lexical = _bigram_share(w, tokens) if words.cjk else 0.0
            out[i] = max(lexical, float(near[i]) if near is not None else 0.0)
        return out

    def nearest(self, words: list[str], encode: Callable[[list[str]], np.ndarray]) -> float:
        """The highest similarity of any of ``words`` (any language) to a document word;
        1.0 when the documents have one of them as such, 0.0 without vectors."""
        if any(self.knows(w) for w in words):
            return 1.0
        if self.vectors is None or not len(self.vectors) or not words:
            return 0.0
        vectors = encode(words)
        if vectors.shape[1] != self.vectors.shape[1]:
            return 0.0
        return max(self._nearest(v) for v in vectors)

    def neighbours(self, words: Words) -> dict[str, float]:
        """Extra lexical terms for a question: per content word, up to ``NEIGHBOURS``
        document words at least ``NEIGHBOUR_SIMILARITY`` close, weighted by their cosine.
        Forms of the word itself (it within them, or them within it) are left out: BM25
        already has its characters. Empty without vectors."""
        if words.vectors is None or self.vectors is None or not len(self.vectors):
            return {}
        found = [i for i in range(len(words.words)) if words.vectors[i].any()]
        if not found:
            return {}
        sims = words.vectors[found] @ self.vectors.T
        terms: dict[str, float] = {}
        take = min(NEIGHBOURS + 1, sims.shape[1])  # + 1: a document word is its own nearest
        for i, row in zip(found, sims, strict=True):
            word = words.words[i]
            best = np.argpartition(-row, take - 1)[:take]
            for j in best[np.argsort(-row[best])]:
                other = self.words[j]
                if row[j] >= NEIGHBOUR_SIMILARITY and other not in word and word not in other:
                    terms[other] = terms.get(other, 0.0) + float(row[j])  # near two words: counts twice
        return terms

    def _nearest(self, vector: np.ndarray) -> float:
        """Cosine of the closest document word (a matrix-vector product per word: with a few
        words, one matrix-matrix product is several times slower in BLAS)."""
        assert self.vectors is not None
        return float((self.vectors @ vector).max())

    def knows(self, word: str) -> bool:
        """The documents have the word, its characters in a row, one part of a compound,
        or the word less a particle the segmenter glued to it."""
        if self._has(word):
            return True
        if len(word) >= 3 and (self._has(word[:-1]) or self._has(word[1:])):
            return True
        parts = (p for p in jieba.cut_for_search(word) if len(p) >= 2 and p != word)
        return len(word) >= MIN_COMPOUND and any(self._has(p) for p in parts)

    def _has(self, word: str) -> bool:
        if word in self.tokens:
            return True
        bigrams = [word[i : i + 2] for i in range(len(word) - 1)]
        return bool(bigrams) and all("#" + b in self.tokens for b in bigrams) and len(word) <= 3


def _content(question: str) -> tuple[list[str], np.ndarray, bool]:
    """A question's content words, their weights (specificity; 1 for another script) and
    whether it is in Chinese script."""
    if is_cjk_text(question):
        words = content_words(question)
        return words, np.array([min(specificity(w), MAX_WEIGHT) for w in words], dtype=np.float32), True
    words = [w for w in dict.fromkeys(key_words(question)) if w not in FUNCTION_WORDS and not w.isdigit()]
    return words, np.ones(len(words), dtype=np.float32), False


def _bigram_share(word: str, tokens: Collection[str]) -> float:
    """1.0 when ``tokens`` hold ``word``, else the share of its character bigrams they hold."""
    if word in tokens:
        return 1.0
    bigrams = ["#" + word[i : i + 2] for i in range(len(word) - 1)]
    return sum(b in tokens for b in bigrams) / len(bigrams) if bigrams else 0.0


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float | None:
    """The weighted mean (None for no values)."""
    total = float(weights.sum())
    return float(values @ weights) / total if len(values) and total > 0 else None


__all__ = [
    "KNOWN_SIMILARITY", "NEIGHBOUR_SIMILARITY", "SPECIFIC_IDF", "Concepts", "Words", "anchored", "candidates",
    "content_words", "specificity", "weighted_mean",
]
