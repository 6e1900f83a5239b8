"""The arrays the answer step reads, built with the index: a vector per sentence of every
servable paragraph (bot/engine/answer/sentence_evidence.py) and a vector per document word
(bot/engine/index/vocabulary.py, read by bot/engine/question/concepts.py).

Like the passages' vectors they are reused across builds in vectorised steps, so a reload
costs what changed: a paragraph whose text did not change keeps its sentences' rows (and its
sentence count, so unchanged documents are not split into sentences again); words already
embedded keep theirs. The words come from the lexical vocabulary (terms that occur), not from
tokenizing every passage again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.engine.documents.ingest import Paragraph
from bot.engine.index.mapped import Scratch, release
from bot.engine.index.store import StoredIndex
from bot.engine.index.terms import Postings, TermCounts
from bot.engine.index.vocabulary import vocabulary, vocabulary_vectors
from bot.engine.text.sentences import sentence_texts
from embeddings.encoder import Encoder


def sentence_arrays(
    model: Encoder, paragraphs: Sequence[Paragraph], previous: StoredIndex | None, same_model: bool,
    batch: int, scratch: Scratch | None = None, stale: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectors of every sentence of the servable paragraphs in order, sentences per
    paragraph, and a hash per sentence. An unchanged paragraph keeps its rows whole (it is
    not even split into sentences again); a sentence of a changed paragraph whose text was
    in the previous index keeps its vector. With ``scratch`` the vectors are written through
    a file there, not held in memory. ``stale``: previous sentence rows not to reuse (left
    for later by a staged build, bot/engine/index/stages.py)."""
    servable = [p for p in paragraphs if p.servable]
    old = previous.arrays if previous is not None else None
    old_counts = None if old is None or old.sentence_counts is None else np.asarray(old.sentence_counts)
    old_hashes = None if old is None or old.sentence_hashes is None else np.asarray(old.sentence_hashes)
    source = np.full(len(servable), -1, dtype=np.int64)
    if previous is not None and old_counts is not None and old_hashes is not None:
        before = [p for p in previous.paragraphs if p.servable]
        if len(before) == len(old_counts):
            source = _match(before, servable)
        if stale is not None and len(stale):  # neither their paragraphs whole nor their hashes
            old_hashes = old_hashes.copy()
            old_hashes[stale] = 0
            holding = np.unique(np.searchsorted(np.cumsum(old_counts, dtype=np.int64), stale, side="right"))
            source = np.where(np.isin(source, holding), -1, source)
    kept, fresh = np.flatnonzero(source >= 0), np.flatnonzero(source < 0)
    split = {int(i): sentence_texts(servable[i].text) for i in fresh}
    counts = np.zeros(len(servable), dtype=np.int32)
    counts[fresh] = [len(split[int(i)]) for i in fresh]
    if old_counts is not None:
        counts[kept] = old_counts[source[kept]]
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
    shape = (int(offsets[-1]), model.dim)
    vectors = scratch.array("sentences", shape, np.float32) if scratch else np.zeros(shape, np.float32)
    hashes = np.zeros(shape[0], dtype=np.uint64)
    texts = [t for i in fresh for t in split[int(i)]]
    rows = _rows(offsets, counts, fresh)
    hashes[rows] = [_hash(t) for t in texts]
    old_vectors = old.sentences if old is not None and same_model else None
    if len(kept) and old_counts is not None and old_hashes is not None:
        old_offsets = np.concatenate([[0], np.cumsum(old_counts, dtype=np.int64)])
        to, take = _rows(offsets, counts, kept), _rows(old_offsets, old_counts, source[kept])
        hashes[to] = old_hashes[take]
        if old_vectors is not None:
            _copy(vectors, to, old_vectors, take, scratch)
    todo = np.arange(len(rows))
    if old_vectors is not None and old_hashes is not None and len(rows):
        found = _match_hashes(old_hashes, hashes[rows])
        again = np.flatnonzero(found >= 0)
        _copy(vectors, rows[again], old_vectors, found[again], scratch)
        todo = np.flatnonzero(found < 0)
    if old_vectors is not None:
        release(old_vectors)  # read once
    if old_vectors is None and len(kept):  # another model: every sentence anew
        rows = np.arange(shape[0])
        texts = [t for p in servable for t in sentence_texts(p.text)]
        todo = rows
    for start in range(0, len(todo), batch):
        part = todo[start : start + batch]
        vectors[rows[part]] = model.encode_passages([texts[i] for i in part])
        if scratch is not None and (start // batch) % 256 == 255:
            release(vectors)
    release(vectors)
    return vectors, counts, hashes


def word_vectors(
    model: Encoder, terms: TermCounts, postings: Postings, previous: StoredIndex | None, same_model: bool
) -> np.ndarray:
    """A vector per document word (the lexical terms that occur), by ``model``; words of the
    previous index keep theirs."""
    old: dict[str, np.ndarray] = {}
    if same_model and previous is not None and previous.arrays.vocabulary is not None:
        before = _words(previous.terms, previous.postings)
        if len(before) == len(previous.arrays.vocabulary):
            vectors = previous.arrays.vocabulary
            made = np.flatnonzero(np.asarray(vectors).any(axis=1)).tolist()  # a zero row: left for later
            old = {before[i]: vectors[i] for i in made}
    return vocabulary_vectors(_words(terms, postings), lambda w: model.encode_queries(w), old)


def _words(terms: TermCounts, postings: Postings) -> list[str]:
    occurs = np.diff(postings.indptr) > 0
    return vocabulary([t for t, found in zip(terms.vocabulary, occurs, strict=True) if found])


def _match(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> np.ndarray:
    """For each new paragraph, an old one with the same text (-1: none): candidates by the
    content hash (one sort, one search over 16-character hashes: an array of the texts
    themselves is fixed-width, 100k × the longest × 4 bytes, ~1 GB at 100k), then the texts
    compared (the hash is of the matching form; a different text only costs a re-split)."""
    if not old or not new:
        return np.full(len(new), -1, dtype=np.int64)
    found = _match_hashes(np.array([p.hash for p in old]), np.array([p.hash for p in new]))
    same = [j >= 0 and old[j].text == p.text for j, p in zip(found.tolist(), new, strict=True)]
    return np.where(same, found, -1).astype(np.int64)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _match_hashes(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """For each new hash, a row of ``old`` with the same hash (-1: none)."""
    order = np.argsort(old, kind="stable")
    at = np.minimum(np.searchsorted(old[order], new), len(old) - 1)
    return np.where(old[order][at] == new, order[at], -1).astype(np.int64)


def _copy(out: np.ndarray, to: np.ndarray, source: Any, take: np.ndarray, scratch: Scratch | None) -> None:
    if scratch is not None:
        scratch.fill(out, to, lambda part: source[take[part]], source)
    else:
        out[to] = source[take]


def _rows(offsets: np.ndarray, counts: np.ndarray, paragraphs: np.ndarray) -> np.ndarray:
    """The sentence rows of ``paragraphs`` (given each paragraph's first row and count),
    concatenated in order, without a Python loop."""
    sizes = counts[paragraphs].astype(np.int64)
    if not sizes.sum():
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(offsets[paragraphs] - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    return starts + np.arange(int(sizes.sum()))
