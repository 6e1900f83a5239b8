"""What the chosen evidence shows about a question: the features of the answerability model.

The ranking finds the closest paragraphs and the answer chooser the closest sentence; both
exist for every question that is not off-topic, near misses included. Whether they answer
is judged on what they hold (bot/engine/judge/answerable.py weighs it), measured here per question:

- ``dense``, ``second``, ``sparse``: the null model's margins (bot/engine/judge/nullmodel.py): how much
  better the documents match than everyday text, per model;
- ``covered``: how much of the question the best paragraph covers: the weighted mean over
  the question's content words of their match in it (bot/engine/question/concepts.py: the word itself, its
  character bigrams, or the nearest word by cosine), rare words weighing more; ``least``:
  the worst-covered specific word (a near miss asks about one thing the evidence lacks);
- ``known``: the same over the whole documents' vocabulary;
- ``sentence``: the second model's cosine of the question to the chosen answer sentence,
  minus its cosine to the closest background sentence;
- ``holds``: the chosen sentence holds the kind of fact asked (bot/engine/question/asking.py), about the
  question's subject; ``anchored``: the best paragraph shares a rare word with the question;
- ``focal``: how well the best paragraph covers the worst-covered focal word of a yes/no
  question (what it asks of its subject: 交保证金 in "候选人要不要交保证金？", bot/engine/judge/focal.py);
- ``elliptical``: the question leans on another (a follow-up, or "这些现象…" asked alone,
  bot/engine/question/followup.py): its own words do not name its subject, so coverage cannot judge it.

Nothing here runs a model: word vectors are stored with the index (one call embeds a
question's words the documents do not have), sentence vectors too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from bot.engine.answer.choose import Extract
from bot.engine.answer.sentence_evidence import SentenceIndex
from bot.engine.judge.focal import FOCAL_SIMILARITY, focal, focal_coverage
from bot.engine.judge.nullmodel import Margins
from bot.engine.question.concepts import Concepts, Words, anchored, weighted_mean
from bot.engine.rank.bm25 import LexicalIndex
from bot.engine.rank.hybrid import Query, Ranking
from bot.engine.text.tokenize import tokenize


@dataclass(frozen=True)
class Evidence:
    """The features of one question (None: not measurable, e.g. no second model)."""

    cross: bool
    dense: float
    second: float | None
    sparse: float | None
    covered: float | None
    least: float | None
    known: float | None
    sentence: float | None
    said: float | None  # ``covered`` by the answer sentence instead of the paragraph
    gap: float  # fused score of the best paragraph minus the second's
    holds: bool
    anchored: bool
    unknown: bool = False  # a specific word the documents know by no name (bot/engine/question/concepts.py)
    elliptical: bool = False  # a follow-up or pronoun-led question: its words miss its subject
    focal: float | None = None  # the best paragraph's cover of a yes/no question's focal words

    @property
    def plausible(self) -> bool:
        """The fixed rules pass: the asked kind of fact is there, the best paragraph shares
        a rare word with the question, the documents know every specific word of it, and
        the paragraph knows what a yes/no question asks about (bot/engine/judge/focal.py)."""
        missing = self.focal is not None and self.focal < FOCAL_SIMILARITY
        return self.holds and self.anchored and not self.unknown and not missing

    def values(self, names: tuple[str, ...]) -> list[float | None]:
        """The named features as numbers (booleans 0/1), in ``names`` order."""
        found = asdict(self)
        return [None if found[n] is None else float(found[n]) for n in names]


class Gauge:
    """Measures Evidence over one index's lexical, vocabulary and sentence arrays (``cjk``:
    the documents are in Chinese script; ``titles``: the documents' titles, whose words the
    library knows even when no paragraph repeats them: 安徽省 of 《安徽省建设用地使用标准》)."""

    def __init__(
        self, lexical: LexicalIndex, concepts: Concepts, sentences: SentenceIndex, cjk: bool,
        titles: Sequence[str] = (),
    ) -> None:
        self.lexical = lexical
        self.concepts = concepts
        self.sentences = sentences
        self.cjk = cjk
        self.titles = "\n".join(titles)  # the documents' titles: their words are known to the library

    def measure(
        self, query: Query, ranking: Ranking, margins: Margins, words: Words, extract: Extract,
        elliptical: bool = False,
    ) -> Evidence:
        """The features of a question whose best paragraph is ``ranking.items[0]`` and whose
        chosen answer is ``extract``. A question in the other script shares no words with the
        documents: it is anchored, and its words are not checked (the embeddings judge it)."""
        top = self.lexical.terms_of(ranking.items[0].passage)
        same_script = not query.cross_lingual
        shared = set(tokenize(query.norm)) & top
        anchor = not same_script or anchored(shared, self.lexical.df, self.lexical.size)
        lacking = [w for w in self.concepts.unknown_of(words) if w not in self.titles]
        unknown = same_script and self.cjk and bool(lacking)
        covered = self.concepts.coverage(words, top)
        known = self.concepts.known(words)
        specific = words.specific() if words.cjk else np.ones(len(words.words), dtype=bool)
        least = float(covered[specific].min()) if specific.any() else (1.0 if words.words else None)
        said = None
        if extract.row >= 0:
            sentence = self.sentences.tokens(extract.row)
            said = weighted_mean(self.concepts.coverage(words, sentence), words.weights)
        items = ranking.items
        gap = items[0].fused - items[1].fused if len(items) > 1 else 0.0
        chosen = focal(query.norm, words, self.lexical.df, self.lexical.size) if same_script else []
        return Evidence(
            cross=margins.cross, dense=margins.dense, second=margins.second, sparse=margins.sparse,
            covered=weighted_mean(covered, words.weights), least=least,
            known=weighted_mean(known, words.weights), sentence=self._sentence(query, margins, extract),
            said=said, gap=gap, holds=extract.holds, anchored=anchor, unknown=unknown,
            elliptical=elliptical, focal=focal_coverage(self.concepts, words, chosen, top),
        )

    def _sentence(self, query: Query, margins: Margins, extract: Extract) -> float | None:
        """Cosine of the question to the answer sentence over its best background match,
        with the model the sentence vectors were made by."""
        vectors = self.sentences.vectors
        if vectors is None or extract.row < 0:
            return None
        second = query.second
        row = np.asarray(vectors[[extract.row]])[0]  # an array or a RowFile (read by rows)
        if second is not None and len(second) == vectors.shape[1] and margins.background is not None:
            return float(row @ second) - margins.background
        if len(query.vector) == vectors.shape[1]:
            return float(row @ query.vector) - margins.dense_background
        return None


__all__ = ["Evidence", "Gauge"]
