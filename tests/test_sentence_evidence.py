"""bot/engine/answer/sentence_evidence.py: sentence rows per paragraph, lexical and embedding evidence."""

from __future__ import annotations

import numpy as np

from bot.engine.answer.sentence_evidence import TRANSLATED_WEIGHT, SentenceIndex, paragraph_sentences
from bot.engine.documents.ingest import parse_document
from bot.engine.text.normalize import normalize
from bot.engine.text.tokenize import tokenize
from embeddings.encoder import HashingEncoder

DOC = "标题\n\n共有考核指标31项。大致都与属地责任有关。\n\n刘刚\n\n问责本身不是目的。而是一种手段。"


def test_sentences_of_servable_paragraphs_in_reading_order() -> None:
    paragraphs = parse_document("a.txt", DOC)
    found = [(s.paragraph, s.index, s.text) for s in paragraph_sentences(paragraphs)]
    assert (2, 0, "共有考核指标31项。") in found and (2, 1, "大致都与属地责任有关。") in found
    assert all(p != 3 for p, _, _ in found)  # the byline is not servable
    index = SentenceIndex(paragraphs)
    assert [index.sentences[r].text for r in index.rows("a.txt", 4)] == [
        "问责本身不是目的。",
        "而是一种手段。",
    ]


def test_lexical_evidence_favours_the_sentence_with_the_question_words() -> None:
    index = SentenceIndex(parse_document("a.txt", DOC))
    rows = index.rows("a.txt", 2) + index.rows("a.txt", 4)
    scores = index.scores(normalize("问责的目的是什么？"), None, rows)
    assert int(np.argmax(scores)) == 2


def test_vectors_add_embedding_evidence_and_mismatched_vectors_are_dropped() -> None:
    paragraphs = parse_document("a.txt", DOC)
    encoder = HashingEncoder(64)
    vectors = encoder.encode_passages([s.text for s in paragraph_sentences(paragraphs)])
    index = SentenceIndex(paragraphs, vectors)
    rows = index.rows("a.txt", 2)
    question = "Which relation do the indicators have?"
    with_vectors = index.scores(normalize(question), encoder.encode_queries([question])[0], rows)
    assert with_vectors.any()  # no shared words: the embedding alone ranks
    assert SentenceIndex(paragraphs, vectors[:2]).vectors is None


def test_a_question_in_the_other_language_is_matched_by_its_translated_terms() -> None:
    index = SentenceIndex(parse_document("a.txt", DOC))
    rows = index.rows("a.txt", 2) + index.rows("a.txt", 4)
    question = normalize("What is the purpose of accountability?")
    assert not index.scores(question, None, rows).any()  # no shared word, no vectors: no evidence
    terms = dict.fromkeys(tokenize(normalize("问责目的")), 1.0)  # as crosslingual.py renders it
    translated = index.scores(question, None, rows, terms)
    assert int(np.argmax(translated)) == 2  # 问责本身不是目的。
    # the same words asked in the documents' language count fully; translated, at a discount
    own = index.scores(normalize("问责目的"), None, rows)
    assert np.allclose(translated, TRANSLATED_WEIGHT * own)


def test_translated_terms_weigh_by_their_weight() -> None:
    index = SentenceIndex(parse_document("a.txt", DOC))
    rows = index.rows("a.txt", 2)  # 共有考核指标31项。 / 大致都与属地责任有关。
    question = normalize("indicators and territorial responsibility")
    lexical = index.lexical(question, rows, {"指标": 1.0, "属地": 0.2})
    assert lexical[0] > lexical[1] > 0
    lexical = index.lexical(question, rows, {"指标": 0.2, "属地": 1.0})
    assert lexical[1] > lexical[0] > 0
