"""In-process cost per question: process CPU time (the figure issue 9 sets a goal on) and wall
time, single questions and batches, split into parts; plus the answer cache on repeats.

CPU time is ``time.process_time()`` around each ``ask``/``ask_batch`` call: every thread of
the process counts, so OpenMP threads that spin while waiting are charged too (wall time
alone would hide them). Parts are timed by proxies around the encoders (one part per
encoder method: e5 query pass, e5 learned-sparse pass when it is a separate call, the second
model, sentence vectors for extract()), the FAISS index and the BM25 index; "fuse+answer" is
the rest (z-scores, null-model refusal, grouping, sentence choice).

The questions (dev + held-out) are all distinct, so the answer cache cannot help the main
figures; a last run asks the same questions again to show what the cache does for repeats.

    python bench/latency.py [--full] [--hog] [--env OMP_NUM_THREADS=2 ...]

--hog keeps one core busy meanwhile (as another program, or the bot's own event loop, would).
--env sets variables before anything is imported (OpenMP and BLAS read them once, at load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ORIGINAL_ENV = dict(os.environ)  # before `bot` applies its thread policy (for a baseline run)


def _engine_from_argv() -> None:
    """``--code DIR``: measure the engine (bot, embeddings, config) of DIR, e.g. a checkout of
    an earlier commit, instead of this one (done before those packages are imported)."""
    if "--code" in sys.argv:
        code = sys.argv[sys.argv.index("--code") + 1]
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__name__", "").lower()]
        sys.path.insert(0, code)


_engine_from_argv()

import numpy as np  # noqa: E402
from benchkit import (  # noqa: E402
    DEV_SET,
    HELDOUT_SET,
    OUT,
    Timer,
    engine_lifecycle,
    load_average,
    moved,
    real_settings,
    start_hog,
    stats_ms,
    table,
    write_result,
)

from embeddings.encoder import load_encoder, load_second_encoder  # noqa: E402

HybridRetriever = moved("HybridRetriever", "bot.engine.rank.hybrid", "bot.retrieve")
read_cases = moved("read_cases", "bot.tools.evaluate", "bot.evaluate")

open_service, _ = engine_lifecycle()  # this checkout's, or the --code one's

SIZES = (1, 8)
REST = "fuse+answer"


class TimedEncoder:
    """Encoder proxy: each ``encode_*`` call adds its wall time to ``timer`` under
    ``<label> <method>`` (so the bench follows whatever methods the engine calls)."""

    def __init__(self, inner: Any, timer: Timer, label: str) -> None:
        self.inner, self.timer, self.label = inner, timer, label

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if not name.startswith("encode") or not callable(value):
            return value
        part = f"{self.label} {name.removeprefix('encode_')}"
        if name == "encode_passages":
            part = "embed sentences"

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self.timer.since(part, start)

        return timed


class Timed:
    """Proxy timing one method of an index (FAISS ``search``, BM25 ``scores``)."""

    def __init__(self, inner: Any, timer: Timer, method: str, part: str) -> None:
        self.inner, self.timer, self.method, self.part = inner, timer, method, part

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if name != self.method:
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self.timer.since(self.part, start)

        return timed


def measure(ask: Callable[[list[str]], Any], timer: Timer, batches: list[list[str]]) -> dict[str, Any]:
    """Per batch: wall seconds per part and in total, process CPU seconds in total."""
    per_batch: list[dict[str, float]] = []
    cpu: list[float] = []
    for batch in batches:
        timer.totals.clear()
        c0, w0 = time.process_time(), time.perf_counter()
        ask(batch)
        total, used = time.perf_counter() - w0, time.process_time() - c0
        parts = dict(timer.totals)
        parts[REST] = total - sum(parts.values())
        parts["total"] = total
        per_batch.append(parts)
        cpu.append(used)
    names = list(dict.fromkeys(name for parts in per_batch for name in parts))
    names.sort(key=lambda n: (n == "total", n == REST))
    return {"wall": {n: [parts.get(n, 0.0) for parts in per_batch] for n in names}, "cpu": cpu}


def ask_fn(service: Any, cache: bool) -> Callable[[list[str]], Any]:
    """ask_batch with the answer cache (when the engine has one) on or off."""
    engine_cache = getattr(service, "cache", None)
    capacity = 1024

    def ask(batch: list[str]) -> Any:
        if engine_cache is not None:
            engine_cache.capacity = capacity if cache else 0
        return service.ask_batch(batch)

    return ask


def summarise(samples: dict[str, Any], size: int) -> dict[str, Any]:
    cpu = np.asarray(samples["cpu"]) / size
    total = samples["wall"]["total"]
    return {
        "batches": len(samples["cpu"]),
        "parts_ms": {p: stats_ms([v / size for v in vs]) for p, vs in samples["wall"].items()},
        "cpu_ms_per_question": stats_ms(list(cpu)),
        "wall_ms_per_question": stats_ms([t / size for t in total]),
        "questions_per_s": round(size * len(total) / sum(total), 2),
    }


def run(full: bool) -> dict[str, Any]:
    settings = real_settings()
    timer = Timer()
    encoder = TimedEncoder(load_encoder(settings.embedding), timer, "e5")
    second_model = load_second_encoder(settings.embedding)
    second = None if second_model is None else TimedEncoder(second_model, timer, "second")
    service = open_service(settings, encoder, second)
    base = service.retriever
    service.retriever = HybridRetriever(
        base.passages, Timed(base._faiss, timer, "search", "faiss"),
        Timed(base._lexical, timer, "scores", "lexical"), base._sparse, base._second, base.weights,
    )  # type: ignore[arg-type]
    questions = [c.q for c in read_cases(DEV_SET) + read_cases(HELDOUT_SET)]
    passes = 3 if full else 2
    ask_fn(service, False)(questions[:5])  # warm-up
    results: dict[str, Any] = {
        "questions": len(questions), "passes": passes, "load_average_start": load_average(),
        "env": {k: os.environ.get(k, "(unset)") for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")},
        "faiss_threads": settings.retrieval.faiss_threads,
        "cache": hasattr(service, "cache"),
    }
    for size in SIZES:
        pool = questions * passes
        batches = [pool[i : i + size] for i in range(0, len(pool) - size + 1, size)]
        results[f"batch {size}"] = summarise(measure(ask_fn(service, False), timer, batches), size)
    if results["cache"]:  # repeats: every question once to fill the cache, then again
        ask = ask_fn(service, True)
        measure(ask, timer, [[q] for q in questions])
        results["repeated"] = summarise(measure(ask, timer, [[q] for q in questions]), 1)
    results["load_average_end"] = load_average()
    return results


def markdown(r: dict[str, Any], tag: str) -> str:
    rows, cost = [], []
    runs = [(f"batch {s}", str(s)) for s in SIZES]
    if "repeated" in r:
        runs.append(("repeated", "1, repeated (cache)"))
    for key, label in runs:
        b = r[key]
        for part, s in b["parts_ms"].items():
            rows.append([label, part, s["p50"], s["p95"], s["mean"]])
        c, w = b["cpu_ms_per_question"], b["wall_ms_per_question"]
        cost.append([label, c["mean"], c["p50"], c["p95"], w["mean"], w["p95"], b["questions_per_s"]])
    load = ", ".join(f"{x:.1f}" for x in r["load_average_start"])
    end = ", ".join(f"{x:.1f}" for x in r.get("load_average_end", r["load_average_start"]))
    return "\n".join([
        f"### Query cost in-process (bench/latency.py{tag})",
        f"{r['questions']} distinct questions (dev + held-out) × {r['passes']} passes, answer cache "
        f"{'bypassed' if r['cache'] else '(none in this engine)'}; "
        + ", ".join(f"{k}={v}" for k, v in r["env"].items())
        + f", FAISS threads {r['faiss_threads']}; load average at start {load}, at end {end}. "
        "CPU = process CPU time (all threads) per question.\n",
        table(["batch", "CPU ms/q mean", "CPU ms/q p50", "CPU ms/q p95", "wall ms/q mean", "wall ms/q p95",
               "questions/s"], cost),
        "",
        "Wall time by part, per question (a batch's part time ÷ batch size):\n",
        table(["batch", "part", "p50 ms", "p95 ms", "mean ms"], rows),
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="3 passes over the questions instead of 2")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE, set before import")
    parser.add_argument("--hog", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--name", default="", help="output name (default: from --hog/--env)")
    parser.add_argument("--code", default="", help="measure the engine in this checkout instead")
    parser.add_argument("--baseline-dir", type=Path, help="measure this checkout's engine first, as shipped")
    args = parser.parse_args()
    wanted = dict(item.split("=", 1) for item in args.env)
    if any(os.environ.get(k) != v for k, v in wanted.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **wanted})
    started = time.perf_counter()
    baseline = None if args.baseline_dir is None else run_baseline(args.baseline_dir, args.full, args.hog)
    hog = start_hog() if args.hog else None
    try:
        results = run(args.full)
    finally:
        if hog is not None:
            hog.terminate()
            hog.wait(10)
    results["hog"] = args.hog
    results["code"] = args.code or "this checkout"
    tag = "".join(f", {k}={v}" for k, v in wanted.items()) + (", one core kept busy" if args.hog else "")
    tag += f", engine {args.code}" if args.code else ""
    if baseline is not None:
        results["baseline"] = baseline
    suffix = "".join(f"-{k.lower()}-{v}" for k, v in wanted.items())
    name = args.name or "latency" + "-hog" * args.hog + suffix
    text = markdown(results, tag)
    if baseline is not None:
        text += "\n" + markdown(baseline, f", before: {args.baseline_dir.name} as shipped")
    write_result(name, results, text, started)


def run_baseline(checkout: Path, full: bool, hog: bool) -> dict[str, Any]:
    """The same bench on ``checkout``'s engine, in a child process with the environment as it
    was before `bot` set its thread policy (the engine as it shipped)."""
    name = "latency-baseline"
    command = [sys.executable, __file__, "--code", str(checkout), "--name", name]
    command += ["--full"] * full + ["--hog"] * hog
    subprocess.run(command, env=ORIGINAL_ENV, check=True)
    data: dict[str, Any] = json.loads((OUT / f"{name}.json").read_text(encoding="utf-8"))["data"]
    return data


if __name__ == "__main__":
    main()
