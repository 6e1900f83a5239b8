"""State store cost per answered update, SQLite and PostgreSQL (a throwaway local server).

What the bot does with the store for one question, through AsyncState (the store's worker
thread), as the inbox and handlers do it under load: commit a getUpdates batch (10 updates
in one transaction), claim them (one query), then per update: rate-limit check, read the
chat's context, record answer + context + buttons (one transaction), mark done. Reported
per update: wall ms, CPU ms of this process (the bot's side), and for PostgreSQL the CPU
ms of the server backend serving the connection. Models are not involved (~25 ms CPU per
answer, bench/latency.py), so these figures are the inbox's overhead on top.

    python bench/state.py [--full]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from benchkit import load_average, table, write_result

from bot.engine.types import Hit, Turn
from bot.state import AsyncState, InboxUpdate, LogEntry, SqlStore
from bot.state.postgres import PostgresStore
from bot.state.sqlite import SqliteStore
from bot.telegram.refs import AnswerRef, new_key
from bot.tools.pgserver import PostgresUnavailable, ThrowawayPostgres

BATCH = 10
QUESTION = "街道年终考核一共有多少项指标？"
HITS = tuple(Hit("article.txt", n, "问责本身并不是目的，而是一种手段。" * 8, 0.9) for n in (8, 9, 10))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _one(state: AsyncState, uid: int) -> None:
    store = state.store
    chat = 100_000 + uid % 50
    await state.run(store.rate_check, chat, 1_000_000)
    before = await state.run(store.get_turn, chat, 600.0)
    shown = frozenset((h.doc, h.paragraph) for h in HITS)
    ref = AnswerRef(QUESTION, "zh", HITS, 3, chat, shown)
    entry = LogEntry(uid, chat, chat, QUESTION, "answered", (("article.txt", 8),), 30.0, new_key())
    turn = Turn(entry.question, entry.cited) if before is None else before
    await state.run(store.record_answer, entry, turn, (entry.answer_key or "", ref.to_json()))
    await state.run(store.finish, uid)


async def measure(store: SqlStore, updates: int, backend_pid: int | None) -> dict[str, Any]:
    state = AsyncState(store)
    payload = json.dumps({"message": {"message_id": 1, "text": QUESTION * 2}}, ensure_ascii=False)
    server = psutil.Process(backend_pid) if backend_pid else None
    server_cpu = sum(server.cpu_times()[:2]) if server else 0.0
    cpu, wall = _cpu(), time.perf_counter()
    for start in range(1, updates + 1, BATCH):
        rows = [InboxUpdate(u, 100_000 + u % 50, payload) for u in range(start, start + BATCH)]
        await state.run(store.add_updates, rows)
        claimed: list[Any] = []
        while len(claimed) < BATCH:  # one chat's second update waits for its first
            got = await state.run(store.claim, "bench", BATCH)
            claimed += got
            await asyncio.gather(*(_one(state, c.update_id) for c in got))
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    server_cpu = (sum(server.cpu_times()[:2]) - server_cpu) if server else 0.0
    state.close()
    return {
        "updates": updates, "ms_per_update": round(wall * 1000 / updates, 3),
        "cpu_ms_per_update": round(cpu * 1000 / updates, 3),
        "server_cpu_ms_per_update": round(server_cpu * 1000 / updates, 3) if server else None,
        "updates_per_s": round(updates / wall, 1),
    }


async def run(full: bool) -> dict[str, Any]:
    updates = 5000 if full else 1000
    results: dict[str, Any] = {"load_average_start": load_average(), "backends": {}}
    with tempfile.TemporaryDirectory(prefix="qabot-state-bench-") as tmp:
        sqlite = await measure(SqliteStore(Path(tmp)), updates, None)
        results["backends"]["SQLite (WAL, synchronous=NORMAL)"] = sqlite
    try:
        with ThrowawayPostgres() as pg:
            store = PostgresStore(pg.new_database())
            with store._read() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = int(cur.fetchone()[0])
            results["backends"]["PostgreSQL 127.0.0.1 (fsync off)"] = await measure(store, updates, pid)
    except PostgresUnavailable as exc:
        results["postgres_skipped"] = str(exc)
    results["load_average_end"] = load_average()
    return results


def markdown(r: dict[str, Any]) -> str:
    rows = [[name, x["updates"], x["ms_per_update"], x["cpu_ms_per_update"],
             x["server_cpu_ms_per_update"] or "-", x["updates_per_s"]]
            for name, x in r["backends"].items()]
    load = ", ".join(f"{v:.1f}" for v in r["load_average_start"])
    return "\n".join([
        "### State store per update (bench/state.py)",
        "Store work of one answered question (commit in a batch of 10, claim, rate limit, context, "
        "record answer + buttons, done), through the store's worker thread, models left out. "
        f"Load average at start {load}.\n",
        table(["backend", "updates", "wall ms / update", "bot CPU ms / update", "server CPU ms / update",
               "updates / s (store only)"], rows),
        "", f"PostgreSQL skipped: {r['postgres_skipped']}" if "postgres_skipped" in r else "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="5000 updates instead of 1000")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(run(args.full))
    write_result("state", results, markdown(results), started)


if __name__ == "__main__":
    main()
