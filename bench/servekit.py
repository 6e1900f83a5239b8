"""Real `qabot serve` processes against the loopback Bot API, to crash, kill and restart.

Used by bench/faults.py (crash and replica rows) and tests/test_telegram_inbox.py /
test_telegram_replicas.py. Each process is ``python -m bot.cli serve`` configured only by
environment variables, as an operator would run it (TELEGRAM_BASE_URL points it at the
loopback server); replicas share the documents, index and data folders and, optionally,
QABOT_DATABASE_URL. A process counts as ready once it logs "serving (".

    folders = shared_folders(work, docs, index)
    bot = await start_serve(server, TOKEN, folders, database_url=url)
    await bot.kill()                       # SIGKILL: no goodbye, claims left behind
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadkit import OFF_TOPIC_MARKERS as MARKERS  # a reply without buttons that still answers

ROOT = Path(__file__).resolve().parents[1]
READY = "serving ("


@dataclass(frozen=True)
class Folders:
    """What replicas share: documents, the index (a symlink to its version) and data."""

    docs: Path
    index: Path
    data: Path


def shared_folders(work: Path, docs: Path, index: Path) -> Folders:
    """Copies of ``docs`` and of the index folder ``index`` (as WORK/index → index.v1)."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(docs, work / "docs")
    shutil.copytree(index.resolve(), work / "index.v1")
    (work / "index").symlink_to("index.v1")
    return Folders(work / "docs", work / "index", work / "data")


@dataclass
class ServeProcess:
    """One `qabot serve` child and its log."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path
    started: float

    @property
    def alive(self) -> bool:
        """Still running."""
        return self.proc.returncode is None

    def log_text(self) -> str:
        """Everything it logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    async def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would."""
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """SIGTERM (a graceful stop); SIGKILL when it takes longer than ``timeout``."""
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            await self.kill()

    async def wait_for_log(self, text: str, timeout: float, since: int = 0) -> float:  # noqa: ASYNC109
        """Wait until ``text`` appears in the log after character ``since``; returns when."""
        deadline = time.monotonic() + timeout
        while text not in self.log_text()[since:]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not log {text!r} within {timeout}s:\n{self.tail()}")
            if not self.alive:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")
            await asyncio.sleep(0.05)
        return time.monotonic()

    def tail(self, lines: int = 30) -> str:
        """The end of the log."""
        return "\n".join(self.log_text().splitlines()[-lines:])


def serve_env(
    base_url: str, token: str, folders: Folders, *, database_url: str = "", admin: int = 9001
) -> dict[str, str]:
    """The environment of a `qabot serve` replica (no QABOT_CONFIG from the caller)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    env.update({
        "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_BASE_URL": base_url,
        "QABOT_DOCS_DIR": str(folders.docs), "QABOT_INDEX_DIR": str(folders.index),
        "QABOT_DATA_DIR": str(folders.data), "QABOT_ADMIN_IDS": str(admin),
        "QABOT_TELEGRAM_RATE_LIMIT_PER_MINUTE": "1000000", "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1",
    })
    if database_url:
        env["QABOT_DATABASE_URL"] = database_url
    return env


async def start_serve(
    base_url: str, token: str, folders: Folders, *, name: str = "bot", database_url: str = "",
    admin: int = 9001, ready_timeout: float = 300.0, until: str = READY,
) -> ServeProcess:
    """Start `qabot serve` and wait until it logs ``until`` (by default: it serves, the
    index loaded and the inbox running)."""
    folders.data.mkdir(parents=True, exist_ok=True)
    log = folders.data.parent / f"{name}-{time.time_ns()}.log"
    env = serve_env(base_url, token, folders, database_url=database_url, admin=admin)
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", stdin=asyncio.subprocess.DEVNULL,
            stdout=out, stderr=out, env=env, cwd=str(ROOT),
        )
    bot = ServeProcess(name, proc, log, time.monotonic())
    try:
        await bot.wait_for_log(until, ready_timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            await bot.kill()
        raise
    return bot




@dataclass(frozen=True)
class Outcome:
    """Questions asked around a crash and what came back, counted per chat."""

    asked: int
    lost: int  # questions without an answer
    doubled: int  # answers beyond one per question
    doubled_in_window: int  # of which the first copy reached Telegram just before the kill
    window_ms: float  # the longest such gap: how long "sent but not yet marked done" lasted


def exactly_once(
    calls: list[Any], asked: dict[int, int], killed_at: float, window: float = 1.0
) -> Outcome:
    """Count answers per chat in the server's ``calls`` (sendMessage with buttons, or a
    refusal) against ``asked`` (chat id → questions). A second answer is "in the window" when
    an identical one reached the server less than ``window`` s before the kill: the process
    died between sending and committing the done mark, the one gap the inbox allows."""
    lost = doubled = in_window = 0
    gap = 0.0
    for chat, n in asked.items():
        answers = [
            (c.at, str(c.params.get("text", ""))) for c in calls
            if c.method == "sendMessage" and c.status == 200 and c.chat_id == chat
            and (c.params.get("reply_markup") or any(m in str(c.params.get("text")) for m in MARKERS))
        ]
        lost += max(0, n - len(answers))
        extra = max(0, len(answers) - n)
        doubled += extra
        before = {text: at for at, text in answers if at < killed_at}
        repeats = [killed_at - before[text] for at, text in answers if at >= killed_at and text in before]
        close = sorted(g for g in repeats if g <= window)[:extra]
        in_window += len(close)
        gap = max([gap, *close])
    return Outcome(sum(asked.values()), lost, doubled, in_window, round(gap * 1000, 1))


async def burst_and_kill(
    tracker: Any, victim: ServeProcess, users: list[Any], pool: list[str], count: int,
    after: int = 3, timeout: float = 180.0,  # noqa: ASYNC109
) -> tuple[list[Any], float]:
    """Ask ``count`` questions at once (round robin over ``users``, through a loadkit
    Tracker), SIGKILL ``victim`` as soon as ``after`` of them are answered (replies are in
    flight then: the worst moment); returns (questions, monotonic time of the kill)."""
    asked = [tracker.ask(users[i % len(users)], pool[i % len(pool)]) for i in range(count)]
    deadline = time.monotonic() + timeout
    while sum(bool(q.answers) for q in asked) < after and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await victim.kill()
    return asked, time.monotonic()


async def all_done(asked: list[Any], timeout: float, settle: float = 2.0) -> None:  # noqa: ASYNC109
    """Wait until every question got its reply, then ``settle`` s for late second copies."""
    deadline = time.monotonic() + timeout
    while not all(q.done.is_set() for q in asked) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.sleep(settle)
