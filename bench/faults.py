"""Faults: the closed-loop load of e2e.py with Telegram misbehaving, and a /reload mid-run;
then crashes: `qabot serve` killed by SIGKILL mid-burst and restarted (SQLite), and two
replicas on PostgreSQL with the polling one killed mid-burst.

Injected on the loopback server (server.faults.add): 429 with retry_after and 500 on
sendMessage, getUpdates and sendChatAction; 1 s delays (slow network); a 7 s delay on
sendMessage and an 8 s delay on getUpdates (longer than PTB's 5 s timeouts); dropped
connections. Halfway, an admin adds a document and sends /reload. Counted per question:
answered once, answered twice, told "something went wrong" instead of an answer, and
lost without any reply. Crash rows count, per chat, lost and doubled answers (a double is
"in the send window" when its first copy reached the server < 1 s before the kill: the
process died between sending and committing the done mark) and the time to take over.

Repeated kills (``--kills N``, 10 with --full): the SQLite crash run N times over, doubles
per kill (mean and worst) and lost in all; ``--crashes`` runs only the crash rows.

    python bench/faults.py [--full] [--kills N] [--crashes]
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

from benchkit import load_average, real_settings, table, write_result
from loadkit import ADMIN, TOKEN, Question, Tracker, closed_loop, questions, start_bot, summary
from servekit import all_done, burst_and_kill, exactly_once, shared_folders, start_serve

from bot.engine.lifecycle import open_service
from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.pgserver import PostgresUnavailable, ThrowawayPostgres

# (fraction of the run, method, kind, times, retry_after, seconds)
SCHEDULE: tuple[tuple[float, str, str, int, int, float], ...] = (
    (0.10, "sendMessage", "429", 3, 1, 0.0),
    (0.20, "sendMessage", "500", 2, 1, 0.0),
    (0.30, "getUpdates", "500", 2, 1, 0.0),
    (0.32, "getUpdates", "429", 1, 1, 0.0),
    (0.50, "sendMessage", "delay", 5, 1, 1.0),
    (0.60, "getUpdates", "drop", 2, 1, 0.0),
    (0.62, "sendMessage", "drop", 2, 1, 0.0),
    (0.70, "sendMessage", "delay", 1, 1, 7.0),
    (0.80, "sendChatAction", "500", 3, 1, 0.0),
    (0.85, "getUpdates", "delay", 1, 1, 8.0),
)
RELOAD_AT = 0.40
NEW_DOC = "临时通知.txt"
NEW_TEXT = "关于基层减负的临时通知。\n\n各乡镇街道应于本月底前完成清单梳理，减少重复填报的表格。\n"


async def inject(server: BotAPIServer, work: Path, seconds: float, start: float) -> dict[str, Any]:
    """Arm the faults and send the /reload at their times."""
    events = [(f, "fault", item) for f, *item in SCHEDULE] + [(RELOAD_AT, "reload", ())]
    reload_uid = None
    for at, what, item in sorted(events, key=lambda e: e[0]):
        await asyncio.sleep(max(0.0, start + at * seconds - time.monotonic()))
        if what == "fault":
            method, kind, times, retry_after, delay = item  # type: ignore[misc]
            server.faults.add(method, kind, times=times, retry_after=retry_after, seconds=delay)
        else:
            (work / "docs" / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
            reload_uid = server.send_text(ADMIN, "/reload")
    return {"reload_update": reload_uid}


def what_happened(server: BotAPIServer, q: Question) -> str:
    """The bot's calls about an unanswered question's chat in the 15 s after delivery."""
    delivered = server.delivered_at(q.update_id)
    if delivered is None:
        return f"update {q.update_id}: never delivered"
    calls = [f"{c.method} {c.status}" + (f" ({c.description[:40]})" if c.description else "")
             for c in server.calls
             if c.chat_id == q.chat_id and delivered <= c.at <= delivered + 15]
    return f"update {q.update_id}: " + "; ".join(calls[:5])


async def one_run(server: BotAPIServer, work: Path, flood: bool, seconds: float) -> dict[str, Any]:
    (work / "docs" / NEW_DOC).unlink(missing_ok=True)
    bot = await start_bot(server, work, flood_limits=flood)
    try:
        server.faults.clear()
        server.faults.fired.clear()
        tracker = Tracker(server)
        with tracker:
            start = time.monotonic()
            injector = asyncio.ensure_future(inject(server, work, seconds, start))
            _, end = await closed_loop(tracker, 10, seconds, cap=int(seconds * 100), timeout=40.0,
                                       grace=10.0)  # a late answer after an error reply stays its own
            info = await injector
            await asyncio.sleep(10.0)  # late duplicates (the 7 s delay) land within this
        result = summary(tracker, tracker.questions, start, end)
        result["unanswered_detail"] = [what_happened(server, q) for q in tracker.questions if not q.answers]
        fired = collections.Counter(f"{f.method} {f.kind}" for f in server.faults.fired)
        admin = [m.plain_text for m in server.messages(ADMIN.id)]
        result.update({
            "fired": dict(fired), "pending_faults": server.faults.pending(),
            "reload_replies": [text[:120] for text in admin],
            "reload_ok": any("重新加载完成" in text for text in admin),
            "reload_update": info["reload_update"],
            "bot_alive": bot.alive(),
            "tracebacks": bot.log_text().count("Traceback"),
            "log_tail": [line for line in bot.log_text().splitlines() if "ERROR" in line][:8],
        })
        return result
    finally:
        await bot.stop()


async def crash_run(work: Path, replicas: bool, database_url: str = "") -> dict[str, Any]:
    """30 questions at once, the (polling) bot SIGKILLed as soon as 3 are answered, then
    10 more; alone it is restarted at once, with ``replicas`` a second one takes over."""
    source = real_settings()
    if not source.index_dir.exists():
        await asyncio.to_thread(open_service, source)  # builds the cached real index once
    folders = shared_folders(work, source.docs_dir, source.index_dir)
    users = [SimUser(id=300_000 + i, first_name=f"用户{i}") for i in range(10)]
    pool = questions()
    async with BotAPIServer(TOKEN) as server:
        a = await start_serve(server.base_url, TOKEN, folders, name="a", database_url=database_url)
        b = None
        try:
            if replicas:
                b = await start_serve(server.base_url, TOKEN, folders, name="b", database_url=database_url)
            with Tracker(server) as tracker:
                asked, killed_at = await burst_and_kill(tracker, a, users, pool, 30)
                if not replicas:
                    b = await start_serve(server.base_url, TOKEN, folders, name="a-again",
                                          database_url=database_url)
                restarted = time.monotonic() - killed_at
                asked += [tracker.ask(users[i], pool[30 + i]) for i in range(10)]
                await all_done(asked, 180.0)
        finally:
            for bot in (a, b):
                if bot is not None:
                    await bot.stop()
    chats = dict(collections.Counter(q.chat_id for q in asked))
    outcome = exactly_once(server.calls, chats, killed_at)
    polls = [c for c in server.calls if c.method == "getUpdates"]
    after = [t for q in asked for t in q.answers if t > killed_at]
    before = [q for q in asked if q.sent < killed_at]  # the burst: some were claimed by the dead bot
    return {
        **outcome.__dict__, "restart_s": round(restarted, 2) if not replicas else None,
        "polling_again_s": round(min((c.at for c in polls if c.at > killed_at and c.status == 200),
                                     default=killed_at) - killed_at, 2),
        "first_answer_after_kill_s": round(min(after, default=killed_at) - killed_at, 2),
        "burst_all_answered_s": round(max((min(q.answers) for q in before if q.answers),
                                          default=killed_at) - killed_at, 2),
        "conflicts_409": sum(c.status == 409 for c in polls),
    }


async def kill_series(work: Path, kills: int) -> dict[str, Any]:
    """The SQLite crash run ``kills`` times: doubles per kill and lost in all."""
    runs = []
    for i in range(kills):
        runs.append(await crash_run(work / f"series-{i}", replicas=False))
        print(f"[faults] kill {i + 1}/{kills}: {runs[-1]['doubled']} doubled, {runs[-1]['lost']} lost",
              flush=True)
    doubled = [r["doubled"] for r in runs]
    return {"kills": kills, "asked_per_kill": runs[0]["asked"] if runs else 0, "doubled": doubled,
            "doubled_mean": round(sum(doubled) / max(1, kills), 2),
            "doubled_max": max(doubled, default=0),
            "lost": sum(r["lost"] for r in runs),
            "window_ms_max": max((r["window_ms"] for r in runs), default=0)}


async def crash_runs(work: Path, kills: int = 0) -> dict[str, Any]:
    rows: dict[str, Any] = {"SIGKILL + restart, SQLite": await crash_run(work / "crash", replicas=False)}
    print(f"[faults] crash: {rows}", flush=True)
    if kills:
        rows["series"] = await kill_series(work, kills)
    try:
        with ThrowawayPostgres() as pg:
            name = "2 replicas, PostgreSQL, poller SIGKILLed"
            rows[name] = await crash_run(work / "replicas", replicas=True, database_url=pg.new_database())
    except PostgresUnavailable as exc:
        rows["replicas skipped"] = {"reason": str(exc)}
    return rows


async def run(full: bool, kills: int, crashes_only: bool) -> dict[str, Any]:
    seconds = 60.0 if full else 25.0
    results: dict[str, Any] = {"seconds": seconds, "load_average_start": load_average(), "runs": {}}
    work = Path(tempfile.mkdtemp(prefix="qabot-faults-"))
    try:
        async with BotAPIServer(TOKEN) as server:
            for flood in () if crashes_only else (True, False):
                name = "AIORateLimiter on (shipped)" if flood else "flood limits off"
                results["runs"][name] = await one_run(server, work, flood, seconds)
                print(f"[faults] {name}: {results['runs'][name]['lost']} lost", flush=True)
        results["crashes"] = await crash_runs(work, kills)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    return results


def markdown(r: dict[str, Any]) -> str:
    rows, details = [], []
    for name, x in r["runs"].items():
        rows.append([name, x["questions"], x["answered"], x["lost"], x["silent"], x["error_replies"],
                     x["answered_twice"], x["latency_ms"]["p50"], x["latency_ms"]["max"],
                     "yes" if x["reload_ok"] else "NO", x["tracebacks"]])
        fired = ", ".join(f"{k} ×{v}" for k, v in sorted(x["fired"].items()))
        details.append(f"- {name}: fired {fired}; pending {x['pending_faults']}; reload reply: "
                       f"{x['reload_replies'][:1]}")
        details += [f"  - unanswered {d}" for d in x["unanswered_detail"]]
    load = ", ".join(f"{v:.1f}" for v in r["load_average_start"])
    plan = "; ".join(f"{int(f * 100)}%: {m} {k}×{n}" + (f" {s:.0f}s" if s else "")
                     for f, m, k, n, _, s in SCHEDULE)
    return "\n".join([
        "### Faults (bench/faults.py)",
        f"10 chats closed loop for {r['seconds']:.0f} s; at {int(RELOAD_AT * 100)}% an admin adds a document "
        f"and sends /reload. Faults (time into the run): {plan}. Load average at start {load}.\n",
        table(["bot", "questions", "answered", "unanswered", "of which silent", "error replies",
               "answered twice", "p50 ms", "max ms", "reload ok", "tracebacks in log"], rows),
        "", *details, "",
        "Crashes: 30 questions from 10 chats at once, the polling bot SIGKILLed as soon as 3 are "
        "answered (replies in flight), then 10 more. Times are from the kill.\n",
        table(["scenario", "questions", "lost", "doubled", "of which in the send window", "window ms",
               "restart s", "polling again s", "first answer after kill s", "whole burst answered s",
               "getUpdates 409"],
              [[name, x["asked"], x["lost"], x["doubled"], x["doubled_in_window"], x["window_ms"],
                x["restart_s"] if x["restart_s"] is not None else "-", x["polling_again_s"],
                x["first_answer_after_kill_s"], x["burst_all_answered_s"], x["conflicts_409"]]
               for name, x in r.get("crashes", {}).items() if "asked" in x]),
        "", *series_lines(r.get("crashes", {}).get("series")),
    ])


def series_lines(x: dict[str, Any] | None) -> list[str]:
    if not x:
        return []
    return [
        f"Repeated kills (SQLite, SIGKILL as soon as 3 of 30 are answered, restart, 10 more; "
        f"{x['kills']} times): doubled per kill {x['doubled']} — mean **{x['doubled_mean']}** of "
        f"{x['asked_per_kill']}, worst {x['doubled_max']}; lost {x['lost']} in all; longest "
        f"send-to-done window {x['window_ms_max']} ms.", "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="60 s runs instead of 25 s; 10 kills")
    parser.add_argument("--kills", type=int, default=None,
                        help="repeated SQLite kills (default 0, 10 with --full)")
    parser.add_argument("--crashes", action="store_true", help="only the crash rows")
    args = parser.parse_args()
    kills = args.kills if args.kills is not None else (10 if args.full else 0)
    started = time.perf_counter()
    results = asyncio.run(run(args.full, kills, args.crashes))
    write_result("faults", results, markdown(results), started)


if __name__ == "__main__":
    main()
