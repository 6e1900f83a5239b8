"""The e2e/faults reply tracker against the loopback server, with the bot's calls made by hand."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.tools.botapi import BotAPIServer, SimUser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import loadkit

BUTTONS = {"inline_keyboard": [[{"text": "更多段落", "callback_data": "m:abc"}]]}


async def test_tracker_matches_answers_errors_and_duplicates() -> None:
    user = SimUser(id=5)
    async with BotAPIServer(loadkit.TOKEN) as server, aiohttp.ClientSession() as http:

        async def bot(method: str, **params: Any) -> Any:
            async with http.post(f"{server.base_url}{loadkit.TOKEN}/{method}", json=params) as response:
                body = await response.json()
                assert body["ok"], body
                return body["result"]

        tracker = loadkit.Tracker(server)
        start = time.monotonic()
        with tracker:
            answered = tracker.ask(user, "问责的目的是什么？")
            (update,) = await bot("getUpdates", timeout=0)
            await bot("sendChatAction", chat_id=user.id, action="typing")
            await bot("sendMessage", chat_id=user.id, text="<b>答案</b>", parse_mode="HTML",
                      reply_markup=BUTTONS)
            await asyncio.wait_for(answered.done.wait(), 5)

            failed = tracker.ask(user, "第二个问题")
            await bot("getUpdates", offset=update["update_id"] + 1, timeout=0)
            await bot("sendMessage", chat_id=user.id, text=loadkit.ERROR_TEXTS[0])
            await asyncio.wait_for(failed.done.wait(), 5)
            await bot("sendMessage", chat_id=user.id, text="<b>文章没有涉及“第二个问题”。</b>",
                      parse_mode="HTML")
            await bot("sendMessage", chat_id=user.id, text="<b>又一个</b>", parse_mode="HTML",
                      reply_markup=BUTTONS)
            await asyncio.sleep(0.05)
        summary = loadkit.summary(tracker, tracker.questions, start, time.monotonic())

    assert len(answered.answers) == 1 and answered.errors == 0
    latency = tracker.latency(answered)
    assert latency is not None and 0 <= latency < 5
    assert failed.errors == 1 and len(failed.answers) == 2  # late answer, then a duplicate
    assert summary["questions"] == 2 and summary["answered"] == 2
    assert summary["lost"] == 0 and summary["silent"] == 0
    assert summary["answered_twice"] == 1 and summary["error_replies"] == 1
