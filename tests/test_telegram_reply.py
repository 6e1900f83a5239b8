"""How the bot speaks (bot/telegram/reply.py): a reply Telegram confirmed but whose answer
python-telegram-bot cannot read back (what the telegram-test-api emulator sends: the
message without ``date``, a date in milliseconds) counts as sent: no apology follows it, the
update is done, the next question is answered as usual."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from test_telegram_harness import QUESTION, Live, light_bot

from bot.tools.botapi import SimUser
from config.settings import Settings

UNREADABLE = [  # ok answers to sendMessage that are no Message python-telegram-bot can build
    {"ok": True, "result": {"message_id": 9, "chat": {"id": 1, "type": "private"}, "text": "x"}},
    {"ok": True, "result": {"message_id": 9, "date": 1765170000000, "text": "x",
                            "chat": {"id": 1, "type": "private"}, "link_preview_options": "{}"}},
]


def done_rows(live: Live) -> dict[int, str]:
    store = live.runtime.state.store
    with store._lock, store._read() as cur:
        cur.execute("SELECT update_id, state FROM inbox")
        return {int(u): str(s) for u, s in cur.fetchall()}


async def test_a_reply_whose_answer_cannot_be_read_is_sent_once_and_done(
    tmp_path: Path, state_settings: Settings,
) -> None:
    async with light_bot(tmp_path, state_settings) as live:
        server, user = live.server, SimUser(id=811)
        (expected,) = await live.ask(SimUser(id=810), QUESTION)
        for body in UNREADABLE:
            server.faults.add("sendMessage", "raw", body=json.dumps(body))
            update_id = server.send_text(user, QUESTION)
            await live.silent(update_id, user.id, settle=1.0)  # the reply went out as the fault; no apology
            for _ in range(100):
                if done_rows(live).get(update_id) == "done":
                    break
                await asyncio.sleep(0.05)
            assert done_rows(live)[update_id] == "done"
        (after,) = await live.ask(user, QUESTION)
        assert after.plain_text == expected.plain_text
        failed = [line for line in live.logs.lines if " ERROR " in line or " CRITICAL " in line]
        assert failed == []
        went_out = [line for line in live.logs.lines if "went out, but its answer could not be read" in line]
        assert len(went_out) == len(UNREADABLE)
