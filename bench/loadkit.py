"""Load driving for the end-to-end benches: the bot in a child process, chats, reply tracking.

The loopback BotAPIServer and the simulated chats run in this process; the real bot
(bench/e2e_bot.py) runs in a child process so its CPU, RSS and profile are its own. A
reply is matched to the oldest unanswered question of its chat. Latency is measured on
the server's clock: from ``delivered_at(update_id)`` (getUpdates handed the question to
the bot) to the arrival of the bot's sendMessage. Every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from benchkit import DEV2_SET, DEV_SET, HELDOUT_SET, ROOT, real_settings, stats_ms

from bot.telegram.texts import t
from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.evaluate import read_cases

TOKEN = "7000000777:bench-secret_token-1a2b3c"
ADMIN = SimUser(id=9001, first_name="管理员", username="admin")
ERROR_TEXTS = (t("zh", "error"), t("en", "error"))
# Replies without buttons that still answer: not covered, and "related" (closest paragraphs)
OFF_TOPIC_MARKERS = ("文章没有涉及", "does not cover", t("zh", "related"), t("en", "related"))
BOT_SCRIPT = Path(__file__).resolve().parent / "e2e_bot.py"


ZH_FRAMES = ("{q}", "请问：{q}", "我想了解一下，{q}", "想请教：{q}", "麻烦问一下，{q}", "{q}谢谢。",
             "同事让我问：{q}", "有个问题：{q}")
EN_FRAMES = ("{q}", "Please tell me: {q}", "I would like to know: {q}", "Quick question: {q}",
             "Could you tell me: {q}", "{q} Thanks.", "A colleague asks: {q}",
             "One question: {q}")


def questions() -> list[str]:
    """Dev + held-out questions (in scope and off-topic), in file order."""
    return [c.q for c in read_cases(DEV_SET) + read_cases(HELDOUT_SET)]


def distinct_questions() -> list[str]:
    """Every dev, held-out and dev2 question in eight phrasings ("请问：…", "Please tell me:
    …"), all distinct texts, so no answer cache can help, in a fixed shuffled order so that
    any slice mixes phrasings, lengths and languages like the whole. Scenarios of one bot
    process take disjoint slices (the cache would remember a repeat)."""
    base = questions() + [c.q for c in read_cases(DEV2_SET)]
    out = []
    for frame in range(len(ZH_FRAMES)):
        for q in base:
            frames = EN_FRAMES if q.isascii() else ZH_FRAMES
            out.append(frames[frame].format(q=q))
    assert len(set(out)) == len(out)
    random.Random(7).shuffle(out)
    return out


def prepare_work(work: Path) -> Path:
    """WORK/docs (copy of seeds/) and WORK/index (copy of the cached real-model index)."""
    work.mkdir(parents=True, exist_ok=True)
    source = real_settings()
    if not (work / "docs").exists():
        shutil.copytree(source.docs_dir, work / "docs")
    if not (work / "index").exists() and source.index_dir.exists():
        shutil.copytree(source.index_dir.resolve(), work / "index")
    return work


@dataclass
class BotProcess:
    """The bot child process."""

    proc: asyncio.subprocess.Process
    work: Path
    log: Path
    ps: psutil.Process

    def rss_mb(self) -> float:
        with contextlib.suppress(psutil.Error):
            return float(self.ps.memory_info().rss) / 2**20
        return 0.0

    def cpu_seconds(self) -> float:
        with contextlib.suppress(psutil.Error):
            times = self.ps.cpu_times()
            return float(times.user + times.system)
        return 0.0

    def alive(self) -> bool:
        return self.proc.returncode is None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    async def stop(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def start_bot(
    server: BotAPIServer, work: Path, *, flood_limits: bool = True, env: dict[str, str] | None = None,
    max_upload: int = 2_000_000, ready_timeout: float = 300.0, extra: tuple[str, ...] = (),
    root: Path = ROOT,
) -> BotProcess:
    """Spawn bench/e2e_bot.py against ``server`` and wait until it polls.

    ``root``: the checkout whose bot runs (another one, e.g. a baseline commit's worktree,
    runs that commit's code with this venv).
    """
    prepare_work(work)
    log = work / f"bot-{int(time.time() * 1000)}.log"
    if root != ROOT:
        env = {**(env or {}), "PYTHONPATH": str(root)}
    args = [
        sys.executable, str(root / "bench" / BOT_SCRIPT.name), "--base-url", server.base_url,
        "--base-file-url", server.base_file_url, "--token", TOKEN, "--work", str(work),
        "--admin", str(ADMIN.id), "--max-upload", str(max_upload), *extra,
    ]
    if not flood_limits:
        args.append("--no-flood-limits")
    with log.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err,
            env={**os.environ, **(env or {})}, cwd=str(root),
        )
    bot = BotProcess(proc, work, log, psutil.Process(proc.pid))
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), ready_timeout)
    except TimeoutError:
        line = b""
    if b"READY" not in line:
        await bot.stop(5)
        raise RuntimeError(f"bot did not start: {bot.log_text()[-2000:]}")
    return bot


@dataclass
class Question:
    """One question sent by a simulated user and what came back."""

    update_id: int
    chat_id: int
    text: str
    sent: float
    answers: list[float] = field(default_factory=list)  # server arrival times of answers
    errors: int = 0
    other: int = 0  # other messages (e.g. first chunks of a long answer)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Tracker:
    """Sends questions and matches the bot's sendMessage calls to them."""

    def __init__(self, server: BotAPIServer) -> None:
        self.server = server
        self.questions: list[Question] = []
        self.open: dict[int, collections.deque[Question]] = collections.defaultdict(collections.deque)
        self.last: dict[int, Question] = {}
        self.unmatched = 0
        self._seen = 0
        self._task: asyncio.Task[None] | None = None

    def ask(self, user: SimUser, text: str) -> Question:
        uid = self.server.send_text(user, text)
        q = Question(uid, user.id, text, time.monotonic())
        self.questions.append(q)
        self.open[user.id].append(q)
        self.last[user.id] = q
        return q

    def poll(self) -> None:
        calls = self.server.calls
        while self._seen < len(calls):
            call = calls[self._seen]
            self._seen += 1
            if call.method != "sendMessage" or call.status != 200 or call.chat_id is None:
                continue
            text = str(call.params.get("text", ""))
            markup = call.params.get("reply_markup")
            queue = self.open.get(call.chat_id)
            q = queue[0] if queue else self.last.get(call.chat_id)
            if q is None:
                self.unmatched += 1
            elif any(e in text for e in ERROR_TEXTS):  # terminal too: the user was told
                q.errors += 1
                if queue and queue[0] is q:
                    queue.popleft()
                q.done.set()
            elif markup or any(m in text for m in OFF_TOPIC_MARKERS):
                q.answers.append(call.at)
                if queue and queue[0] is q:
                    queue.popleft()
                q.done.set()
            else:
                q.other += 1

    async def _run(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(0.005)

    def __enter__(self) -> Tracker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.poll()

    def latency(self, q: Question) -> float | None:
        delivered = self.server.delivered_at(q.update_id)
        if not q.answers or delivered is None:
            return None
        return q.answers[0] - delivered


async def closed_loop(
    tracker: Tracker, chats: int, seconds: float, cap: int, timeout: float = 30.0,  # noqa: ASYNC109
    grace: float = 2.0,
) -> tuple[float, float]:
    """``chats`` users each ask, wait for the answer, ask again; bounded by time and count."""
    pool = questions()
    counter = itertools.count()
    start = time.monotonic()
    deadline = start + seconds

    async def chat(i: int) -> None:
        user = SimUser(id=100_000 + i, first_name=f"用户{i}")
        while time.monotonic() < deadline and (n := next(counter)) < cap:
            q = tracker.ask(user, pool[n % len(pool)])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(q.done.wait(), timeout)
            if q.errors and not q.answers:  # an error reply: give a late answer a chance
                await asyncio.sleep(grace)

    await asyncio.gather(*(chat(i) for i in range(chats)))
    return start, time.monotonic()


async def open_loop(
    tracker: Tracker, chats: int, rate: float, seconds: float, drain: float = 30.0,
    pool: list[str] | None = None,
) -> tuple[float, float, int]:
    """Questions (from ``pool``, default: dev + held-out) at a fixed ``rate`` spread over idle
    chats; returns (start, end, skipped)."""
    pool = pool or questions()
    users = [SimUser(id=200_000 + i, first_name=f"用户{i}") for i in range(chats)]
    start = time.monotonic()
    total = int(rate * seconds)
    skipped = 0
    sent: list[Question] = []
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        idle = [u for u in users[n % chats :] + users[: n % chats] if not tracker.open[u.id]]
        if not idle:
            skipped += 1
            continue
        sent.append(tracker.ask(idle[0], pool[n % len(pool)]))
    end_sending = time.monotonic()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(q.done.wait() for q in sent)), drain)
    return start, end_sending, skipped


def summary(tracker: Tracker, qs: list[Question], start: float, end: float) -> dict[str, Any]:
    """Throughput, latency and correctness figures over ``qs``."""
    lat = [x for q in qs if (x := tracker.latency(q)) is not None]
    offered = [q.answers[0] - q.sent for q in qs if q.answers]  # the update offered → the reply
    answered = [q for q in qs if q.answers]
    last = max((q.answers[0] for q in answered), default=end)
    window = max(last, end) - start
    arrivals = sorted(q.answers[0] for q in answered)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    return {
        "questions": len(qs),
        "answered": len(answered),
        # sustained: answers per second between the first and the last answer (offering N
        # questions over T s, N / (T + last latency) would understate a bot that keeps up)
        "answers_per_s": round((len(arrivals) - 1) / span, 2) if span > 0 else 0.0,
        "window_s": round(window, 2),
        "latency_ms": stats_ms(lat),
        "from_offer_ms": stats_ms(offered),
        "lost": sum(not q.answers for q in qs),
        "silent": sum(not q.answers and not q.errors for q in qs),
        "answered_twice": sum(len(q.answers) > 1 for q in qs),
        "error_replies": sum(q.errors for q in qs),
        "extra_messages": sum(q.other for q in qs),
        "unmatched_messages": tracker.unmatched,
    }
