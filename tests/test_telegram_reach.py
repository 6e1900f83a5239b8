"""bot/telegram/reach.py: `qabot serve` (a real child process) against a Bot API whose getMe
answers something unusable (an HTML error page with 200 or 502, bad JSON, a user without
``is_bot``, no ``result``, a list) exits like it does for a wrong token: exit code 1, one
line saying the Bot API cannot be used, no traceback, never the token."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from servekit import Folders, serve_env

from bot.telegram.reach import exit_message
from bot.tools.botapi import BotAPIServer
from config.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
TOKEN = "7000000999:REACH-secret_token"
HTML = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
ANSWERS = {  # name → (body, HTTP status, content type)
    "html page with 200": (HTML, 200, "text/html"),
    "html page with 502": (HTML, 502, "text/html"),
    "bad json": ('{"ok": true, "result": {', 200, "application/json"),
    "no is_bot": ('{"ok": true, "result": {"id": 7000000999, "first_name": "QA"}}', 200, "application/json"),
    "no result": ('{"ok": true}', 200, "application/json"),
    "a list": ('{"ok": true, "result": []}', 200, "application/json"),
}


async def _serve_once(server: BotAPIServer, tmp_path: Path, token: str) -> tuple[int, str]:
    folders = Folders(tmp_path / "docs", tmp_path / "index", tmp_path / "data")
    folders.docs.mkdir(exist_ok=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env=serve_env(server.base_url, token, folders), cwd=str(PROJECT_ROOT),
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8", "replace")


async def test_any_unusable_answer_at_start_exits_like_a_wrong_token(tmp_path: Path) -> None:
    async with BotAPIServer(TOKEN) as server:
        wrong_code, wrong = await _serve_once(server, tmp_path, "7000000999:WRONG-token")
        assert wrong_code == 1 and "rejected TELEGRAM_BOT_TOKEN" in wrong.strip().splitlines()[-1]
        for name, (body, status, content_type) in ANSWERS.items():
            server.faults.add("getMe", "raw", body=body, status=status, content_type=content_type)
            code, out = await _serve_once(server, tmp_path, TOKEN)
            last = out.strip().splitlines()[-1]
            assert code == wrong_code, (name, out)
            assert last.startswith("cannot use the Bot API: "), (name, out)
            assert "Traceback" not in out and TOKEN not in out and TOKEN.split(":")[1] not in out, (name, out)


def test_the_exit_line_never_shows_the_token() -> None:
    from telegram.error import TelegramError

    from bot.telegram.logs import protect_secret

    protect_secret(TOKEN)
    assert TOKEN not in exit_message(TelegramError(f"Not Found: /bot{TOKEN}/getMe"))
