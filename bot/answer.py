"""From a ranking to an answer: is the question covered at all, and which sentences answer it.

Refusal compares two best matches made by the same model: the question against the
documents and against a background of everyday questions (bot/data/background.txt, a
null model). A question that the documents match no better than generic text is not
covered. Comparing against the background instead of a fixed cosine cut-off keeps the
rule meaningful for models whose cosines are compressed (e5: 0.72–0.85 off-topic).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from bot.ingest import normalize
from bot.lexical import tokenize
from bot.retrieve import Query, Ranking
from bot.text import is_cjk_text, split_sentences

BACKGROUND_FILE = Path(__file__).resolve().parent / "data" / "background.txt"
SHORT_SENTENCE = 24


def load_background(cjk: bool, path: Path = BACKGROUND_FILE) -> list[str]:
    """Background sentences in the documents' script (CJK or not); '#' starts a comment.

    The null model must be in the documents' language: an English question matches
    English background text better than Chinese documents whatever it asks, so a mixed
    background would refuse every English question about a Chinese text.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [line for line in found if is_cjk_text(line) == cjk]


@dataclass(frozen=True)
class RefusalRule:
    """Margins (documents' best match minus background's best match) that decide coverage.

    Calibrated on the dev set and checked on the held-out set (bench/RESULTS.md): refuse
    when the dense margin is below ``dense_floor``, or below ``dense_doubt`` without
    learned-sparse evidence of at least ``sparse_floor``, or when the second model's
    margin is below ``second_floor`` (its cosines spread wider than e5's, so its margin
    separates everyday questions clearly: −0.24 to −0.54 for them, above −0.17 for every
    in-scope question measured).
    """

    dense_floor: float = -0.01
    dense_doubt: float = 0.03
    sparse_floor: float = 4.5
    second_floor: float = -0.25

    def covered(
        self, dense_margin: float, sparse_margin: float | None, second_margin: float | None = None
    ) -> bool:
        """True when the documents plausibly answer the question."""
        if dense_margin < self.dense_floor:
            return False
        if second_margin is not None and second_margin < self.second_floor:
            return False
        if dense_margin >= self.dense_doubt:
            return True
        return sparse_margin is not None and sparse_margin >= self.sparse_floor


@dataclass(frozen=True)
class NullModel:
    """Embedded background sentences."""

    vectors: np.ndarray
    sparse: sparse.csr_matrix | None = None
    second: np.ndarray | None = None

    def margins(
        self, query: Query, ranking: Ranking
    ) -> tuple[float, float | None, float | None]:
        """Margins of the documents over the background: dense, sparse and second model."""
        dense_bg = float((self.vectors @ query.vector).max()) if len(self.vectors) else 0.0
        dense_margin = ranking.dense_top - dense_bg
        sparse_margin = second_margin = None
        if self.sparse is not None and query.sparse is not None and ranking.sparse_top is not None:
            sparse_margin = ranking.sparse_top - float((self.sparse @ query.sparse.T).max())
        if self.second is not None and query.second is not None and ranking.second_top is not None:
            second_margin = ranking.second_top - float((self.second @ query.second).max())
        return dense_margin, sparse_margin, second_margin


def has_content(question: str) -> bool:
    """At least two letters, digits or ideographs: "。。。", "👍" or "？" ask nothing."""
    return sum(c.isalnum() for c in question) >= 2


def extract(
    question: str,
    paragraph: str,
    similarity: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> str:
    """The sentence(s) of ``paragraph`` that best answer ``question``.

    Sentences are scored by the question's words and bigrams they contain (rarer, longer
    tokens count more). When nothing overlaps, e.g. an English question about Chinese
    text, ``similarity`` (question-to-sentence cosines) decides. A short best sentence
    takes its successor along, so the answer reads as a complete thought.
    """
    sentences = split_sentences(paragraph) or [paragraph]
    wanted = set(tokenize(normalize(question)))
    scores = np.array([_overlap(wanted, s) for s in sentences], dtype=np.float32)
    if not scores.any() and similarity is not None and len(sentences) > 1:
        scores = np.asarray(similarity(sentences), dtype=np.float32)
    best = int(np.argmax(scores))
    chosen = sentences[best]
    if len(chosen) < SHORT_SENTENCE and best + 1 < len(sentences):
        chosen += sentences[best + 1]
    return chosen


def _overlap(wanted: set[str], sentence: str) -> float:
    tokens = set(tokenize(normalize(sentence)))
    hits = wanted & tokens
    return sum(len(t.lstrip("#")) for t in hits) / math.sqrt(len(tokens) + 4)
