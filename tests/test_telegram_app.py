"""bot/telegram/app.py's `qabot serve` lifecycle: a SIGTERM that comes while the index is
still being built stops the process at once, cleanly, without waiting for the build and
without publishing half an index (a deploy or an orchestrator's restart during start-up
must not wait out a build of many minutes)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from servekit import READY, Folders, start_serve

from bot.tools.botapi import BotAPIServer
from config.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
TOKEN = "7000000777:APP-secret_token"
COPIES = 8  # distinct copies of the article: a build of minutes with the real models


async def test_sigterm_during_the_index_build_stops_at_once_and_publishes_nothing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    article = (PROJECT_ROOT / "seeds" / "article.txt").read_text(encoding="utf-8")
    for copy in range(COPIES):  # every paragraph differs between copies, so none is reused
        blocks = [f"{block.strip()}（第{copy}版）" for block in article.split("\n\n") if block.strip()]
        (docs / f"article-{copy}.txt").write_text("\n\n".join(blocks), encoding="utf-8")
    folders = Folders(docs, tmp_path / "index", tmp_path / "data")
    async with BotAPIServer(TOKEN) as server:
        bot = await start_serve(server.base_url, TOKEN, folders, until="state store:", ready_timeout=120)
        await bot.stop(timeout=60)  # SIGTERM; SIGKILL only if it hangs
        log = bot.log_text()
    assert bot.proc.returncode == 0, log
    assert "stopping during start-up" in log and log.rstrip().endswith("stopped"), log
    assert READY not in log and "Traceback" not in log and TOKEN not in log
    assert published(tmp_path) == []  # no index version, not even half-written


def published(work: Path) -> list[str]:
    return [p.name for p in work.iterdir() if p.name.startswith(("index", ".index"))]
