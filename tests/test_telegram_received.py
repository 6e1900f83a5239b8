"""bot/telegram/received.py through the real Application, the loopback Bot API and the real
state store (SQLite and PostgreSQL): an update python-telegram-bot cannot parse — the
issue's four (a callback query whose message lacks ``date``, a message without a chat, an
update type that does not exist, entities past the text) and a few hundred generated odd
updates (bot/tools/botapi/odd.py) — is kept in the inbox as unparsable, logged once,
counted, and never stops the bot: every ordinary question around it is answered once."""

from __future__ import annotations

import asyncio
import collections
import json
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from telegram import Bot
from test_telegram_harness import ADMIN, QUESTION, TOKEN, Live, light_bot

from bot.telegram.app import OPS_KEY
from bot.telegram.received import receive
from bot.telegram.texts import t
from bot.tools.botapi import SimUser
from bot.tools.botapi.odd import OddUpdates
from config.settings import Settings

TIMEOUT = 120.0
FIRST_ASKER = 100  # ordinary askers: user (and chat) ids from here, one question each


def inbox_rows(live: Live) -> dict[int, tuple[str, str | None]]:
    """update_id → (state, unparsable reason) of every inbox row."""
    store = live.runtime.state.store
    with store._lock, store._read() as cur:
        cur.execute("SELECT update_id, state, unparsable FROM inbox")
        return {int(u): (str(s), r) for u, s, r in cur.fetchall()}


async def metric(live: Live, name: str) -> float:
    port = live.app.bot_data[OPS_KEY].port
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    return sum(s.value for f in text_string_to_metric_families(page) for s in f.samples if s.name == name)


async def settled(live: Live) -> None:
    """Wait until every update the server queued was delivered and finished in the inbox."""
    deadline = time.monotonic() + TIMEOUT
    while live.server.pending_updates() or live.runtime.state.store.inbox_backlog()[0]:
        assert time.monotonic() < deadline, (live.server.pending_updates(), inbox_rows(live))
        await asyncio.sleep(0.1)


def callback_without_date(user: SimUser) -> dict[str, Any]:
    message = {"message_id": 1, "from": user.to_dict(), "chat": {"id": user.id, "type": "private"},
               "text": "旧的回答"}  # no "date": what the telegram-test-api emulator sends
    return {"callback_query": {"id": "77", "from": user.to_dict(), "message": message,
                               "chat_instance": "1", "data": "more:abc"}}


async def test_the_issues_four_are_kept_unparsable_and_every_question_around_them_answered(
    tmp_path: Path, state_settings: Settings,
) -> None:
    async with light_bot(tmp_path, state_settings) as live:
        server, odd = live.server, SimUser(id=700, first_name="怪")
        first = await live.ask(SimUser(id=FIRST_ASKER), QUESTION)
        assert first and "¶" in first[-1].plain_text
        chat = {"id": odd.id, "type": "private", "first_name": odd.first_name}
        bad = [
            server.enqueue_raw(callback_without_date(odd)),
            server.enqueue_raw({"message": {"message_id": 2, "from": odd.to_dict(), "date": 1,
                                            "text": "问"}}),
            server.enqueue_raw({"future_update": {"id": 1, "from": odd.to_dict()}}),
        ]
        entities = [{"type": "bot_command", "offset": 40, "length": 9}]  # past the text's end
        past = server.enqueue_raw({"message": {"message_id": 3, "from": odd.to_dict(), "chat": chat,
                                               "date": 1, "text": "/ask 问", "entities": entities}})
        askers = [SimUser(id=FIRST_ASKER + 1 + i) for i in range(5)]
        asked = [server.send_text(user, QUESTION) for user in askers]
        for uid in asked:
            replies = await server.wait_for_reply(uid, timeout=TIMEOUT)
            assert replies[-1].plain_text == first[-1].plain_text
        await settled(live)
        rows = inbox_rows(live)
        assert set(rows) == set(range(1, max(asked) + 1))  # nothing lost
        assert {u for u, (_, why) in rows.items() if why} == set(bad)
        assert all(state == "done" for state, _ in rows.values())
        assert rows[bad[0]][1] == "callback_query: missing field 'date'"
        assert rows[bad[1]][1] == "message: a message without a chat"
        assert rows[bad[2]][1] == "future_update: unknown update type"
        assert rows[past][1] is None  # PTB reads it; the handlers cope (no reply needed)
        assert await metric(live, "qabot_updates_unparsed_total") == 3
        logged = [line for line in live.logs.lines if "cannot be parsed" in line]
        assert [sum(f"update {u} " in line for line in logged) for u in bad] == [1, 1, 1]
        assert "Error while parsing updates" not in "\n".join(live.logs.lines)
        assert all(TOKEN not in line for line in live.logs.lines)
        stats = await live.ask(ADMIN, "/stats")
        assert "无法解析的更新：3 条" in stats[-1].plain_text
        assert f"#{bad[2]}" in stats[-1].plain_text and "future_update" in stats[-1].plain_text


async def test_fuzz_a_few_hundred_odd_updates_among_questions(
    tmp_path: Path, state_settings: Settings,
) -> None:
    async with light_bot(tmp_path, state_settings) as live:
        server = live.server
        first = await live.ask(SimUser(id=FIRST_ASKER), QUESTION)
        expected = first[-1].plain_text
        kinds: dict[int, str] = {}
        asked: dict[int, int] = {}  # chat → update_id of its question
        odd = OddUpdates(seed=24).make(300)
        for i, (kind, body) in enumerate(odd):
            kinds[server.enqueue_raw(body)] = kind
            if i % 10 == 0:
                user = SimUser(id=FIRST_ASKER + 1 + i // 10)
                asked[user.id] = server.send_text(user, QUESTION)
        for uid in asked.values():
            await server.wait_for_reply(uid, timeout=TIMEOUT)
        await settled(live)
        await asyncio.sleep(1.0)  # a second answer, if any, would show up by now
        for chat in asked:  # every ordinary question answered exactly once
            assert [m.plain_text for m in server.messages(chat)] == [expected], chat
        rows = inbox_rows(live)
        assert set(rows) == set(range(1, max(rows) + 1)) and len(rows) == 1 + len(odd) + len(asked)
        assert all(state == "done" for state, _ in rows.values())  # nothing left behind
        unparsable = {u: why for u, (_, why) in rows.items() if why}
        assert await metric(live, "qabot_updates_unparsed_total") == len(unparsable)
        inbox = live.runtime.inbox
        assert inbox is not None and inbox.poller.restarts == 0 and inbox.poller.down is None
        assert inbox.leader and all(not task.done() for task in inbox._loops)  # alive
        everything = "\n".join(live.logs.lines)
        assert "Error while parsing updates" not in everything and TOKEN not in everything
        assert not any("Traceback" in m.text for m in server.messages())
        failed = [line for line in live.logs.lines if "app ERROR update" in line]  # on_error
        assert failed == []  # what parses, the handlers cope with
        assert not any(t(lang, "error") in m.text for m in server.messages() for lang in ("zh", "en"))
        by_kind = collections.Counter(kinds[u] for u in unparsable)
        assert by_kind["callback_without_date"] == sum(k == "callback_without_date" for k in kinds.values())
        assert by_kind["message_without_chat"] == sum(k == "message_without_chat" for k in kinds.values())
        assert by_kind["unknown_type"] == sum(k == "unknown_type" for k in kinds.values())
        print("unparsable by kind:", dict(by_kind), "of", dict(collections.Counter(kinds.values())))


def test_receive_turns_every_item_into_a_row_or_says_it_has_no_update_id() -> None:
    bot = Bot(TOKEN)
    chat = {"id": 5, "type": "private"}
    message = {"message_id": 1, "date": 1, "chat": chat, "text": "问"}
    assert receive({"message": message}, bot) is None  # no update_id: nothing to keep it under
    assert receive({"update_id": True, "message": message}, bot) is None
    assert receive({"update_id": 2**64, "message": message}, bot) is None
    assert receive([1, 2], bot) is None
    ok = receive({"update_id": 1, "message": message}, bot)
    assert ok is not None and ok.chat_id == 5 and ok.unparsable is None
    raw = '{"update_id": 2, "message": {"message_id": 1, "chat": {"id": 5, "type": "private"}}}'
    kept = receive(json.loads(raw), bot, raw)
    assert kept is not None and kept.payload == raw and kept.unparsable == "message: missing field 'date'"
    huge = receive({"update_id": 3, "message": {**message, "chat": {**chat, "id": 2**64}}}, bot)
    assert huge is not None and huge.chat_id is None and "64-bit" in (huge.unparsable or "")
    text = receive({"update_id": 4, "message": {**message, "text": {"a": 1}}}, bot)
    assert text is not None and "not a string" in (text.unparsable or "")
    unknown = receive({"update_id": 5, "story_reply": {"x": 1}}, bot)
    assert unknown is not None and unknown.unparsable == "story_reply: unknown update type"
