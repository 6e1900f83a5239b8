"""End to end, "您是不是想问：…" (bot/telegram/suggestions.py) through the loopback Bot API with
the real Application and models: a question close to a taught wording but below the
answering bar gets it as a button, above the candidate paragraphs when the judge is unsure
too; a tap answers from the teaching and is kept as the asker's choice, shown in /gaps; an
English user gets the English label; a look-alike is never answered from the teaching."""

from __future__ import annotations

import pytest
from test_telegram_harness import ADMIN, TIMEOUT, Live, paragraphs

from bot.engine.types import Teaching
from bot.tools.botapi import SimUser
from bot.tools.botapi.models import SentMessage

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
TAUGHT = "一个街道城管科要承担多少项工作？"
PIECE = "近20项"
CLOSE = "城管科在街道里要干多少项活？"  # "related" with candidates untaught; 0.90 from TAUGHT
LOOKALIKE = "街道城管科为什么要承担这么多工作？"


async def _teach(live: Live) -> Teaching:
    p = next(p for p in live.runtime.engine.current.stored.paragraphs if PIECE in p.text)
    store = live.runtime.state.store
    teaching = Teaching("", TAUGHT, p.doc, p.number, p.hash, PIECE)
    kept = await live.runtime.state.run(store.teach, teaching, "test")
    await live.runtime.engine.refresh_teachings()
    assert kept in live.runtime.engine.taught
    return kept


async def _press(live: Live, user: SimUser, message: SentMessage, label: str) -> list[SentMessage]:
    data = next(d for text, d in message.buttons() if text == label)
    uid = live.server.press_button(user, message, data)
    return await live.server.wait_for_reply(uid, timeout=TIMEOUT)


async def test_a_suggestion_is_shown_tapped_answered_and_logged(live: Live) -> None:
    kept = await _teach(live)
    asker = SimUser(id=401)
    (offer,) = await live.ask(asker, CLOSE)
    labels = [label for label, _ in offer.buttons()]
    assert labels[0] == f"您是不是想问：{TAUGHT}"  # suggestions first ...
    assert any(label.startswith("¶") for label in labels[1:])  # ... then the candidate paragraphs
    assert "可能相关" in offer.plain_text  # not answered from the teaching

    (answer,) = await _press(live, asker, offer, labels[0])
    assert PIECE in answer.text.split("</b>")[0] and paragraphs(answer.plain_text)[0] == kept.paragraph
    assert [label for label, _ in answer.buttons()] == ["更多段落", "上下文", "👍", "👎"]

    listing, *_ = await live.ask(ADMIN, "/gaps")  # the tap is the asker's choice
    line = next(x for x in listing.plain_text.splitlines() if CLOSE in x)
    assert f"提问者选了：¶{kept.paragraph} ×1" in line


async def test_english_users_get_the_english_label(live: Live) -> None:
    await _teach(live)
    (offer,) = await live.ask(SimUser(id=402, first_name="Tester", language_code="en"), CLOSE)
    assert next(label for label, _ in offer.buttons()) == f"Did you mean: {TAUGHT}"


async def test_a_lookalike_is_never_answered_from_the_teaching(live: Live) -> None:
    await _teach(live)
    (reply,) = await live.ask(SimUser(id=403), LOOKALIKE)  # answered from the documents ...
    assert paragraphs(reply.plain_text)
    answer = await live.runtime.engine.ask(LOOKALIKE)  # ... not from the teaching
    assert answer.status == "answered" and answer.taught == ""
