"""Retrieval and answer quality per signal: lexical, dense, learned sparse, second model, fused.

Besides hit@k it reports answer@1 (the bold answer holds a gold substring) and the outcome
tiers (answered / related / not_covered) for in-scope and off-topic questions, on the dev
set, the held-out set (with its tagged near-miss and English off-topic additions) and the
near-miss calibration file (tests/data/nearmiss.jsonl), dev2 (tests/data/dev2.jsonl: 70
in-scope Chinese and English questions, 20 near misses, 10 English off-topic) and dev3
(tests/data/dev3.jsonl: 33 Chinese and 10 English in scope, 20 + 10 near misses). The tiers
are the engine's own: "related" includes the questions the answerability judge
(bot/engine/judge/answerable.py, fitted by bench/calibrate.py) turns away, per variant's ranking.

Each variant is the shipped HybridRetriever over the same index with other fusion Weights
(bot/engine/rank/hybrid.py), on the dev set and the held-out set. Two tables:

- "ranking": refusal inputs are taken from the shipped configuration, so every variant
  refuses the same questions and the figures isolate the ranking.
- "as built": the variant as HybridRetriever computes it. With a second-model weight of 0
  the retriever does not compute that model's top score, so the refusal rule decides
  without the second model's margin.

Embeddings are computed once and reused across variants (caching encoders).

A third table puts precision (bold answers holding the fact, near misses included) against
coverage (in-scope questions answered) across the answerability judge's threshold, per set
(bench/operating.py), so the operating point is a visible choice.

    python bench/quality.py [--sweep]    # --sweep: only the precision / coverage table
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import operating
from benchkit import DEV_SET, HELDOUT_SET, ROOT, real_settings, table, write_result
from scipy import sparse

from bot.engine.lifecycle import open_service
from bot.engine.rank.hybrid import SHIPPED, HybridRetriever, Query, Ranking, Weights
from bot.engine.service import SearchService
from bot.tools.evaluate import evaluate, read_cases
from embeddings.encoder import Encoder, load_encoder, load_second_encoder

NEARMISS_SET = ROOT / "tests" / "data" / "nearmiss.jsonl"
DEV2_SET = ROOT / "tests" / "data" / "dev2.jsonl"  # 100 questions written without seeing the bot
DEV3_SET = ROOT / "tests" / "data" / "dev3.jsonl"  # 73 more (2026-11-27), mostly paraphrases
# for the precision / coverage table: every set, the English and near-miss files included
SWEEP_SETS = {
    "dev": DEV_SET, "dev2": DEV2_SET, "dev3": DEV3_SET, "dev4": ROOT / "tests" / "data" / "dev4.jsonl",
    "dev_en": ROOT / "tests" / "data" / "dev_en.jsonl", "held-out": HELDOUT_SET, "nearmiss": NEARMISS_SET,
    "nearmiss3": ROOT / "tests" / "data" / "nearmiss3.jsonl",
}
VARIANTS: dict[str, Weights] = {
    "lexical only (BM25)": Weights(dense=0.0, lexical=1.0, sparse=0.0, second=0.0),
    "dense only (e5)": Weights(dense=1.0, lexical=0.0, sparse=0.0, second=0.0),
    "sparse only (e5 SAE)": Weights(dense=0.0, lexical=0.0, sparse=1.0, second=0.0),
    "second only (USE)": Weights(dense=0.0, lexical=0.0, sparse=0.0, second=1.0),
    "dense+lexical": Weights(dense=0.4, lexical=0.6, sparse=0.0, second=0.0),
    "dense+lexical+sparse": Weights(dense=0.3, lexical=0.7, sparse=0.2, second=0.0),
    "shipped without sparse": Weights(dense=SHIPPED.dense, lexical=SHIPPED.lexical, sparse=0.0,
                                      second=SHIPPED.second),
    "hybrid (shipped)": SHIPPED,
}


class CachingEncoder:
    """Wraps an encoder; remembers vectors and sparse rows per text (variants share them)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self._dense: dict[str, np.ndarray] = {}
        self._sparse: dict[str, Any] = {}
        self._passages: dict[str, np.ndarray] = {}
        self._both: dict[str, tuple[np.ndarray, Any]] = {}
        self._passage_both: dict[str, tuple[np.ndarray, Any]] = {}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._dense]
        if missing:
            for text, row in zip(missing, self.inner.encode_queries(missing), strict=True):
                self._dense[text] = row
        return np.stack([self._dense[t] for t in texts])

    def encode_queries_and_sparse(self, texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._both]
        if missing:
            dense, rows = self.inner.encode_queries_and_sparse(missing)
            for i, text in enumerate(missing):
                self._both[text] = (dense[i], None if rows is None else rows[i])
        parts = [self._both[t][1] for t in texts]
        terms = None if any(r is None for r in parts) else sparse.csr_matrix(sparse.vstack(parts))
        return np.stack([self._both[t][0] for t in texts]), terms

    def encode_passages_and_sparse(self, texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._passage_both]
        if missing:
            dense, rows = self.inner.encode_passages_and_sparse(missing)
            for i, text in enumerate(missing):
                self._passage_both[text] = (dense[i], None if rows is None else rows[i])
        parts = [self._passage_both[t][1] for t in texts]
        terms = None if any(r is None for r in parts) else sparse.csr_matrix(sparse.vstack(parts))
        return np.stack([self._passage_both[t][0] for t in texts]), terms

    @property
    def sparse_kind(self) -> str:
        return self.inner.sparse_kind

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._passages]
        if missing:
            for text, row in zip(missing, self.inner.encode_passages(missing), strict=True):
                self._passages[text] = row
        return np.stack([self._passages[t] for t in texts])

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        missing = [t for t in dict.fromkeys(texts) if t not in self._sparse]
        if missing:
            found = self.inner.encode_sparse(missing)
            for i, text in enumerate(missing):
                self._sparse[text] = None if found is None else found[i]
        rows = [self._sparse[t] for t in texts]
        if any(r is None for r in rows):
            return None
        return sparse.csr_matrix(sparse.vstack(rows))


class HeldRefusal(HybridRetriever):
    """Ranks with its own weights but reports the shipped ranking's refusal inputs."""

    def __init__(self, base: HybridRetriever, weights: Weights) -> None:
        super().__init__(base.passages, base._faiss, base._lexical, base._sparse, base._second, weights)
        self._shipped = base

    def rank(self, query: Query) -> Ranking:
        mine = super().rank(query)
        ref = self._shipped.rank(query)
        return Ranking(mine.items, ref.dense_top, ref.sparse_top, ref.second_top)


def variant(base: HybridRetriever, weights: Weights) -> HybridRetriever:
    """The same indexes with other fusion weights: for every question, except that the
    shipped variant keeps the shipped weights of cross-lingual questions."""
    cross = base.cross_weights if weights == SHIPPED else weights
    b = base
    return HybridRetriever(b.passages, b._faiss, b._lexical, b._sparse, b._second, weights, cross)


def run(variants: bool = True) -> dict[str, Any]:
    settings = real_settings()
    encoder = CachingEncoder(load_encoder(settings.embedding))
    second_model = load_second_encoder(settings.embedding)
    second = None if second_model is None else CachingEncoder(second_model)
    service: SearchService = open_service(settings, encoder, second)
    service.cache.capacity = 0  # an answer remembered from one variant would stand for all
    shipped = service.retriever
    sets = {
        "dev": read_cases(DEV_SET), "dev2": read_cases(DEV2_SET), "dev3": read_cases(DEV3_SET),
        "held-out": read_cases(HELDOUT_SET), "near-miss (calibration)": read_cases(NEARMISS_SET),
    }
    results: dict[str, Any] = {
        "passages": len(shipped.passages), "model": settings.embedding.model,
        "second_model": settings.embedding.second_model,
        "signals": {"sparse": shipped._sparse is not None, "second": shipped._second is not None},
    }
    sweep_sets = {name: read_cases(path) for name, path in SWEEP_SETS.items()}
    results["operating points"] = operating.sweep(service, sweep_sets)
    for mode in ("ranking", "as built") if variants else ():
        for name, weights in VARIANTS.items():
            if (weights.sparse and shipped._sparse is None) or (weights.second and shipped._second is None):
                continue
            held = mode == "ranking"
            service.retriever = HeldRefusal(shipped, weights) if held else variant(shipped, weights)
            for set_name, cases in sets.items():
                summary, _ = evaluate(service, cases)
                results[f"{mode}|{name}|{set_name}"] = {**summary, "weights": weights.__dict__}
    service.retriever = shipped
    return results


def markdown(results: dict[str, Any]) -> str:
    parts = [
        "### Quality (bench/quality.py)",
        f"Corpus: seeds/article.txt ({results['passages']} passages). Dev: "
        f"{DEV_SET.name} (shared), held-out: {HELDOUT_SET.name}. Weights are dense (e5) / lexical "
        f"(BM25) / sparse (e5 SAE head) / second model ({results['second_model'] or 'none'}).",
    ]
    for mode, title in (
        ("ranking", "Ranking by signal; refusal held at the shipped rule's inputs"),
        ("as built", "Each variant as built (its own refusal inputs)"),
    ):
        rows = []
        for key, s in results.items():
            if not key.startswith(mode + "|") or "|" not in key:
                continue
            _, name, set_name = key.split("|")
            w = s["weights"]
            tiers = s.get("tiers", {})
            rows.append([
                name, f"{w['dense']}/{w['lexical']}/{w['sparse']}/{w['second']}", set_name, s["hit@1"],
                s["hit@3"], s["mrr@5"], s.get("answer@1", "–"),
                f"{s['off_topic_refused']}/{s['off_topic_total']}", s["in_scope_refused"],
                _tiers(tiers.get("in_scope")), _tiers(tiers.get("off_topic")),
            ])
        headers = ["variant", "weights", "set", "hit@1", "hit@3", "mrr@5", "answer@1",
                   "off-topic refused", "in-scope refused", "in-scope a/r/n", "off-topic a/r/n"]
        if rows:
            parts += [f"\n**{title}**\n", table(headers, rows)]
    parts.append("\n" + operating.markdown(results["operating points"]))
    return "\n".join(parts) + "\n"


def _tiers(counts: dict[str, int] | None) -> str:
    """answered/related/not_covered as "a/r/n"."""
    if not counts:
        return "–"
    return f"{counts['answered']}/{counts['related']}/{counts['not_covered']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="same as quick (the sets are small)")
    parser.add_argument("--sweep", action="store_true", help="only the precision / coverage table")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(variants=not args.sweep)
    write_result("quality", results, markdown(results), started)


if __name__ == "__main__":
    main()
