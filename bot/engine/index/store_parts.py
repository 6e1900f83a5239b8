"""How each part of an index is written to its named files and read back (bot/engine/index/store.py puts the
parts together and makes the save atomic).

    paragraphs.json      per document: the columns number, text, norm (null: same as text),
                         hash, servable, page, section, and the document's fields (title,
                         公文 elements); one JSON document, so reading 100k paragraphs is one
                         parse, not 100k
    passages.json        per document: paragraph, part, hash, text and norm, where a passage
                         that is a whole paragraph has null text and takes its paragraph's
    terms.vocabulary.json, terms.{indptr,ids,counts}.npy     lexical term counts (CSR)
    bm25.{indptr,rows,weights}.npy                           BM25 postings by term

The term counts are memory-mapped when read (a reload reads them); the postings are read
into memory (every question reads some). A build writes the counts through scratch files
(bot/engine/index/mapped.py), which are linked into the new version, not copied.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from bot.engine.documents.ingest import Paragraph, Passage
from bot.engine.index.mapped import filename, release
from bot.engine.index.terms import Postings, TermCounts

TERMS, BM25 = "terms", "bm25"


DocumentFields = Mapping[str, Mapping[str, str]]  # document name → its fields (ingest.Document.fields)


def write_paragraphs(path: Path, paragraphs: Sequence[Paragraph], fields: DocumentFields) -> None:
    _write_json(path, _paragraph_tables(paragraphs, fields))


def _paragraph_tables(paragraphs: Sequence[Paragraph], fields: DocumentFields) -> Iterator[dict[str, Any]]:
    for name, group in itertools.groupby(paragraphs, key=lambda p: p.doc):
        rows = list(group)
        yield {
            "name": name, "number": [p.number for p in rows], "text": [p.text for p in rows],
            "norm": [None if p.norm == p.text else p.norm for p in rows],
            "hash": [p.hash for p in rows], "servable": [p.servable for p in rows],
            "page": [p.page for p in rows], "section": [p.section for p in rows],
            "fields": dict(fields.get(name, {})),
        }


def read_paragraphs(path: Path) -> tuple[list[Paragraph], dict[str, dict[str, str]]]:
    """The paragraphs, and each document's fields by name."""
    out = []
    fields: dict[str, dict[str, str]] = {}
    for d in _read_json(path)["documents"]:
        name = d["name"]
        if d["fields"]:
            fields[name] = d["fields"]
        for number, text, norm, digest, servable, page, section in zip(
            d["number"], d["text"], d["norm"], d["hash"], d["servable"], d["page"], d["section"], strict=True
        ):
            norm = text if norm is None else norm
            out.append(Paragraph(name, number, text, norm, digest, servable, page, section))
    return out, fields


def write_passages(path: Path, passages: Sequence[Passage], paragraphs: Sequence[Paragraph]) -> None:
    _write_json(path, _passage_tables(passages, {(p.doc, p.number): p.hash for p in paragraphs}))


def _passage_tables(
    passages: Sequence[Passage], hashes: dict[tuple[str, int], str]
) -> Iterator[dict[str, Any]]:
    for name, group in itertools.groupby(passages, key=lambda p: p.doc):
        rows = list(group)
        whole = [p.part == 0 and hashes.get((p.doc, p.paragraph)) == p.hash for p in rows]
        yield {
            "name": name, "paragraph": [p.paragraph for p in rows], "part": [p.part for p in rows],
            "hash": [p.hash for p in rows],
            "text": [None if w else p.text for p, w in zip(rows, whole, strict=True)],
            "norm": [None if w else p.norm for p, w in zip(rows, whole, strict=True)],
        }


def read_passages(path: Path, paragraphs: Sequence[Paragraph]) -> list[Passage]:
    by_key = {(p.doc, p.number): p for p in paragraphs}
    out = []
    for d in _read_json(path)["documents"]:
        name = d["name"]
        for number, part, digest, text, norm in zip(
            d["paragraph"], d["part"], d["hash"], d["text"], d["norm"], strict=True
        ):
            if text is not None:
                out.append(Passage(name, number, part, text, norm, digest))
                continue
            p = by_key[(name, number)]  # a whole paragraph: its strings
            if p.hash != digest:
                raise ValueError(f"passage of ¶{number} in {name} does not match its paragraph")
            out.append(Passage(name, number, 0, p.text, p.norm, p.hash))
    return out


def write_terms(folder: Path, terms: TermCounts) -> None:
    counts = terms.counts
    (folder / f"{TERMS}.vocabulary.json").write_text(json.dumps(terms.vocabulary, ensure_ascii=False))
    _save(folder, TERMS, indptr=(counts.indptr, np.int64), ids=(counts.indices, np.int32),
          counts=(counts.data, np.uint16))


def read_terms(folder: Path) -> TermCounts:
    """The lexical term counts of the index in ``folder``, memory-mapped."""
    vocabulary = tuple(json.loads((folder / f"{TERMS}.vocabulary.json").read_text(encoding="utf-8")))
    indptr, ids, counts = _map(folder, TERMS, "indptr", "ids", "counts")
    fits = ids.dtype == np.int32 and counts.dtype == np.uint16 and len(ids) == len(counts)
    if not fits or not len(indptr) or indptr[-1] != len(ids):
        raise ValueError(f"term count arrays in {folder} do not fit together")
    shape = (len(indptr) - 1, len(vocabulary))
    return TermCounts(vocabulary, sparse.csr_matrix((counts, ids, np.asarray(indptr)), shape=shape))


def write_postings(folder: Path, postings: Postings) -> None:
    _save(folder, BM25, indptr=(postings.indptr, np.int64), rows=(postings.rows, np.int32),
          weights=(postings.weights, np.float32))


def read_postings(folder: Path, terms: TermCounts) -> Postings:
    """The BM25 postings of the index in ``folder``, checked against its terms. They are
    read into memory: every question reads some, and mapped pages of the page cache's large
    folios would become resident anyway (bot/engine/index/mapped.py)."""
    indptr, rows, weights = (np.load(folder / f"{BM25}.{p}.npy", allow_pickle=False)
                             for p in ("indptr", "rows", "weights"))
    fits = rows.dtype == np.int32 and weights.dtype == np.float32 and len(rows) == len(weights)
    if not fits or len(indptr) != len(terms.vocabulary) + 1 or indptr[-1] != len(rows):
        raise ValueError(f"BM25 postings in {folder} do not fit the term counts")
    return Postings(np.asarray(indptr), rows, weights)


def _save(folder: Path, prefix: str, **arrays: tuple[Any, type]) -> None:
    for part, (array, dtype) in arrays.items():
        target, written = folder / f"{prefix}.{part}.npy", filename(array)
        if written is not None and array.dtype == dtype:  # built through a file already: link it
            release(array)  # flushed; its pages need not stay resident
            os.link(written, target)
        else:
            np.save(target, np.asarray(array, dtype=dtype), allow_pickle=False)


def _map(folder: Path, prefix: str, *parts: str) -> list[np.ndarray]:
    return [np.load(folder / f"{prefix}.{p}.npy", mmap_mode="r", allow_pickle=False) for p in parts]


def _write_json(path: Path, documents: Iterable[dict[str, Any]]) -> None:
    """``{"documents": [...]}``, written one document at a time: the text of the whole table
    is never one string in memory (~180 MiB at 100k paragraphs)."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"documents":[')
        for i, document in enumerate(documents):
            out.write(("," if i else "") + json.dumps(document, ensure_ascii=False, separators=(",", ":")))
        out.write("]}")


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise ValueError(f"{path.name} is not an index table")
    return data
