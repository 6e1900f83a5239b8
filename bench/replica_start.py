"""Cold start of a replica that has only QABOT_DATABASE_URL: the index fetched from PostgreSQL.

Issue 19 item 1. The corpus is engine_scale's (bench/synth.py): 1,000 documents × 100
paragraphs (100k, --full; the default 100 × 100, 10k), the HashingEncoder ("hashing-384"),
no second model. Steps:

1. `qabot index` builds the index in replica a's folders (a fresh process, timed);
2. a publishes it to a throwaway PostgreSQL (bot/state/published.py, in this process):
   seconds, bytes stored;
3. replica b, a fresh process with empty folders of its own, starts as `qabot serve` does
   (opens the state store, then ``ServedEngine.open``) and answers one question: the wall
   time from spawning the process, split into interpreter + imports, store, fetch (chunks
   read, checked, written, renamed) and load (``open_service`` on the fetched folder); peak
   RSS (ru_maxrss). Run ``--runs`` times, the folders emptied in between;
4. b restarted with its cache in place (nothing to fetch);
5. one document changed in a (`qabot index`, incremental) and published again: seconds and
   bytes the database had to store anew (files unchanged since the last version are not
   stored twice); b restarted: it fetches the new version over its cache.

The files fetched were just written, so they are in the page cache, as the database's are
in PostgreSQL's buffers or the page cache: a cold machine reads them from disk on top.

    python bench/replica_start.py [--full] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from benchkit import load_average, table, write_result
from engine_scale import QUESTION, corpus, environment, parse, qabot, run_child
from synth import ParagraphMaker, change_one_document

from bot.state import open_store
from bot.state.published import DatabaseSource
from bot.tools.pgserver import ThrowawayPostgres
from config.settings import load_settings


class Timed:
    """An IndexSource that times the source it wraps."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.seconds = {"download": 0.0, "fetch": 0.0, "publish": 0.0}

    def published(self) -> str:
        result: str = self.source.published()
        return result

    def prefetch(self) -> None:
        start = time.perf_counter()
        self.source.prefetch()
        self.seconds["download"] += time.perf_counter() - start

    def fetch(self) -> None:
        start = time.perf_counter()
        self.source.fetch()
        self.seconds["fetch"] += time.perf_counter() - start

    def publish(self) -> None:
        start = time.perf_counter()
        self.source.publish()
        self.seconds["publish"] += time.perf_counter() - start

    def close(self) -> None:
        self.source.close()


def child_main() -> None:
    """In a fresh process: start as a replica does (store, then the engine), ask one question."""
    started = time.perf_counter()
    from bot.serving.engine import ServedEngine
    from bot.state.published import index_source

    imported = time.perf_counter()
    settings = load_settings()
    store = open_store(settings)  # connect and check the migrations, as post_init does
    stored = time.perf_counter()
    timed = Timed(index_source(settings))
    engine = ServedEngine(settings, source=timed)

    async def start() -> bool:
        await engine.open()
        opened = time.perf_counter()
        answer = await engine.ask(QUESTION)
        result["open_s"] = opened - stored
        return answer.answered

    result: dict[str, Any] = {"imports_s": imported - started, "store_s": stored - imported}
    result["answered"] = asyncio.run(start())
    result["download_s"] = timed.seconds["download"]  # the index, before the lock
    result["documents_s"] = timed.seconds["fetch"]  # under the lock: documents, symlink
    result["fetch_s"] = result["download_s"] + result["documents_s"]
    result["publish_check_s"] = timed.seconds["publish"]
    result["load_s"] = result["open_s"] - result["fetch_s"] - result["publish_check_s"]
    result["paragraphs"] = engine.info.paragraphs
    engine.close()
    store.close()
    print("RESULT " + json.dumps(result))


def stored_bytes(url: str) -> int:
    """Bytes of every chunk the database holds."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT COALESCE(SUM(octet_length(data)), 0) FROM blob_chunks").fetchone()
    return int(row[0]) if row else 0


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.resolve().iterdir() if p.is_file())


def run(full: bool, runs: int) -> dict[str, Any]:
    n_docs, per_doc = (1000, 100) if full else (100, 100)
    source = corpus(n_docs, per_doc)
    work = Path(tempfile.mkdtemp(prefix="qabot-replica-"))
    try:
        shutil.copytree(source, work / "a" / "docs", ignore=shutil.ignore_patterns(".complete"))
        r: dict[str, Any] = {"paragraphs": n_docs * per_doc, "documents": n_docs,
                             "load_average_start": load_average()}
        print("[replica_start] qabot index in replica a ...", flush=True)
        r["index"] = run_child(qabot("", "index"), environment(work / "a"))
        r["index"].pop("stdout", None)
        with ThrowawayPostgres() as pg:
            url = pg.new_database()
            a = environment(work / "a")
            settings = load_settings(env={**a, "QABOT_DATABASE_URL": url})
            open_store(settings).close()  # the tables (migration 6)
            print("[replica_start] publishing a's version ...", flush=True)
            start = time.perf_counter()
            DatabaseSource(url, settings.index_dir, settings.docs_dir).publish()
            r["publish"] = {"seconds": round(time.perf_counter() - start, 2), "load": load_average(),
                            "index_bytes": folder_bytes(settings.index_dir),
                            "docs_bytes": folder_bytes(settings.docs_dir)}
            b = {**environment(work / "b"), "QABOT_DATABASE_URL": url}
            command = [sys.executable, str(Path(__file__).resolve()), "--child"]
            r["cold"] = []
            for n in range(runs):
                shutil.rmtree(work / "b", ignore_errors=True)
                print(f"[replica_start] replica b, empty folders, run {n + 1} ...", flush=True)
                got = run_child(command, b)
                r["cold"].append({**parse(got.pop("stdout")), **got})
            print("[replica_start] replica b restarted, cache in place ...", flush=True)
            got = run_child(command, b)
            r["warm"] = {**parse(got.pop("stdout")), **got}
            change_one_document(work / "a" / "docs", ParagraphMaker(seed=78), which=0.25)
            print("[replica_start] one document changed in a: qabot index, publish ...", flush=True)
            r["index_changed"] = run_child(qabot("", "index"), environment(work / "a"))
            r["index_changed"].pop("stdout", None)
            before = stored_bytes(url)
            start = time.perf_counter()
            DatabaseSource(url, settings.index_dir, settings.docs_dir).publish()
            r["republish"] = {"seconds": round(time.perf_counter() - start, 2), "load": load_average(),
                              "new_bytes": stored_bytes(url) - before}
            print("[replica_start] replica b restarted after the change ...", flush=True)
            got = run_child(command, b)
            r["changed"] = {**parse(got.pop("stdout")), **got}
        r["load_average_end"] = load_average()
        return r
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(r: dict[str, Any], tag: str) -> str:
    def row(name: str, x: dict[str, Any]) -> list[Any]:
        rest = x["seconds"] - x["store_s"] - x["fetch_s"] - x["load_s"]
        return [name, x["seconds"], f"{x['fetch_s']:.2f} ({x['download_s']:.2f} + {x['documents_s']:.2f})",
                round(x["load_s"], 2), round(x["store_s"], 2),
                round(rest, 2), x["peak_rss_mb"], "yes" if x["answered"] else "no", f"{x['load'][0]:.1f}"]

    p = r["publish"]
    mib = p["index_bytes"] / 2**20
    rows = [row(f"empty folders, run {n + 1}", x) for n, x in enumerate(r["cold"])]
    rows.append(row("restart, cache in place", r["warm"]))
    rows.append(row("restart after one document changed elsewhere", r["changed"]))
    c = r["republish"]
    fetch = min(x["fetch_s"] for x in r["cold"])
    return "\n".join([
        f"### Replica cold start from the database (bench/replica_start.py{tag})",
        f"{r['paragraphs']:,} synthetic paragraphs in {r['documents']:,} documents, HashingEncoder (384), no "
        f"second model. Index {mib:.0f} MiB, documents "
        f"{p['docs_bytes'] / 2**20:.1f} MiB; `qabot index` {r['index']['seconds']} s (load "
        f"{r['index']['load'][0]:.1f}); publishing it {p['seconds']} s (load {p['load'][0]:.1f}). "
        f"Fetch rate {mib / max(fetch, 1e-9):.0f} MiB/s (best run). Each row is a fresh process with "
        "QABOT_DATABASE_URL and folders of its own; wall seconds from spawning it to the answer; "
        "rest = the interpreter, imports and the answer; RSS = ru_maxrss. One document changed in a: "
        f"`qabot index` {r['index_changed']['seconds']} s, published again in {c['seconds']} s (load "
        f"{c['load'][0]:.1f}), {c['new_bytes'] / 2**20:.0f} MiB stored anew.\n",
        table(["replica b", "wall s", "fetch s (index + documents)", "load s", "store s", "rest s",
               "peak RSS MiB", "answered", "load (1 min)"], rows),
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="1,000 documents (100k paragraphs)")
    parser.add_argument("--runs", type=int, default=2, help="cold starts with empty folders")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main()
        return
    started = time.perf_counter()
    results = run(args.full, args.runs)
    write_result("replica_start", results, markdown(results, ", --full" if args.full else ""), started)


if __name__ == "__main__":
    main()
