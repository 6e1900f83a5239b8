"""The search service: owns the index, the encoder and the scorers; answers questions.

    SearchService.ask(question)     → Answer (sync, CPU-bound: call it off the event loop)

Opening one over a documents folder and rebuilding it on reload: bot/engine/lifecycle.py.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import faiss
import numpy as np

from bot.engine.answer.choose import Extract
from bot.engine.answer.pick import Picker
from bot.engine.answer.sentence_evidence import SentenceIndex
from bot.engine.cache import AnswerCache
from bot.engine.documents.ingest import Paragraph
from bot.engine.documents.qa import qa_teachings
from bot.engine.index.store import StoredIndex
from bot.engine.judge import lexical
from bot.engine.judge.answerable import answerable
from bot.engine.judge.evidence import Evidence, Gauge
from bot.engine.judge.nullmodel import NullModel, RefusalRule
from bot.engine.library import Library
from bot.engine.question.asking import asked_for
from bot.engine.question.concepts import Concepts, Words
from bot.engine.question.crosslingual import Translator
from bot.engine.question.followup import is_follow_up, resolve
from bot.engine.question.sections import asked_place, asks_only_where
from bot.engine.question.short_names import ShortNames
from bot.engine.question.strays import Strays
from bot.engine.question.taught_match import Match
from bot.engine.question.titles import Titles, is_title
from bot.engine.rank.bm25 import LexicalIndex
from bot.engine.rank.hybrid import HybridRetriever, Query, Ranking
from bot.engine.rank.kinds import KINDS, holding_first
from bot.engine.rank.places import first_in_place, named_first
from bot.engine.reading import QuestionReader
from bot.engine.taught import NO, Taught
from bot.engine.text.named import names_place
from bot.engine.text.normalize import normalize
from bot.engine.text.script import documents_are_cjk, has_content, printable
from bot.engine.text.sentences import split_sentences
from bot.engine.text.tokenize import tokenize
from bot.engine.types import Answer, Hit, Teaching, Turn
from config.settings import Settings
from embeddings.encoder import Encoder

EVIDENCE_PARAGRAPHS = 3  # sentences of this many top paragraphs are scored together
CANDIDATES = 3  # paragraphs offered to choose from when the judge is unsure


@dataclass(frozen=True)
class Asking:
    """A question as its asker wrote it (``written``) and the turn it follows up on (None: a
    new question); the engine answers it made whole with that turn."""

    written: str
    thread: Turn | None = None


@dataclass(frozen=True)
class Lessons:
    """What is taught, as applied to one index, and the answers cached under it. Teaching
    swaps both as one object, so a question reads both from the same lesson."""

    taught: Taught
    cache: AnswerCache


@dataclass
class SearchService:
    """Answers questions from one read-only index (swap the whole service to reload), with
    the ``lessons`` taught (swapped whole by ``teach``, the one thing that changes)."""

    settings: Settings
    encoder: Encoder
    stored: StoredIndex
    second: Encoder | None = None
    rule: RefusalRule = field(default_factory=RefusalRule)

    def __post_init__(self) -> None:
        faiss.omp_set_num_threads(self.settings.retrieval.faiss_threads)
        s, a = self.stored, self.stored.arrays
        self.lexical = LexicalIndex(s.terms, s.postings)
        self.retriever = HybridRetriever(
            s.passages, s.faiss_index, self.lexical, a.sparse, a.second, pending=a.pending)
        background = a.background if a.background is not None else np.zeros((0, s.manifest.dim), np.float32)
        cjk = s.manifest.cjk
        if cjk is None:  # an index from before the manifest kept the documents' script
            cjk = documents_are_cjk([p.text for p in s.paragraphs])
        self.null = NullModel(background, a.background_sparse, a.background_second, cjk)
        self.translator: Translator | None = None
        if self.settings.retrieval.crosslingual:
            self.translator = Translator(self.lexical, self.null.cjk)
        self.sentences = SentenceIndex(s.paragraphs, a.sentences, a.sentence_counts)
        self.picker = Picker(self.sentences, by_second=bool(s.manifest.second_model))
        self.concepts = Concepts(self.lexical.df, a.vocabulary)
        self.reader = QuestionReader(
            self.encoder, self.second, self.concepts, self.lexical, self.translator, self.null.cjk
        )
        lexical = self.lexical
        self.short_names = ShortNames([p.text for p in s.paragraphs if p.servable], lexical.df)
        self.strays = Strays(self.concepts.knows, lexical.df, lexical.size, self.reader.encode_words)
        self.info = s.info()
        self.library = Library(s.paragraphs, self.info.documents, s.fields)
        english = None if self.translator is None or not self.null.cjk else self.translator.renderings
        self.titles = Titles.of(s.paragraphs, self.info.documents, english)  # + English titles
        titled = tuple(f for forms in self.titles.forms.values() for f in forms)  # known by the library
        self.gauge = Gauge(self.lexical, self.concepts, self.sentences, self.null.cjk, titled)
        self.lessons = Lessons(NO, AnswerCache(self.settings.retrieval.answer_cache, self.info.built_at))
        self.own = tuple(qa_teachings(s.paragraphs))  # what the 问答 documents teach themselves
        self._taught_vectors: dict[str, tuple[np.ndarray, ...]] = {}
        self.teach(())

    def teach(self, teachings: Sequence[Teaching]) -> Taught:
        """Answer with ``teachings`` (what admins taught, from the state store; the 问答
        documents' own come first and a taught wording overrides them) from now on; returns
        them as applied to this index (``Taught.stale``: paragraphs gone). Cached answers
        are dropped: the new lesson starts with an empty cache."""
        paragraphs, vectors = self.stored.paragraphs, self._taught_vectors
        taught = Taught.build([*self.own, *teachings], paragraphs, self.reader.encode_taught, vectors)
        cache = AnswerCache(self.settings.retrieval.answer_cache, f"{self.info.built_at}#{id(taught)}")
        self.lessons = Lessons(taught, cache)
        return taught

    @property
    def taught(self) -> Taught:
        """What is taught, as applied to this index."""
        return self.lessons.taught

    @property
    def cache(self) -> AnswerCache:
        """The answers cached under the current lesson."""
        return self.lessons.cache

    def ask(
        self, question: str, k: int | None = None, offset: int = 0, context: Turn | None = None
    ) -> Answer:
        """The answer to one question: covered or not, extractive answer, cited paragraphs.

        ``context`` is the previous turn of the same conversation (``Answer.turn`` of the
        last answer, while still fresh): a follow-up is understood with it.
        """
        return self.ask_batch([question], k, offset, [context])[0]

    def ask_batch(
        self,
        questions: Sequence[str],
        k: int | None = None,
        offset: int = 0,
        contexts: Sequence[Turn | None] | None = None,
    ) -> list[Answer]:
        """Answers to several questions (each with its own context), embedded in one batch.
        A question asked before (same words, no context) is answered from the cache."""
        start = time.perf_counter()
        lesson = self.lessons  # one lesson for the whole batch, whatever is taught meanwhile
        k = k or self.settings.retrieval.top_k
        asked = [printable(q).strip() for q in questions]  # no control or bidi characters
        contexts = list(contexts or [None] * len(asked))
        threads = [self.reader.thread(q, c) for q, c in zip(asked, contexts, strict=True)]
        texts = [q if t is None else resolve(q, t) for q, t in zip(asked, threads, strict=True)]
        texts = [self.short_names.expand(t) for t in texts]  # 村委会 → 村民委员会
        norms = [normalize(t) for t in texts]
        keys = [  # a follow-up's answer depends on its thread: not cached; any other question is
            None if thread is not None else lesson.cache.key(norm, k, offset)
            for norm, thread in zip(norms, threads, strict=True)
        ]
        found = [None if key is None else lesson.cache.get(key) for key in keys]
        todo = [i for i, answer in enumerate(found) if answer is None]
        if todo:
            queries, words = self.reader.read([texts[i] for i in todo], [norms[i] for i in todo])
            for query, w, i in zip(queries, words, todo, strict=True):
                asking = Asking(asked[i], threads[i])
                new = threads[i] is None and not offset  # a new question, its first page
                taught = self._from_taught(lesson.taught, texts[i], query, k) if new else None
                found[i] = answer = taught or self._decide(texts[i], query, w, k, offset, asking)[0]
                if new and taught is None:  # "您是不是想问": taught.py
                    found[i] = answer = lesson.taught.suggested(answer, [query.vector, query.second])
                key = keys[i]
                if key is not None:
                    lesson.cache.put(key, answer)
        ms = (time.perf_counter() - start) * 1000 / max(len(texts), 1)
        done = zip(found, asked, texts, strict=True)
        library = len(self.info.documents)
        return [_as_asked(a, q, t, ms, library) for a, q, t in done if a is not None]

    def ask_judged(self, question: str, k: int | None = None) -> tuple[Answer, Evidence | None]:
        """The answer to one standalone question (never cached) and the evidence it was
        judged on (None when it was not judged: off-topic or empty). bench/calibrate.py
        fits the answerability model on these."""
        text = self.short_names.expand(question.strip())
        queries, words = self.reader.read([text], [normalize(text)])
        return self._decide(text, queries[0], words[0], k or self.settings.retrieval.top_k, 0, Asking(text))

    def _from_taught(self, taught: Taught, question: str, query: Query, k: int) -> Answer | None:
        """The answer ``taught`` for ``question`` (bot/engine/taught.py), or None."""
        match: Match | None = taught.match(question, [query.vector, query.second], self.strays)
        if match is None:
            return None
        others = self._hits(self.retriever.rank(query), k, 0)
        asked = asked_for(question)

        def bold(p: Paragraph) -> str:
            return self.picker.bold(query, (p.doc, p.number), p.text, asked)

        return taught.answer(question, match, others, k, bold, self.library.cite)

    def _decide(
        self, question: str, query: Query, words: Words, k: int, offset: int, asking: Asking
    ) -> tuple[Answer, Evidence | None]:
        """The answer, and the evidence the answerability model judged (None: off-topic)."""
        if not has_content(query.norm) or not self.retriever.passages:
            return Answer(question, "not_covered", "", ()), None
        named = self.titles.named(question)  # a question that names a document is asked of it
        if named:  # ... and its paragraphs told apart by its other words
            rest = normalize(self.titles.strip(question))
            query = replace(query, norm=rest) if has_content(rest) else query
        ranking = self.retriever.rank(query)
        placed = self._placed(ranking, asking.written, named)
        if placed is not None:  # "第七条讲了什么？": the documents have that place; quote it
            return self._answer_placed(question, query, placed, k, offset, asking), None
        margins = self.null.margins(query, ranking)
        if named:
            ranking = named_first(ranking, named, self.retriever.passages, self._is_title)
        ranking = self._holding_first(query, ranking, asking)
        hits = self._hits(ranking, k, offset)
        only_words = lexical.lexical_only(ranking, self.stored.arrays.pending)  # no vectors yet
        if not (only_words or self.rule.covered(margins)) or not hits:
            return Answer(question, "not_covered", "", hits), None
        alternatives = len(hits) if offset == 0 else 1  # a follow-up may answer from any cited
        chosen, extract = self._extract(question, query, ranking, asking, alternatives)
        elliptical = asking.thread is not None or is_follow_up(asking.written)  # its words miss its subject
        evidence = self.gauge.measure(query, ranking, margins, words, extract, elliptical)
        judged = lexical.verdict(evidence) if only_words else None
        if judged == "not_covered":
            return Answer(question, "not_covered", "", hits), evidence
        if judged == "related" or (judged is None and not answerable(evidence)):
            # unsure: the best sentence of the first paragraphs to choose from
            offered = self.picker.candidates(query, [(h.doc, h.paragraph) for h in hits], CANDIDATES)
            turn = Turn.of(question, hits)  # the whole question
            return Answer(question, "related", "", hits, turn=turn, candidates=offered), evidence
        if chosen:  # a follow-up's new information is in another cited paragraph
            hits = (hits[chosen], *hits[:chosen], *hits[chosen + 1 :])
        answer = Answer(question, "answered", extract.text, hits, turn=Turn.of(question, hits, extract.text))
        return answer, evidence

    def _holding_first(self, query: Query, ranking: Ranking, asking: Asking) -> Ranking:
        """A new question that wants a kind of fact: a close paragraph that holds it goes
        before one that does not (rank/kinds.py)."""
        asked = asked_for(asking.written)
        if asking.thread is not None or asked.kind not in KINDS:
            return ranking
        holds = self.picker.holding(query, asked)
        return holding_first(ranking, lambda passage: holds(self._key(passage)))

    def _hits(self, ranking: Ranking, k: int, offset: int) -> tuple[Hit, ...]:
        """The cited paragraphs of ``ranking[offset : offset + k]``."""
        out = []
        for r in ranking.items[offset : offset + k]:
            p = self.retriever.passages[r.passage]
            out.append(self.library.cite(self.library.paragraphs[(p.doc, p.paragraph)], r.fused))
        return tuple(out)

    def _placed(self, ranking: Ranking, written: str, docs: frozenset[str]) -> Ranking | None:
        """``ranking`` with the paragraphs where the question names first (rank/places.py),
        in the documents it names (any, when it names none)."""
        asked = asked_place(written)
        if not asked:
            return None
        return first_in_place(ranking, asked, self.retriever.passages, self.library.paragraphs, docs)

    def _is_title(self, passage: int) -> bool:
        """The passage is one of its document's titles (a title line of its own)."""
        doc, number = self._key(passage)
        return is_title(self.library.paragraphs[(doc, number)].text, self.titles.forms.get(doc, ()))

    def _answer_placed(
        self, question: str, query: Query, ranking: Ranking, k: int, offset: int, asking: Asking
    ) -> Answer:
        """The answer from the named place: the whole clause when that is all the question
        asks ("第七条讲了什么？", "监察法第十一条讲了什么？": the document's name aside), else
        the sentence that answers."""
        hits = self._hits(ranking, k, offset)
        opening = (split_sentences(hits[0].text) or [hits[0].text])[0]
        text = hits[0].text.strip() if asks_only_where(self.titles.strip(asking.written)) else ""
        if not text:
            text = self._extract(question, query, ranking, asking, 1)[1].text or opening
        return Answer(question, "answered", text, hits, turn=Turn.of(question, hits, text))

    def _extract(
        self, question: str, query: Query, ranking: Ranking, asking: Asking, alternatives: int
    ) -> tuple[int, Extract]:
        """The answer sentence(s) from the sentences of the best EVIDENCE_PARAGRAPHS
        paragraphs, and which of them they come from (answer/pick.py)."""
        keys = [self._key(r.passage) for r in ranking.items[:EVIDENCE_PARAGRAPHS]]
        return self.picker.extract(question, query, keys, asking.written, asking.thread, alternatives)

    def _key(self, row: int) -> tuple[str, int]:
        p = self.retriever.passages[row]
        return p.doc, p.paragraph

    def warm_up(self) -> None:
        """Run every model once so the first user does not pay for lazy loading."""
        with self.reader.lock:
            self.encoder.encode_queries_and_sparse(["warm up"])
            if self.second is not None:
                self.second.encode_queries(["warm up"])
        tokenize("预热")  # jieba loads its dictionary on first use (~1 s)
        names_place("预热")  # ... and its part-of-speech model (asked kinds: text/named.py)
        if self.translator is not None:
            _ = self.translator.glossary  # the dictionary is read once per process (~1.4 s)

    def close(self) -> None:
        """Release what the service holds (the index is read-only; nothing to flush)."""
        self.library.close()


def _as_asked(answer: Answer, question: str, understood: str, ms: float, library: int) -> Answer:
    """A (possibly cached) answer, as the answer to ``question`` as this user wrote it; its
    turn keeps the question as understood (a follow-up made whole), and it says how many
    documents the index holds (``library``: the reply's wording)."""
    turn = answer.turn and replace(answer.turn, question=understood)
    return replace(answer, question=question, ms=ms, turn=turn, library=library)


__all__ = ["SearchService"]
