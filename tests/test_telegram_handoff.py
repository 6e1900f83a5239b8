"""转人工 (bot/telegram/handoff.py) end to end through the loopback Bot API with the real
Application: the button under a reply the bot could not answer forwards the question and
its asker to the hand-off chat once; a reply there reaches the official, marked as from a
person; the exchange is kept in the state store. No button under real answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio
from test_telegram_harness import ADMIN, OFF_TOPIC, QUESTION, TIMEOUT, Live, live_bot

from bot.engine.service import SearchService
from bot.tools.botapi import SimUser
from config.settings import Settings
from embeddings import Encoder

pytestmark = pytest.mark.slow
HANDOFF = -1001234567
OFFICIAL = SimUser(id=6300, first_name="王科员", username="wang")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def live(
    tmp_path_factory: pytest.TempPathFactory, real_settings: Settings, real_encoder: Encoder,
    real_service: SearchService,
) -> AsyncIterator[Live]:
    settings = replace(real_settings, telegram=replace(real_settings.telegram, handoff_chat=HANDOFF))
    async with live_bot(tmp_path_factory.mktemp("handoff"), settings, real_encoder) as running_bot:
        yield running_bot


@pytest.mark.asyncio(loop_scope="module")
async def test_a_question_goes_to_a_person_and_the_answer_comes_back(live: Live) -> None:
    server = live.server
    hello = server.send_text(ADMIN, "值班中", chat_id=HANDOFF, chat_type="supergroup")
    await live.silent(hello, HANDOFF)  # the group is known now; plain chatter is not a question

    (answered,) = await live.ask(OFFICIAL, QUESTION)
    assert "转人工" not in [label for label, _ in answered.buttons()]
    (refused,) = await live.ask(OFFICIAL, OFF_TOPIC)
    (data,) = [data for label, data in refused.buttons() if label == "转人工"]
    press = server.press_button(OFFICIAL, refused, data)
    (forwarded,) = await server.wait_for_messages(HANDOFF, 1, timeout=TIMEOUT)
    assert OFF_TOPIC in forwarded.plain_text and "王科员 (@wang, id 6300)" in forwarded.plain_text
    assert "已转给工作人员" in await _callback_text(live, press)
    again = server.press_button(OFFICIAL, refused, data)  # pressed twice: sent once
    assert "已经转过了" in await _callback_text(live, again)
    assert len(server.messages(HANDOFF)) == 1

    reply = server.send_text(ADMIN, "请拨打 12345 咨询。", chat_id=HANDOFF, chat_type="supergroup",
                             reply_to=forwarded)
    (done,) = await server.wait_for_reply(reply, timeout=TIMEOUT)
    assert done.chat_id == HANDOFF and "已转达" in done.plain_text
    delivered = server.messages(OFFICIAL.id)[-1]
    assert delivered.plain_text == f"人工回复（关于“{OFF_TOPIC}”）：\n请拨打 12345 咨询。"

    store = live.runtime.state.store
    record = json.loads(store.get_button(f"handoff:{HANDOFF}:{forwarded.message_id}", 3600) or "{}")
    assert record["user_id"] == OFFICIAL.id and record["question"] == OFF_TOPIC
    assert [(a["by"], a["text"]) for a in record["answers"]] == [(ADMIN.id, "请拨打 12345 咨询。")]


async def _callback_text(live: Live, update_id: int) -> str:
    """The text the bot answered a button press with (waits for it)."""
    for _ in range(int(TIMEOUT * 10)):
        answer = live.server.callback_answer(update_id)
        if answer is not None:
            return str(answer.get("text"))
        await asyncio.sleep(0.1)
    raise TimeoutError(f"press {update_id} not answered")
