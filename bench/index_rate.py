"""Index build rate with the real models: paragraphs per second from scratch, model loading
excluded, and where the time goes (issue 18).

N distinct paragraphs in N/40 documents: ``--corpus article`` (default) takes the paragraphs of
seeds/article.txt again and again, each copy marked as its own (as issue 18 measured: twenty
distinct copies, 760 paragraphs, 84 e5 tokens each on average); ``--corpus synth`` makes
varied ones (bench/synth.py: 2-5 recombined sentences each, ~140 tokens). They are parsed,
embedded (e5 dense and learned-sparse rows from one pass per passage, the second model, sentence
vectors, vocabulary vectors),
counted and saved as ``qabot index`` does (bot/lifecycle.py's build path), after both models
are loaded and have run once. Parts are timed by proxies around the encoders (CPU and wall per encoder
method); "rest" is parsing, the tokenizer, FAISS and saving. CPU is process CPU time: every
thread counts, so a build that uses both cores shows CPU > wall.

    python bench/index_rate.py [--paragraphs 760] [--corpus article|synth] [--ask-during 5] [--profile]

``--ask-during R`` answers R distinct questions per second (dev + held-out, answer cache off)
from a service over seeds/ in another thread while the index builds, with the same model
objects, as the bot does during a /reload; their latency counts from when each was due (so a
question kept waiting counts its wait). Process CPU then includes the questions' CPU.

``--isa avx2`` (or QABOT_E5_ISA=avx2) measures the kernel of a CPU without VNNI on one with it
(the machine line names the kernel).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchkit import (
    DEV_SET,
    HELDOUT_SET,
    load_average,
    machine_line,
    settings_for,
    stats_ms,
    table,
    write_result,
)
from synth import ParagraphMaker, write_corpus

from bot.engine.documents.ingest import load_documents, load_paragraphs
from bot.engine.index.build import build_index
from bot.engine.index.mapped import Scratch
from bot.engine.index.store import save as save_store
from bot.engine.lifecycle import document_limits, open_service
from bot.tools.evaluate import read_cases
from embeddings import e5_engine
from embeddings.encoder import Encoder, load_encoder, load_second_encoder

PER_DOCUMENT = 40  # paragraphs per generated document
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
REST = "rest (parse, tokenizer, FAISS, save)"


class Clock:
    """CPU and wall seconds per named part."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.texts: dict[str, int] = {}

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0
                self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w0
                self.texts[name] = self.texts.get(name, 0) + (len(args[0]) if args else 0)

        return run


class TimedEncoder:
    """Encoder proxy: each ``encode_*`` call is timed under ``<label> <method>``."""

    def __init__(self, inner: Encoder, clock: Clock, label: str) -> None:
        self.inner, self.clock, self.label = inner, clock, label

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if not name.startswith("encode") or not callable(value):
            return value
        return self.clock.timed(f"{self.label} {name.removeprefix('encode_')}", value)


class Asker(threading.Thread):
    """Asks ``rate`` distinct questions per second of a service over seeds/ until stopped;
    ``latency`` holds seconds from each question's due time to its answer."""

    def __init__(self, work: Path, encoder: Encoder, second: Encoder | None, rate: float) -> None:
        super().__init__(daemon=True)
        settings = settings_for(work, docs_dir=SEEDS)
        settings = replace(settings, retrieval=replace(settings.retrieval, answer_cache=0))
        self.service = open_service(settings, encoder, second)
        self.questions = [c.q for c in read_cases(DEV_SET) + read_cases(HELDOUT_SET)]
        self.rate, self.stop, self.latency = rate, threading.Event(), list[float]()

    def run(self) -> None:
        due = time.perf_counter()
        while not self.stop.is_set():
            self.service.ask(self.questions[len(self.latency) % len(self.questions)])
            self.latency.append(time.perf_counter() - due)
            due += 1 / self.rate
            self.stop.wait(max(0.0, due - time.perf_counter()))


def corpus(kind: str, n: int) -> list[str]:
    """``n`` distinct paragraphs: copies of the article's (each copy marked) or synthetic ones."""
    if kind == "synth":
        return ParagraphMaker(seed=18).paragraphs(n)
    article = [p.text for p in load_paragraphs(SEEDS)]
    return [f"{article[i % len(article)]}（副本{i // len(article) + 1}）" for i in range(n)]


def measure(paragraphs: int, kind: str, profile: bool, ask_rate: float = 0.0) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="qabot-index-rate-"))
    try:
        write_corpus(work / "docs", corpus(kind, paragraphs), max(1, paragraphs // PER_DOCUMENT))
        settings = settings_for(work, docs_dir=work / "docs")
        c0, w0 = time.process_time(), time.perf_counter()
        encoder, second = load_encoder(settings.embedding), load_second_encoder(settings.embedding)
        for model in (encoder, second):  # lazy weights load on the first call: not a build cost
            if model is not None:
                model.encode_passages(["预热"]), model.encode_queries(["预热"]), model.encode_sparse(["预热"])
        loading = {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0}
        module = getattr(encoder, "_model", [None])[0]  # the e5 engine's OpenMP threads for passages
        threads = getattr(getattr(module, "_engine", None), "threads", None)
        asker = Asker(work / "asking", encoder, second, ask_rate) if ask_rate > 0 else None
        clock = Clock()
        timed = TimedEncoder(encoder, clock, "e5")
        timed_second = None if second is None else TimedEncoder(second, clock, "second")
        profiler = cProfile.Profile() if profile else None
        load_start = load_average()
        c0, w0 = time.process_time(), time.perf_counter()
        if asker:
            asker.start()
        if profiler:
            profiler.enable()
        documents = load_documents(settings.docs_dir, document_limits(settings))
        with Scratch(settings.index_dir) as scratch:
            stored, embedded = build_index(settings, timed, documents, None, False, timed_second,  # type: ignore[arg-type]
                                           scratch)
            save_store(settings.index_dir, stored)
        if profiler:
            profiler.disable()
        if asker:
            asker.stop.set()
            asker.join()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        found = sum(len(d.paragraphs) for d in documents)
        result: dict[str, Any] = {
            "corpus": kind, "paragraphs": found, "passages": len(stored.passages), "embedded": embedded,
            "sentences": len(stored.arrays.sentences) if stored.arrays.sentences is not None else 0,
            "vocabulary": len(stored.arrays.vocabulary) if stored.arrays.vocabulary is not None else 0,
            "build_wall_s": round(wall, 2), "build_cpu_s": round(cpu, 2),
            "paragraphs_per_s": round(found / wall, 2), "cpu_ms_per_paragraph": round(1000 * cpu / found, 2),
            "model_loading": {k: round(v, 2) for k, v in loading.items()}, "e5_threads": threads,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "load_average_start": load_start, "load_average_end": load_average(),
            "parts": {name: {"cpu_s": round(clock.cpu[name], 2), "wall_s": round(clock.wall[name], 2),
                             "texts": clock.texts[name]} for name in clock.cpu},
        }
        if asker:
            result["asked_during_build"] = {"rate": ask_rate, "latency_ms": stats_ms(asker.latency)}
        rest_cpu, rest_wall = cpu - sum(clock.cpu.values()), wall - sum(clock.wall.values())
        result["parts"][REST] = {"cpu_s": round(rest_cpu, 2), "wall_s": round(rest_wall, 2), "texts": found}
        if profiler:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
            result["profile_tottime"] = text.getvalue()
            print(result["profile_tottime"])
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(r: dict[str, Any]) -> str:
    rows = [[name, p["texts"], p["cpu_s"], p["wall_s"], round(1000 * p["cpu_s"] / r["paragraphs"], 2)]
            for name, p in sorted(r["parts"].items(), key=lambda kv: -kv[1]["cpu_s"])]
    load = "/".join(f"{x:.2f}" for x in r["load_average_start"])
    asked = r.get("asked_during_build", {}).get("latency_ms", {})
    return "\n".join([
        "## Index build rate, real models (bench/index_rate.py)",
        "",
        f"{r['paragraphs']} distinct paragraphs, {r['corpus']} corpus ({r['passages']} passages, "
        f"{r['sentences']} sentences, "
        f"{r['vocabulary']} vocabulary words) from scratch, models loaded beforehand "
        f"({r['model_loading']['wall_s']} s, excluded): **{r['paragraphs_per_s']} paragraphs/s**, "
        f"{r['build_wall_s']} s wall, {r['build_cpu_s']} CPU-s ({r['cpu_ms_per_paragraph']} CPU-ms per "
        f"paragraph), peak RSS {r['peak_rss_mb']} MiB; e5 on {r.get('e5_threads')} threads; load average "
        f"{load} at the start.",
        "",
        table(["part", "texts", "CPU s", "wall s", "CPU ms per paragraph"], rows),
    ] + ([] if "asked_during_build" not in r else [
        "",
        f"Meanwhile {r['asked_during_build']['rate']} questions/s were answered by a service over seeds/ "
        f"(same models, cache off; CPU above includes theirs): latency from due time "
        + ", ".join(f"{k} {asked[k]}" for k in ("n", "p50", "p99", "max")) + " ms.",
    ]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=760)
    parser.add_argument("--corpus", choices=("article", "synth"), default="article")
    parser.add_argument("--isa", choices=e5_engine.ISAS, help=f"sets {e5_engine.ISA_VARIABLE} for this run")
    parser.add_argument("--ask-during", type=float, default=0.0, help="questions/s answered meanwhile")
    parser.add_argument("--profile", action="store_true", help="cProfile the build (slower)")
    parser.add_argument("--name", default="index_rate")
    parser.add_argument("--full", action="store_true", help="3,000 paragraphs (a 300-page PDF)")
    args = parser.parse_args()
    if args.isa:  # before the engine is built or loaded
        os.environ[e5_engine.ISA_VARIABLE] = args.isa
    started = time.perf_counter()
    print(machine_line(), flush=True)
    result = measure(3000 if args.full else args.paragraphs, args.corpus, args.profile, args.ask_during)
    write_result(args.name, result, markdown(result), started)


if __name__ == "__main__":
    main()
