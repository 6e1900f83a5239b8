"""Polling against a Bot API that answers getUpdates at once (a proxy, an emulator that
ignores ``timeout``): getUpdates calls per second while idle, with the poller's pause after
an early empty answer (bot/telegram/poller.py EMPTY_PAUSE) and without it (the pause set to
0, as before issue #24). The real Application over the loopback Bot API, the article with
the HashingEncoder, SQLite in a temp folder.

    python bench/polling.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import bot.telegram.poller as poller
from bot.telegram import build_application, running
from bot.tools.botapi import BotAPIServer
from config.settings import PROJECT_ROOT, load_settings
from embeddings import HashingEncoder

TOKEN = "7000000321:POLL-bench_token"


async def calls_per_second(pause: float, seconds: float) -> float:
    """Idle getUpdates calls per second with EMPTY_PAUSE = ``pause``."""
    poller.EMPTY_PAUSE = pause
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(PROJECT_ROOT / "seeds", root / "docs")
        settings = replace(load_settings(env={}), docs_dir=root / "docs", index_dir=root / "index",
                           data_dir=root / "data")
        async with BotAPIServer(TOKEN) as server:
            app = build_application(settings, TOKEN, encoder=HashingEncoder(), base_url=server.base_url)
            async with running(app):
                await asyncio.sleep(1.0)  # became the poller
                server.ignore_timeout = True
                count = lambda: sum(c.method == "getUpdates" for c in server.calls)  # noqa: E731
                before, started = count(), time.monotonic()
                await asyncio.sleep(seconds)
                return (count() - before) / (time.monotonic() - started)


def main() -> None:
    """Print both figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    shipped = poller.EMPTY_PAUSE
    for pause in (0.0, shipped):
        rate = asyncio.run(calls_per_second(pause, args.seconds))
        print(f"EMPTY_PAUSE {pause:.1f} s: {rate:.1f} getUpdates/s while idle")


if __name__ == "__main__":
    main()
