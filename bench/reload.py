"""Reload: full index build vs one changed document, where only changed passages are re-embedded.

A synthetic corpus of 5k paragraphs (100k with --full) in 100 documents. Embedding uses
fast deterministic encoders (vectors and 256-term sparse rows derived from a hash of the
text; one 384-d with a sparse head like e5, one 512-d like the second model), so the
figures show everything *but* the models; the real-model cost is projected as measured
per-passage cost (e5 dense + sparse + second model) × passages embedded. Phases are
timed by wrapping the engine's functions at run time (no engine file changes); one reload
runs under cProfile (quick mode).

    python bench/reload.py [--full]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from benchkit import Timer, load_average, rss_mb, settings_for, table, write_result
from scipy import sparse
from synth import ParagraphMaker, change_one_document, write_corpus

import bot.engine.index.build
import bot.engine.lifecycle
import bot.engine.service
from bot.engine.lifecycle import open_service, rebuild
from embeddings.encoder import load_encoder, load_second_encoder

DOCUMENTS = 100
SPARSE_DIM, SPARSE_NNZ = 16384, 256


class FastEncoder:
    """Deterministic stand-in for a model: rows seeded by the text's hash (≈20 µs each)."""

    def __init__(self, timer: Timer, dim: int = 384, with_sparse: bool = True) -> None:
        self.timer, self.dim, self.with_sparse = timer, dim, with_sparse
        self.model_id = f"bench-fast-{dim}"
        self.calls = 0

    def _rng(self, text: str) -> np.random.Generator:
        return np.random.default_rng(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest()))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        out = np.stack([self._rng(t).standard_normal(self.dim, dtype=np.float32) for t in texts])
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.calls += len(texts)
        self.timer.since("embed (fake)", start)
        return out

    def encode_queries_and_sparse(self, texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self.encode_passages(texts), self.encode_sparse(texts)

    def encode_passages_and_sparse(self, texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self.encode_passages(texts), self.encode_sparse(texts)

    @property
    def sparse_kind(self) -> str:
        return "fake" if self.with_sparse else ""

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        if not self.with_sparse:
            return None
        start = time.perf_counter()
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            rng = self._rng("sparse" + text)
            rows.append(np.full(SPARSE_NNZ, i))
            cols.append(rng.choice(SPARSE_DIM, SPARSE_NNZ, replace=False))
            vals.append(rng.random(SPARSE_NNZ, dtype=np.float32))
        matrix = sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(texts), SPARSE_DIM), dtype=np.float32,
        )
        self.timer.since("embed (fake)", start)
        return matrix


def timed(timer: Timer, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timer.since(name, start)

    return wrapper


def instrument(timer: Timer) -> None:
    """Wrap the rebuild path's steps so their wall time lands in ``timer``."""
    steps = {
        bot.engine.lifecycle: {
            "load_documents": "read files (+ parse changed ones)", "save_store": "save index (atomic)",
            "load_store": "load saved index", "mapped": "map the saved lexical arrays",
            "is_fresh": "freshness check",
        },
        bot.engine.service: {"LexicalIndex": "BM25 from term counts"},
        bot.engine.index.build: {
            "_passages": "passages (kept per document, split if changed)",
            "_previous_rows": "match passages to previous rows by hash", "_embed": "embed new passages",
            "_faiss": "FAISS (update, or build)", "_assemble": "assemble per-passage arrays",
            "_terms": "term counts (copy kept rows, tokenize new)", "_background": "null model",
        },
    }
    for module, names in steps.items():
        for name, label in names.items():
            setattr(module, name, timed(timer, label, getattr(module, name)))


def real_per_passage(texts: list[str]) -> float:
    """Seconds per passage for the real models (e5 dense + learned sparse + second model)."""
    from benchkit import real_settings

    settings = real_settings().embedding
    encoder, second = load_encoder(settings), load_second_encoder(settings)
    encoder.encode_passages(texts[:2])
    start = time.perf_counter()
    encoder.encode_passages(texts)
    encoder.encode_sparse(texts)
    if second is not None:
        second.encode_passages(texts)
    return (time.perf_counter() - start) / len(texts)


def profile_top(profiler: cProfile.Profile, limit: int = 14) -> list[list[Any]]:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():
        where = f"{Path(file).parent.name}/{Path(file).name}:{line} {func}" if line else func
        rows.append([where, calls, round(tottime, 3), round(cumtime, 3)])
    rows.sort(key=lambda r: -r[2])
    return rows[:limit]


def run(full: bool) -> dict[str, Any]:
    n = 100_000 if full else 5_000
    timer = Timer()
    encoder, second = FastEncoder(timer), FastEncoder(timer, dim=512, with_sparse=False)
    instrument(timer)
    work = Path(tempfile.mkdtemp(prefix="qabot-reload-"))
    maker = ParagraphMaker(seed=2024)
    write_corpus(work / "docs", maker.paragraphs(n), DOCUMENTS)
    settings = settings_for(work, docs_dir=work / "docs")
    results: dict[str, Any] = {"paragraphs": n, "documents": DOCUMENTS, "load_average_start": load_average()}

    rss0 = rss_mb()
    start = time.perf_counter()
    service = open_service(settings, encoder, second)
    full_s = time.perf_counter() - start
    results["full"] = {"seconds": round(full_s, 2), "passages": service.info.passages,
                       "embedded": encoder.calls + second.calls, "phases": dict(timer.totals),
                       "rss_growth_mb": round(rss_mb() - rss0, 1)}

    changed = change_one_document(settings.docs_dir, maker)
    timer.totals.clear()
    encoder.calls = second.calls = 0
    start = time.perf_counter()
    service, report = rebuild(settings, service)
    reload_s = time.perf_counter() - start
    results["reload"] = {"seconds": round(reload_s, 2), "document": changed.name,
                         "reembedded": report.reembedded, "embedded_calls": encoder.calls + second.calls,
                         "phases": dict(timer.totals)}
    results["reload_vs_full"] = round(reload_s / full_s, 4)
    if not full:  # the same reload again under cProfile, for the record
        change_one_document(settings.docs_dir, maker, replace=1)
        profiler = cProfile.Profile()
        profiler.enable()
        service, _ = rebuild(settings, service)
        profiler.disable()
        results["profile_top_tottime"] = profile_top(profiler)
    sample = maker.paragraphs(16)
    per = real_per_passage(sample)
    passages = results["full"]["passages"]
    fake_full = results["full"]["phases"].get("embed (fake)", 0.0)
    fake_reload = results["reload"]["phases"].get("embed (fake)", 0.0)
    proj_full = full_s - fake_full + passages * per
    proj_reload = reload_s - fake_reload + report.reembedded * per
    results["real_model"] = {
        "seconds_per_passage": round(per, 4), "sample_chars": round(sum(map(len, sample)) / 16),
        "projected_full_s": round(proj_full, 1), "projected_reload_s": round(proj_reload, 2),
        "projected_ratio": round(proj_reload / proj_full, 5),
    }
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    shutil.rmtree(work, ignore_errors=True)
    return results


def markdown(r: dict[str, Any]) -> str:
    f, rl, real = r["full"], r["reload"], r["real_model"]
    names = list(dict.fromkeys([*f["phases"], *rl["phases"]]))
    rows = [[p, round(f["phases"].get(p, 0.0), 3), round(rl["phases"].get(p, 0.0), 3)] for p in names]
    rows.append(["**total (wall)**", f["seconds"], rl["seconds"]])
    ratio, proj = r["reload_vs_full"], real["projected_ratio"]
    lines = [
        "### Reload (bench/reload.py)",
        f"{r['paragraphs']} synthetic paragraphs ({f['passages']} passages) in {r['documents']} "
        f"documents; one document changed ({rl['document']}: 3 paragraphs replaced, 1 inserted): "
        f"{rl['reembedded']} passages re-embedded. Fast fake encoder; peak RSS {r['peak_rss_mb']} MiB.\n",
        table(["phase", "full build s", "reload s"], rows), "",
        f"- measured: reload / full = **{ratio:.2%}** (issue 9's goals, at 100k paragraphs, are measured "
        "by bench/engine_scale.py; this bench shows where a reload's time goes)",
        f"- real models: {real['seconds_per_passage'] * 1000:.0f} ms per passage (e5 dense + sparse + USE, "
        f"~{real['sample_chars']} chars) → projected full build {real['projected_full_s'] / 3600:.2f} h, "
        f"reload {real['projected_reload_s']:.1f} s, ratio **{proj:.3%}**",
    ]
    if "profile_top_tottime" in r:
        lines += ["", "cProfile of a second one-document reload, top functions by own time:\n",
                  table(["function", "calls", "own s", "cumulative s"], r["profile_top_tottime"])]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="100k paragraphs instead of 5k")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.full)
    write_result("reload", results, markdown(results), started)


if __name__ == "__main__":
    main()
