"""Encoders: the shipped default model loads offline and behaves; the hashing fake is deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from config.settings import PROJECT_ROOT, EmbeddingSettings, load_settings
from embeddings.e5_engine import SPARSE_ONE_PASS, load_engine
from embeddings.encoder import (
    EncoderError,
    HashingEncoder,
    SentenceTransformerEncoder,
    load_encoder,
    load_second_encoder,
    resolve_model,
)
from embeddings.prompts import known_prompts

P8 = "上级对乡镇街道的年终考核中，重点工作分值最高，共有考核指标31项，大多与属地责任有关。"
P27 = "社区往往成为相关职能部门的“腿”，居委会不堪重负，没有时间为居民办实事。"


def _unit_rows(vectors: np.ndarray) -> None:
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_default_model_loads_offline_and_gives_384d_unit_vectors(no_network: None) -> None:
    settings = load_settings(env={}).embedding
    encoder = load_encoder(settings)  # sockets are blocked: anything downloaded would fail here
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert encoder.model_id == settings.model and encoder.dim == 384
    queries = encoder.encode_queries(["街道年终考核一共有多少项指标？", "What is accountability for?"])
    passages = encoder.encode_passages([P8, P27, "第三段"])
    assert queries.shape == (2, 384) and passages.shape == (3, 384)
    _unit_rows(queries)
    _unit_rows(passages)
    scores = passages[:2] @ queries[0]
    assert scores[0] > scores[1]  # the 31-indicator paragraph answers the question about indicators


@pytest.mark.slow
def test_query_and_passage_prompts_are_applied(real_encoder: SentenceTransformerEncoder) -> None:
    assert (real_encoder.query_prompt, real_encoder.passage_prompt) == ("query: ", "passage: ")
    text = "问责的目的是什么"
    as_query, as_passage = real_encoder.encode_queries([text])[0], real_encoder.encode_passages([text])[0]
    assert float(as_query @ as_passage) < 0.999
    np.testing.assert_allclose(real_encoder.encode_queries([text])[0], as_query, atol=1e-5)  # deterministic


@pytest.mark.slow
def test_sparse_head_returns_one_row_per_text(real_encoder: SentenceTransformerEncoder) -> None:
    texts = ["考核指标", "问责", "How do I cook fried rice?"]
    matrix = real_encoder.encode_sparse(texts)
    assert matrix is not None
    assert matrix.shape[0] == len(texts)
    assert all(matrix[i].nnz > 0 for i in range(len(texts)))
    assert matrix.dtype == np.float32


@pytest.mark.slow
def test_queries_and_sparse_come_from_one_call(real_encoder: SentenceTransformerEncoder) -> None:
    texts = ["街道年终考核一共有多少项指标？", "What is accountability for?"]
    dense, terms = real_encoder.encode_queries_and_sparse(texts)
    np.testing.assert_allclose(dense, real_encoder.encode_queries(texts), atol=1e-5)
    _unit_rows(dense)
    assert terms is not None and terms.shape[0] == 2 and terms.dtype == np.float32
    assert all(terms[i].nnz > 0 for i in range(2))


@pytest.mark.slow
def test_passages_and_sparse_come_from_one_pass_of_the_passage_prompt(
    real_encoder: SentenceTransformerEncoder,
) -> None:
    texts = [P8, P27, "第三段"]
    dense, terms = real_encoder.encode_passages_and_sparse(texts)
    np.testing.assert_array_equal(dense, real_encoder.encode_passages(texts))
    engine = load_engine("original", threads=1)  # the same library, another instance
    their_dense, their_terms = engine.dense_and_sparse(texts, is_query=False)
    np.testing.assert_allclose(dense, their_dense, atol=1e-6)
    assert terms is not None and their_terms is not None and (terms != their_terms).nnz == 0
    assert terms.dtype == np.float32 and all(terms[i].nnz > 0 for i in range(3))
    assert real_encoder.sparse_kind == SPARSE_ONE_PASS
    fake = HashingEncoder(64)
    assert fake.sparse_kind == "" and fake.encode_passages_and_sparse(texts)[1] is None


@pytest.mark.slow
def test_second_model_ships_offline_too(real_second: SentenceTransformerEncoder | None) -> None:
    assert real_second is not None
    assert real_second.model_id == load_settings(env={}).embedding.second_model
    vectors = real_second.encode_queries(["How many indicators are in the assessment?", P8, P27])
    _unit_rows(vectors)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])  # cross-lingual match


def test_no_second_model_when_it_is_empty() -> None:
    assert load_second_encoder(EmbeddingSettings(second_model="")) is None


@pytest.mark.parametrize("model", ["/nonexistent/qabot-model", "intfloat/not-a-real-model-qabot"])
def test_a_model_that_cannot_be_found_gives_encoder_error_with_a_hint(no_network: None, model: str) -> None:
    with pytest.raises(EncoderError) as info:
        load_encoder(EmbeddingSettings(model=model, second_model=""))
    message = str(info.value)
    assert model in message
    assert "QABOT_EMBEDDING_MODEL" in message and "sentence-transformers folder" in message


def test_model_paths_resolve_against_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    default = EmbeddingSettings().model
    assert resolve_model(default) == str(PROJECT_ROOT / default)
    assert resolve_model("BAAI/bge-small-zh-v1.5") == "BAAI/bge-small-zh-v1.5"  # a hub name stays


def test_known_prompts_of_well_known_models() -> None:
    assert known_prompts("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert known_prompts("/models/multilingual-e5-small/") == ("query: ", "passage: ")
    bge = known_prompts("BAAI/bge-small-zh-v1.5")
    assert bge is not None and bge[0] and bge[1] == ""
    assert known_prompts("some/unknown-model") is None


def test_hashing_encoder_is_deterministic_and_unit_length() -> None:
    texts = ["街道年终考核", "问责的目的", "Accountability"]
    a, b = HashingEncoder(128).encode_passages(texts), HashingEncoder(128).encode_queries(texts)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 128)
    _unit_rows(a)
    assert float(a[0] @ a[1]) < 0.99
    assert HashingEncoder(128).encode_sparse(texts) is None
    dense, terms = HashingEncoder(128).encode_queries_and_sparse(texts)
    np.testing.assert_array_equal(dense, a)
    assert terms is None


def test_hashing_encoder_similarity_follows_shared_characters() -> None:
    encoder = HashingEncoder(256)
    query, near, far = encoder.encode_queries(["年终考核指标", "考核指标共31项", "社区居委会"])
    assert float(query @ near) > float(query @ far)


def test_hashing_encoder_handles_empty_text() -> None:
    vectors = HashingEncoder(32).encode_passages(["", "  "])
    assert not vectors.any()


def test_load_encoder_selects_the_fake_by_name() -> None:
    encoder = load_encoder(EmbeddingSettings(model="hashing-64"))
    assert isinstance(encoder, HashingEncoder)
    assert (encoder.model_id, encoder.dim) == ("hashing-64", 64)
