"""Webhook mode: secret path and token, setWebhook, a posted update is committed to the inbox
before its 200 and answered once (a second delivery of the same update is dropped)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.telegram import ALLOWED_UPDATES, build_application, running
from bot.telegram.context import runtime_of
from bot.telegram.webhook import webhook_options
from bot.tools.botapi import BotAPIServer, SimUser
from config.settings import PROJECT_ROOT, Settings, load_settings
from embeddings import HashingEncoder

pytestmark = pytest.mark.slow
TOKEN = "7000000456:WEBHOOK-secret_token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(root: Path) -> Settings:
    shutil.copytree(PROJECT_ROOT / "seeds", root / "docs")
    base = load_settings(env={})
    telegram = replace(
        base.telegram, mode="webhook", webhook_url="https://bot.example.org/hook/",
        webhook_listen="127.0.0.1", webhook_port=_free_port(),
    )
    return replace(
        base, docs_dir=root / "docs", index_dir=root / "index", data_dir=root / "data",
        telegram=telegram,
    )


def test_webhook_options_hide_the_token(tmp_path: Path) -> None:
    options = webhook_options(_settings(tmp_path), TOKEN)
    assert options.webhook_url == "https://bot.example.org/hook/" + options.url_path
    secret = options.secret_token
    assert TOKEN not in str(options) and TOKEN.split(":")[1] not in str(options)
    assert len(secret) == 48 and secret.isalnum()


async def test_webhook_update_is_answered(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    options = webhook_options(settings, TOKEN)
    user = SimUser(id=301)
    async with BotAPIServer(TOKEN) as server:
        app = build_application(settings, TOKEN, encoder=HashingEncoder(), base_url=server.base_url)
        async with running(app, allowed_updates=ALLOWED_UPDATES, webhook=options):
            (call,) = [c for c in server.calls if c.method == "setWebhook"]
            assert call.params["url"] == options.webhook_url
            assert call.params["secret_token"] == options.secret_token
            assert not [c for c in server.calls if c.method == "getUpdates"]
            chat = {"id": user.id, "type": "private", "first_name": user.first_name}
            update = {"update_id": 1, "message": {
                "message_id": 1, "from": user.to_dict(), "chat": chat, "date": int(time.time()),
                "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }}
            server.enqueue_raw({"message": update["message"]})  # makes the chat known
            url = f"http://127.0.0.1:{options.port}/{options.url_path}"
            store = runtime_of(app).state.store
            async with httpx.AsyncClient() as client:
                wrong = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
                )
                assert wrong.status_code == 403
                assert store.last_update_id() is None  # refused: nothing committed
                header = {"X-Telegram-Bot-Api-Secret-Token": options.secret_token}
                assert (await client.post(url, content=b"{not json", headers=header)).status_code == 400
                assert (await client.post(url, json=update, headers=header)).status_code == 200
                assert store.last_update_id() == 1  # committed before the 200
                (msg,) = await server.wait_for_messages(user.id, 1, timeout=60)
                assert "1 份文件" in msg.plain_text
                # Telegram retries a delivery it thinks failed: answered once all the same
                assert (await client.post(url, json=update, headers=header)).status_code == 200
            for _ in range(50):
                if store.inbox_counts() == {"done": 1}:
                    break
                await asyncio.sleep(0.1)
            assert store.inbox_counts() == {"done": 1}
            assert len(server.messages(user.id)) == 1


async def test_webhook_keeps_an_unparsable_update_and_answers_the_next(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    options = webhook_options(settings, TOKEN)
    user = SimUser(id=302)
    chat = {"id": user.id, "type": "private", "first_name": user.first_name}
    start = {"message_id": 1, "from": user.to_dict(), "chat": chat, "date": int(time.time()),
             "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    no_date = {"message_id": 2, "from": user.to_dict(), "chat": chat, "text": "旧消息"}
    async with BotAPIServer(TOKEN) as server:
        app = build_application(settings, TOKEN, encoder=HashingEncoder(), base_url=server.base_url)
        async with running(app, allowed_updates=ALLOWED_UPDATES, webhook=options):
            server.enqueue_raw({"message": start})  # makes the chat known
            url = f"http://127.0.0.1:{options.port}/{options.url_path}"
            header = {"X-Telegram-Bot-Api-Secret-Token": options.secret_token}
            rt = runtime_of(app)
            store = rt.state.store
            async with httpx.AsyncClient() as client:
                bad = {"update_id": 5, "callback_query": {"id": "9", "from": user.to_dict(),
                                                          "message": no_date, "chat_instance": "1"}}
                # kept as received and confirmed: a retry would fail the same way
                assert (await client.post(url, json=bad, headers=header)).status_code == 200
                assert (await client.post(url, json={"no": "update_id"}, headers=header)).status_code == 400
                assert (await client.post(url, json={"update_id": 6, "message": start},
                                          headers=header)).status_code == 200
                (msg,) = await server.wait_for_messages(user.id, 1, timeout=60)
                assert "1 份文件" in msg.plain_text
            count, (row,) = store.unparsable(0, 5)
            assert count == 1 and row.update_id == 5 and row.reason == "callback_query: missing field 'date'"
            assert rt.inbox is not None and rt.inbox.counters.unparsed == 1
