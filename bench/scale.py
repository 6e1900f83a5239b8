"""Scale: FAISS index types and BM25 over synthetic corpora of 1k, 10k (and 100k) paragraphs.

FAISS part: random unit vectors (dim 384) scattered around n/50 topic centres, queries are
noisy copies of random rows. Per index type (Flat, HNSW M=32, IVF nlist≈4·√n): build time,
index bytes and RSS growth, single-query latency at 1 and 2 OpenMP threads, recall@10
against Flat; efSearch / nprobe are tuned to the smallest value reaching recall@10 ≥ 0.95.
The Flat scan is compared with the memory-bandwidth bound (n·dim·4 bytes ÷ read bandwidth).
BM25 part: bot.engine.rank.bm25's index (tokenize → term counts → BM25) build and query time on
synthetic Chinese paragraphs.

    python bench/scale.py [--full]        (--full adds 100k)
"""

from __future__ import annotations

import argparse
import gc
import math
import multiprocessing
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import faiss
import numpy as np
from benchkit import DEV_SET, load_average, rss_mb, stats_ms, table, write_result
from synth import ParagraphMaker, queries_near, unit_vectors

from bot.engine.rank.bm25 import index_texts
from bot.engine.text.normalize import normalize
from bot.engine.text.tokenize import tokenize
from bot.tools.evaluate import read_cases

DIM = 384
TARGET_RECALL = 0.95
EF_SEARCH = (16, 32, 64, 128, 256, 512)
NPROBE = (1, 2, 4, 8, 16, 32, 64, 128, 256)
TRACE_MAX = 10_000  # BM25 heap peak is traced up to this size (tracing a 100k build is slow)
TRACE_MAX_QUICK = 1_000
REAL_N = 5_000  # synthetic sentences embedded with the real e5 model (--full; cached)
REAL_CHUNK = 500


def choose_index_type(n: int) -> str:
    """Recommended FAISS index for ``n`` passages (see bench/RESULTS.md, "Scale").

    Flat is exact, needs no training and is what the incremental rebuild reuses vectors
    for; it stays under ~2 ms per single query at 1 thread up to ~50k vectors and under
    ~10 ms to ~200k, which is small next to query embedding (~25 ms). Past that HNSW keeps
    queries near 1 ms at recall ≥ 0.95, at ~25% more memory and a slow build. IVF's
    advantage (small memory, fast build) matters only when HNSW's memory or build time does.
    """
    if n <= 200_000:
        return "Flat"
    if n <= 5_000_000:
        return "HNSW"
    return "IVF"


def bandwidth_gbs() -> dict[str, float]:
    """Single-thread memory bandwidth: numpy sum (read) and copy (read + write), best of 5."""
    a = np.ones(64 * 2**20, dtype=np.float32)  # 256 MiB, far beyond the caches
    b = np.empty_like(a)
    reads, copies = [], []
    for _ in range(5):
        start = time.perf_counter()
        a.sum()
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        np.copyto(b, a)
        copies.append(time.perf_counter() - start)
    return {"read": a.nbytes / min(reads) / 1e9, "copy": 2 * a.nbytes / min(copies) / 1e9}


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f[f >= 0]) & set(t)) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def latency(index: Any, queries: np.ndarray, threads: int) -> dict[str, float]:
    faiss.omp_set_num_threads(threads)
    times = []
    for q in queries:
        start = time.perf_counter()
        index.search(q.reshape(1, -1), 10)
        times.append(time.perf_counter() - start)
    return stats_ms(times)


def tune(
    index: Any, queries: np.ndarray, truth: np.ndarray, knob: str, values: tuple[int, ...],
    whole_curve: bool = False,
) -> tuple[int, dict[int, float]]:
    """Smallest knob value reaching the recall target, and the recall curve up to it."""
    curve = {}
    faiss.omp_set_num_threads(2)
    for value in values:
        if knob == "efSearch":
            index.hnsw.efSearch = value
        else:
            index.nprobe = value
        _, found = index.search(queries, 10)
        curve[value] = round(recall_at_10(found, truth), 4)
        if curve[value] >= TARGET_RECALL and not whole_curve:
            break
    chosen = next((v for v, r in curve.items() if r >= TARGET_RECALL), values[-1])
    return chosen, curve


def build(kind: str, data: np.ndarray) -> tuple[Any, float, float]:
    """(index, build seconds, RSS growth MiB) at 2 threads."""
    faiss.omp_set_num_threads(2)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    n = len(data)
    if kind == "Flat":
        index = faiss.IndexFlatIP(DIM)
    elif kind == "HNSW":
        index = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    else:
        nlist = max(1, round(4 * math.sqrt(n)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.min_points_per_centroid = 1  # 1k vectors cannot fill 39 per list; no warning
        index.train(data)
    index.add(data)
    seconds = time.perf_counter() - start
    return index, seconds, rss_mb() - before


def faiss_part(n: int, nq: int, uniform: bool = False) -> dict[str, Any]:
    data = unit_vectors(n, DIM, seed=n, topics=0 if uniform else max(1, n // 50))
    return faiss_on(data, queries_near(data, nq))


def real_vectors(n: int) -> tuple[np.ndarray, np.ndarray]:
    """e5 passage vectors of ``n`` synthetic sentences (short, so the model takes minutes,
    not an hour; cached in bench/out chunk by chunk) and e5 query vectors of the dev +
    held-out questions."""
    from benchkit import HELDOUT_SET, OUT, real_settings

    from embeddings.encoder import load_encoder

    encoder = load_encoder(real_settings().embedding)
    maker = ParagraphMaker(seed=99)
    texts = [maker.sentence() for _ in range(n)]
    folder = OUT / "e5-sentences"
    folder.mkdir(parents=True, exist_ok=True)
    chunks = []
    for start in range(0, n, REAL_CHUNK):
        path = folder / f"{start:06d}-{REAL_CHUNK}.npy"
        if not path.exists():
            print(f"[scale] embedding sentences {start}-{start + REAL_CHUNK} ...", flush=True)
            np.save(path, encoder.encode_passages(texts[start : start + REAL_CHUNK]))
        chunks.append(np.load(path))
    questions = [c.q for c in read_cases(DEV_SET) + read_cases(HELDOUT_SET)]
    data = np.ascontiguousarray(np.concatenate(chunks)[:n], dtype=np.float32)
    return data, encoder.encode_queries(questions)


def faiss_on(data: np.ndarray, queries: np.ndarray, whole_curve: bool = False) -> dict[str, Any]:
    """Build, tune and time Flat, HNSW and IVF over ``data``."""
    out: dict[str, Any] = {}
    flat = None
    truth = np.zeros(0)
    for kind in ("Flat", "HNSW", "IVF"):
        index, seconds, rss = build(kind, data)
        row: dict[str, Any] = {"build_s": round(seconds, 3), "rss_mb": round(rss, 1),
                               "index_mb": round(faiss.serialize_index(index).size / 2**20, 1)}
        if kind == "Flat":
            flat = index
            faiss.omp_set_num_threads(2)
            _, truth = flat.search(queries, 10)
            row["recall@10"] = 1.0
        else:
            knob, values = ("efSearch", EF_SEARCH) if kind == "HNSW" else ("nprobe", NPROBE)
            chosen, curve = tune(index, queries, truth, knob, values, whole_curve)
            if kind == "HNSW":
                index.hnsw.efSearch = chosen
            else:
                index.nprobe = chosen
                row["nlist"] = index.nlist
            row.update({"knob": knob, "chosen": chosen, "curve": curve, "recall@10": curve[chosen]})
        row["latency_1t"] = latency(index, queries, 1)
        row["latency_2t"] = latency(index, queries, 2)
        out[kind] = row
        if kind != "Flat":
            del index
    del flat
    faiss.omp_set_num_threads(1)
    return out


def bm25_part(n: int, nq_repeat: int, trace: bool) -> dict[str, Any]:
    """BM25 figures at ``n`` paragraphs, measured in a fresh process (clean memory)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        result: dict[str, Any] = pool.submit(_bm25_measure, n, nq_repeat, trace).result()
    return result


def _bm25_measure(n: int, nq_repeat: int, trace: bool) -> dict[str, Any]:
    maker = ParagraphMaker(seed=n)
    norms = [normalize(p) for p in maker.paragraphs(n)]
    sample = norms[: min(n, 2000)]
    tokenize("预热")  # jieba loads its dictionary on first use
    start = time.perf_counter()
    for text in sample:
        tokenize(text)
    tokenize_per = (time.perf_counter() - start) / len(sample)
    peak = None
    if trace:  # Python-heap peak of a build (tracing slows it, so not the timed one)
        tracemalloc.start()
        index_texts(norms)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = index_texts(norms)
    build_s = time.perf_counter() - start
    gc.collect()
    grown = rss_mb() - before
    questions = [normalize(c.q) for c in read_cases(DEV_SET)] * nq_repeat
    times = []
    for q in questions:
        start = time.perf_counter()
        index.scores(q)
        times.append(time.perf_counter() - start)
    return {
        "build_s": round(build_s, 3), "tokenize_share": round(tokenize_per * n / build_s, 3),
        "rss_mb": round(grown, 1), "heap_peak_mb": None if peak is None else round(peak, 1),
        "chars": sum(map(len, norms)),
        "vocab": len(index.df), "query": stats_ms(times),
    }


def run(full: bool) -> dict[str, Any]:
    sizes = (1_000, 10_000, 100_000) if full else (1_000, 10_000)
    bw = bandwidth_gbs()
    results: dict[str, Any] = {"bandwidth_gbs": bw, "load_average_start": load_average(), "sizes": {}}
    for n in sizes:
        print(f"[scale] n={n} ...", flush=True)
        faiss_rows = faiss_part(n, nq=300)
        flat_bytes = n * DIM * 4
        faiss_rows["Flat"]["bandwidth_bound_ms"] = round(flat_bytes / (bw["read"] * 1e9) * 1000, 3)
        results["sizes"][n] = {"faiss": faiss_rows, "choice": choose_index_type(n),
                               "bm25": bm25_part(n, 3, n <= (TRACE_MAX if full else TRACE_MAX_QUICK))}
    print("[scale] n=10000, uniform vectors (worst case) ...", flush=True)
    results["uniform_10k"] = faiss_part(10_000, nq=300, uniform=True)
    if full:
        print(f"[scale] n={REAL_N}, real e5 vectors ...", flush=True)
        results["e5_real"] = faiss_on(*real_vectors(REAL_N), whole_curve=True)
    return results


def markdown(r: dict[str, Any]) -> str:
    bw = r["bandwidth_gbs"]
    rows, curves, lex = [], [], []
    blocks = [(n, s["faiss"]) for n, s in r["sizes"].items()]
    if "uniform_10k" in r:
        blocks.append(("10000 uniform", r["uniform_10k"]))
    if "e5_real" in r:
        blocks.append((f"{REAL_N} real e5", r["e5_real"]))
    for n, faiss_rows in blocks:
        for kind, f in faiss_rows.items():
            knob = f"{f['knob']}={f['chosen']}" if "knob" in f else "-"
            if "nlist" in f:
                knob = f"nlist={f['nlist']}, {knob}"
            rows.append([
                n, kind, knob, f["build_s"], f["index_mb"], f["rss_mb"], f["latency_1t"]["p50"],
                f["latency_1t"]["p95"], f["latency_2t"]["p50"], f["latency_2t"]["p95"],
                f["recall@10"], f.get("bandwidth_bound_ms", "-"),
            ])
            if "curve" in f:
                curves.append([n, kind, f["knob"], ", ".join(f"{k}: {v}" for k, v in f["curve"].items())])
    for n, s in r["sizes"].items():
        b = s["bm25"]
        lex.append([n, b["chars"], b.get("vocab", "-"), b["build_s"], b["tokenize_share"], b["rss_mb"],
                    b.get("heap_peak_mb") or "-", b["query"]["p50"], b["query"]["p95"],
                    s["choice"]])
    headers = ["n", "index", "params", "build s", "index MiB", "RSS +MiB", "p50 ms 1t", "p95 ms 1t",
               "p50 ms 2t", "p95 ms 2t", "recall@10", "bandwidth bound ms"]
    load = ", ".join(f"{x:.1f}" for x in r["load_average_start"])
    return "\n".join([
        "### Scale (bench/scale.py)",
        f"Single-thread memory bandwidth: read {bw['read']:.1f} GB/s, copy {bw['copy']:.1f} GB/s. "
        f"Load average at start {load}. Vectors: random unit vectors, dim 384, around n/50 topic "
        "centres (\"uniform\": no structure at all, the worst case for HNSW/IVF); 300 queries, "
        "each a noisy copy of a row; \"real e5\" (--full): e5 vectors of synthetic sentences, "
        "queried with the 98 dev + held-out questions, whole recall curves. "
        "Builds at 2 threads. RSS growth is noisy (freed memory is "
        "reused); index MiB is the serialized size.\n",
        table(headers, rows), "",
        "Recall@10 against Flat while tuning (stops at the first value ≥ 0.95):\n",
        table(["n", "index", "knob", "recall@10 by value"], curves), "",
        "BM25 (rank/bm25.py: jieba + bigrams → term counts → BM25) on synthetic Chinese paragraphs "
        "(dev questions × 3 as queries), each size in a fresh process; `tokenize share` = "
        "jieba/bigram tokenization's part of the build (estimated on 2k paragraphs); `heap peak MiB` "
        "= Python-heap peak while building (tracemalloc; 1k in quick mode, up to 10k with --full), "
        "`RSS +MiB` = what stays after gc:\n",
        table(["n", "chars", "vocab", "build s", "tokenize share", "RSS +MiB", "heap peak MiB",
               "query p50 ms", "query p95 ms", "choose_index_type"], lex), "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="add the 100k corpus")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.full)
    write_result("scale", results, markdown(results), started)


if __name__ == "__main__":
    main()
