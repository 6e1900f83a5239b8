"""bot/tools/botapi/inline.py: inline queries on the fake Bot API, driven by a real PTB Bot."""

from __future__ import annotations

import pytest
from conftest import BOTAPI_TOKEN
from telegram import (
    Bot,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from telegram.error import BadRequest

from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.botapi.inline import check_results
from bot.tools.botapi.params import ApiError

TOKEN = BOTAPI_TOKEN
USER = SimUser(id=4343, username="asker")




def article(rid: str, text: str, title: str = "标题") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        rid, title, InputTextMessageContent(text, parse_mode="HTML"), description="¶8 · a.txt"
    )


async def _query(server: BotAPIServer, bot: Bot, text: str) -> tuple[int, str]:
    update_id = server.send_inline_query(USER, text)
    (update,) = await bot.get_updates(offset=update_id, timeout=1)
    assert update.update_id == update_id and update.inline_query is not None
    assert update.inline_query.query == text and update.inline_query.from_user.id == USER.id
    return update_id, update.inline_query.id


async def test_inline_query_reaches_the_bot_and_its_answer_is_recorded(
    server: BotAPIServer, bot: Bot
) -> None:
    update_id, query_id = await _query(server, bot, "考核指标")
    assert server.inline_answer(update_id) is None
    await bot.answer_inline_query(
        query_id, [article("r1", "<b>共31项</b>"), article("r2", "¶8")], cache_time=5
    )
    answer = await server.wait_for_inline_answer(update_id, timeout=1)
    assert [r["id"] for r in answer["results"]] == ["r1", "r2"]
    assert answer["results"][0]["shown"] == "共31项" and answer["cache_time"] == 5
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(query_id, [article("r3", "again")])


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article("x" * 65, "text")], "RESULT_ID_INVALID"),
        ([article("same", "a"), article("same", "b")], "RESULT_ID_DUPLICATE"),
        ([article("bad", "<b>unclosed")], "can't parse entities"),
        ([article("long", "字" * 4097)], "message is too long"),
    ],
)
async def test_bad_results_are_refused_like_telegram(
    server: BotAPIServer, bot: Bot, results: list[InlineQueryResultArticle], error: str
) -> None:
    update_id, query_id = await _query(server, bot, "q")
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.answer_inline_query(query_id, results)
    assert server.inline_answer(update_id) is None


async def test_results_button_needs_a_valid_start_parameter(server: BotAPIServer, bot: Bot) -> None:
    _, query_id = await _query(server, bot, "q")
    bad = InlineQueryResultsButton("稍后", start_parameter="a b")
    with pytest.raises(BadRequest, match=r"(?i)START_PARAM_INVALID"):
        await bot.answer_inline_query(query_id, [], button=bad)
    update_id, query_id = await _query(server, bot, "q2")
    button = InlineQueryResultsButton("稍后", start_parameter="wait")
    await bot.answer_inline_query(query_id, [], button=button)
    answer = server.inline_answer(update_id)
    assert answer is not None and answer["results"] == [] and answer["button"]["text"] == "稍后"


def test_check_results_counts_and_types() -> None:
    one = {"type": "article", "id": "1", "title": "t", "input_message_content": {"message_text": "m"}}
    assert check_results([one])[0]["shown"] == "m"
    with pytest.raises(ApiError, match="RESULTS_TOO_MUCH"):
        check_results([{**one, "id": str(i)} for i in range(51)])
    with pytest.raises(ApiError, match="RESULT_TYPE_INVALID"):
        check_results([{**one, "type": "photo"}])
    with pytest.raises(ApiError, match="RESULT_TITLE_EMPTY"):
        check_results([{**one, "title": " "}])
