"""The index on disk: round trip (lexical counts included), damage, old formats and model mismatch
(rebuilt, not crashed), atomic saves."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import faiss
import numpy as np
import pytest
from scipy import sparse

from bot.engine.documents.ingest import READING, load_documents
from bot.engine.index.build import build_index, is_fresh, known_documents
from bot.engine.index.faiss_index import vectors_of
from bot.engine.index.mapped import RowFile
from bot.engine.index.store import FORMAT_VERSION, MANIFEST, StoredIndex, StoreError, load, save
from bot.engine.lifecycle import open_service
from bot.engine.rank.bm25 import LexicalIndex
from config.settings import Settings
from embeddings.encoder import HashingEncoder

QUESTION = "街道年终考核一共有多少项指标？"


class CountingEncoder(HashingEncoder):
    """HashingEncoder that counts the passages it embeds and may claim another model id."""

    def __init__(self, dim: int = 256, name: str | None = None) -> None:
        super().__init__(dim)
        self._name = name
        self.passages_encoded = 0

    @property
    def model_id(self) -> str:
        return self._name or super().model_id

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_encoded += len(texts)
        return super().encode_passages(texts)


def _build(settings: Settings, encoder: HashingEncoder | None = None) -> StoredIndex:
    stored, _ = build_index(settings, encoder or HashingEncoder(256), load_documents(settings.docs_dir))
    return stored


@pytest.fixture
def saved(fake_settings: Settings) -> StoredIndex:
    stored = _build(fake_settings)
    save(fake_settings.index_dir, stored)
    return stored


def test_save_then_load_gives_the_same_index(fake_settings: Settings, saved: StoredIndex) -> None:
    loaded = load(fake_settings.index_dir)
    assert loaded.manifest == saved.manifest
    assert loaded.passages == saved.passages
    assert loaded.paragraphs == saved.paragraphs
    np.testing.assert_array_equal(vectors_of(loaded.faiss_index), vectors_of(saved.faiss_index))
    assert loaded.arrays.background is not None and saved.arrays.background is not None
    np.testing.assert_array_equal(loaded.arrays.background, saved.arrays.background)
    query = HashingEncoder(256).encode_queries([QUESTION])
    before, after = saved.faiss_index.search(query, 5), loaded.faiss_index.search(query, 5)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0])


def test_lexical_counts_survive_the_round_trip(fake_settings: Settings, saved: StoredIndex) -> None:
    loaded = load(fake_settings.index_dir)
    assert loaded.terms.vocabulary == saved.terms.vocabulary
    assert (loaded.terms.counts != saved.terms.counts).nnz == 0
    assert loaded.terms.counts.indices.dtype == np.int32
    question = "街道年终考核一共有多少项指标"
    before = LexicalIndex(saved.terms, saved.postings).scores(question)
    np.testing.assert_array_equal(LexicalIndex(loaded.terms, loaded.postings).scores(question), before)
    np.testing.assert_array_equal(LexicalIndex(loaded.terms).scores(question), before)  # rebuilt postings
    assert isinstance(loaded.arrays.sentences, RowFile)  # read a few rows at a time
    assert saved.arrays.sentences is not None
    np.testing.assert_array_equal(np.asarray(loaded.arrays.sentences), saved.arrays.sentences)
    rows = [3, 1, 2]
    np.testing.assert_array_equal(loaded.arrays.sentences[rows], np.asarray(saved.arrays.sentences)[rows])


def test_index_folder_holds_named_files_and_a_descriptive_manifest(
    fake_settings: Settings, saved: StoredIndex
) -> None:
    folder = fake_settings.index_dir
    names = {p.name for p in folder.iterdir()}
    assert {"manifest.json", "passages.json", "paragraphs.json", "index.faiss", "background.npy"} <= names
    assert {"terms.vocabulary.json", "terms.indptr.npy", "terms.ids.npy", "terms.counts.npy"} <= names
    assert {"bm25.indptr.npy", "bm25.rows.npy", "bm25.weights.npy"} <= names
    assert "vectors.npy" not in names  # the vectors live in index.faiss only
    assert not [n for n in names if n.endswith((".pkl", ".pickle"))]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["model"] == "hashing-256" and manifest["dim"] == 256
    assert manifest["normalized"] is True and manifest["metric"] == "inner_product"
    assert set(manifest["documents"]) == {"article.txt"} and manifest["built_at"]
    assert manifest["passages"] == len(saved.passages) == 36
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["arrays"] == ["background", "sentence_counts", "sentence_hashes", "sentences"]
    norms = np.linalg.norm(vectors_of(faiss.read_index(str(folder / "index.faiss"))), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_sparse_matrices_survive_the_round_trip(fake_settings: Settings, saved: StoredIndex) -> None:
    rng = np.random.default_rng(0)
    matrix = sparse.random(len(saved.passages), 50, density=0.1, format="csr", dtype=np.float32, rng=rng)
    save(fake_settings.index_dir, replace(saved, arrays=replace(saved.arrays, sparse=matrix)))
    loaded = load(fake_settings.index_dir)
    assert "sparse" in loaded.manifest.arrays
    assert loaded.arrays.sparse is not None and (loaded.arrays.sparse != matrix).nnz == 0


def _truncate(name: str, keep: float) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: int(len(data) * keep)])

    return damage


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


def _drop_last_passage(folder: Path) -> None:
    table = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
    last = table["documents"][-1]
    for column in ("paragraph", "part", "hash", "text", "norm"):
        last[column].pop()
    (folder / "passages.json").write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")


def _postings_of_fewer_terms(folder: Path) -> None:
    indptr = np.load(folder / "bm25.indptr.npy")
    np.save(folder / "bm25.indptr.npy", indptr[:-1].copy(), allow_pickle=False)


def _counts_of_fewer_passages(folder: Path) -> None:
    indptr = np.load(folder / "terms.indptr.npy")
    np.save(folder / "terms.indptr.npy", indptr[:-1].copy(), allow_pickle=False)


def _manifest_field(key: str, value: object) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        data[key] = value
        (folder / MANIFEST).write_text(json.dumps(data), encoding="utf-8")

    return damage


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated index.faiss": _truncate("index.faiss", 0.5),
    "truncated terms.ids.npy": _truncate("terms.ids.npy", 0.5),
    "terms.counts.npy cut inside its header": _truncate("terms.counts.npy", 0.3 / 100),
    "invalid manifest JSON": _write(MANIFEST, '{"format": 2, "model": '),
    "manifest is a list": _write(MANIFEST, "[1, 2, 3]"),
    "manifest of another format": _manifest_field("format", 99),
    "manifest naming an unknown array": _manifest_field("arrays", ["background", "mystery"]),
    "missing index.faiss": lambda folder: (folder / "index.faiss").unlink(),
    "garbage index.faiss": _write("index.faiss", "not a faiss index"),
    "garbage passages.json": _write("passages.json", "{not json\n"),
    "passages.json of another shape": _write("passages.json", "[1, 2]"),
    "truncated bm25.weights.npy": _truncate("bm25.weights.npy", 0.5),
    "postings of another vocabulary": _postings_of_fewer_terms,
    "garbage vocabulary": _write("terms.vocabulary.json", "[1, 2"),
    "passages fewer than vectors": _drop_last_passage,
    "term counts of fewer passages": _counts_of_fewer_passages,
    "missing background.npy": lambda folder: (folder / "background.npy").unlink(),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_damaged_index_raises_store_error_saying_it_will_be_rebuilt(
    fake_settings: Settings, saved: StoredIndex, damage: str
) -> None:
    DAMAGE[damage](fake_settings.index_dir)
    with pytest.raises(StoreError, match="will be rebuilt"):
        load(fake_settings.index_dir)


def test_empty_counts_file_raises_store_error(fake_settings: Settings, saved: StoredIndex) -> None:
    (fake_settings.index_dir / "terms.counts.npy").write_bytes(b"")
    with pytest.raises(StoreError, match="will be rebuilt"):
        load(fake_settings.index_dir)


def test_an_index_of_the_previous_format_says_it_will_be_rebuilt(
    fake_settings: Settings, saved: StoredIndex, caplog: pytest.LogCaptureFixture
) -> None:
    _manifest_field("format", 2)(fake_settings.index_dir)
    with pytest.raises(StoreError, match=r"format 2, this qabot reads format 3; it will be rebuilt"):
        load(fake_settings.index_dir)
    with caplog.at_level(logging.WARNING, logger="bot.engine.service"):
        service = open_service(fake_settings)
    assert any("format 2" in r.getMessage() for r in caplog.records)
    assert load(fake_settings.index_dir).manifest.format == FORMAT_VERSION
    assert service.ask(QUESTION).hits


def test_second_model_vectors_of_the_wrong_size_are_rebuilt(fake_settings: Settings) -> None:
    encoders = {"encoder": HashingEncoder(256), "second": HashingEncoder(64)}
    open_service(fake_settings, **encoders)
    second = np.load(fake_settings.index_dir / "second.npy")
    np.save(fake_settings.index_dir / "second.npy", second[:-1].copy(), allow_pickle=False)
    service = open_service(fake_settings, **encoders)
    assert service.ask(QUESTION).hits


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="qabot index"):
        load(tmp_path / "nothing-here")


@pytest.mark.parametrize(
    "damage",
    ["truncated index.faiss", "invalid manifest JSON", "truncated terms.ids.npy",
     "passages fewer than vectors"],
)
def test_open_service_rebuilds_a_damaged_index_and_answers(
    fake_settings: Settings, saved: StoredIndex, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    DAMAGE[damage](fake_settings.index_dir)
    with caplog.at_level(logging.WARNING, logger="bot.engine.service"):
        service = open_service(fake_settings)
    assert any("will be rebuilt" in r.getMessage() for r in caplog.records)
    answer = service.ask(QUESTION)
    assert answer.answered and answer.hits[0].paragraph == 8
    assert load(fake_settings.index_dir).passages == saved.passages  # repaired on disk


@pytest.mark.parametrize(("dim", "name"), [(128, None), (256, "another-model-256")])
def test_index_built_with_another_model_is_rebuilt(
    fake_settings: Settings, saved: StoredIndex, dim: int, name: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    encoder = CountingEncoder(dim, name)
    with caplog.at_level(logging.INFO, logger="bot.engine.index.build"):
        service = open_service(fake_settings, encoder=encoder)
    assert any("built with model 'hashing-256'" in r.getMessage() for r in caplog.records)
    manifest = load(fake_settings.index_dir).manifest
    assert (manifest.model, manifest.dim) == (encoder.model_id, dim)
    assert encoder.passages_encoded >= len(saved.passages)  # nothing reused from the other model
    assert service.retriever.passages == saved.passages
    assert service.ask(QUESTION).hits


def test_index_built_with_another_second_model_is_rebuilt(fake_settings: Settings) -> None:
    open_service(fake_settings, encoder=HashingEncoder(256), second=HashingEncoder(64))
    assert load(fake_settings.index_dir).manifest.second_model == "hashing-64"
    service = open_service(fake_settings, encoder=HashingEncoder(256), second=HashingEncoder(32))
    stored = load(fake_settings.index_dir)
    assert stored.manifest.second_model == "hashing-32"
    assert stored.arrays.second is not None and stored.arrays.second.shape == (len(stored.passages), 32)
    assert service.ask(QUESTION).hits


def test_fresh_index_is_loaded_without_embedding_anything(
    fake_settings: Settings, saved: StoredIndex
) -> None:
    encoder = CountingEncoder(256)
    service = open_service(fake_settings, encoder=encoder)
    assert encoder.passages_encoded == 0
    assert service.info.built_at == saved.manifest.built_at


def _versions(index_dir: Path) -> list[str]:
    """Version folders, temp folders and temp links that belong to ``index_dir``."""
    name = index_dir.name
    return sorted(
        p.name for p in index_dir.parent.iterdir() if p.name.startswith((f"{name}.", f".{name}."))
    )


def test_save_swaps_a_symlink_and_keeps_one_version(fake_settings: Settings, saved: StoredIndex) -> None:
    index_dir = fake_settings.index_dir
    assert index_dir.is_symlink()
    first = index_dir.resolve()
    save(index_dir, replace(saved, manifest=replace(saved.manifest, built_at="second")))
    assert index_dir.is_symlink() and index_dir.resolve() != first
    assert not first.exists()
    assert _versions(index_dir) == [index_dir.resolve().name]
    assert load(index_dir).manifest.built_at == "second"


def test_failed_save_leaves_the_previous_index_and_no_temp_folder(
    fake_settings: Settings, saved: StoredIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = fake_settings.index_dir
    before = _versions(index_dir)

    def broken_write(index: faiss.Index, path: str) -> None:
        Path(path).write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken_write)
    changed = replace(saved, manifest=replace(saved.manifest, built_at="never"))
    with pytest.raises(RuntimeError, match="disk full"):
        save(index_dir, changed)
    assert _versions(index_dir) == before  # no temp folder, no half version
    loaded = load(index_dir)
    assert loaded.manifest == saved.manifest


def test_a_plain_index_folder_is_replaced_by_a_versioned_link(
    fake_settings: Settings, saved: StoredIndex, tmp_path: Path
) -> None:
    plain = tmp_path / "plain" / "index"
    plain.parent.mkdir()
    save(plain, saved)
    target = plain.resolve()
    plain.unlink()
    target.rename(plain)  # a plain folder, e.g. copied from elsewhere
    save(plain, replace(saved, manifest=replace(saved.manifest, built_at="new")))
    assert plain.is_symlink()
    assert load(plain).manifest.built_at == "new"
    assert asdict(load(plain).passages[0]) == asdict(saved.passages[0])


def test_sections_pages_and_document_fields_survive_the_round_trip(fake_settings: Settings) -> None:
    law = "# 某某条例\n\n## 第一章 总则\n\n第一条 为了规范管理，制定本条例。\n\n"
    law += "第二条 本条例适用于本市。\n\n第三条 由市政府负责。\n"
    (fake_settings.docs_dir / "条例.md").write_text(law, encoding="utf-8")
    stored = _build(fake_settings)
    save(fake_settings.index_dir, stored)
    loaded = load(fake_settings.index_dir)
    assert loaded.paragraphs == stored.paragraphs
    assert [p.section for p in loaded.paragraphs if p.doc == "条例.md"] == [
        "", "第一章", "第一章 第一条", "第一章 第二条", "第一章 第三条"]
    assert loaded.fields["条例.md"]["title"] == "某某条例"
    assert FORMAT_VERSION >= 3  # the paragraphs' model changed: older indexes are rebuilt


def test_an_index_read_by_older_readers_re_reads_its_files(fake_settings: Settings) -> None:
    stored = _build(fake_settings)
    older = replace(stored, manifest=replace(stored.manifest, reading=READING - 1))
    assert known_documents(older) == {}
    assert not is_fresh(older, fake_settings, HashingEncoder(256), load_documents(fake_settings.docs_dir))
    assert known_documents(stored) and is_fresh(stored, fake_settings, HashingEncoder(256),
                                                 load_documents(fake_settings.docs_dir))
