"""bot/telegram/inline.py end to end: inline queries to the real Application and model."""

from __future__ import annotations

from typing import Any

import pytest
from test_telegram_harness import OFF_TOPIC, QUESTION, RATE_LIMIT, TIMEOUT, Live, paragraphs

from bot.engine.types import Teaching
from bot.tools.botapi import SimUser

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def inline(live: Live, user: SimUser, query: str) -> dict[str, Any]:
    update_id = live.server.send_inline_query(user, query)
    return await live.server.wait_for_inline_answer(update_id, timeout=TIMEOUT)


def inline_count(live: Live, outcome: str) -> float:
    value = live.runtime.metrics.registry.get_sample_value("qabot_inline_queries_total", {"outcome": outcome})
    assert value is not None
    return value


async def test_answered_query_offers_the_private_reply_first(live: Live) -> None:
    user = SimUser(id=301)
    counted = inline_count(live, "answered")
    answer = await inline(live, user, QUESTION)
    assert inline_count(live, "answered") == counted + 1
    results = answer["results"]
    assert 1 <= len(results) <= 3
    first = results[0]
    assert "31" in first["title"]
    assert "¶8 · article.txt" in first["description"]
    assert paragraphs(first["shown"])[0] == 8 and "31" in first["shown"]
    assert all(len(r["id"].encode()) <= 64 for r in results)
    assert all(r["input_message_content"]["parse_mode"] == "HTML" for r in results)
    assert all("reply_markup" not in r for r in results)
    for extra in results[1:]:  # each further result quotes one more cited paragraph
        cited = paragraphs(extra["shown"])
        assert len(cited) == 1 and f"¶{cited[0]} · article.txt" == extra["description"]
    (private,) = await live.ask(user, QUESTION)  # the same HTML a private chat gets
    assert first["input_message_content"]["message_text"] == private.text


async def test_unsure_query_offers_its_candidates_as_results(live: Live) -> None:
    answer = await inline(live, SimUser(id=305), "那个惠州街道年底考核里一共列了多少个考核指标？")
    first, *offered = answer["results"]
    assert "可能相关" in first["title"] and 1 <= len(offered) <= 2
    for result in offered:  # "¶n best sentence"; sending it answers from that paragraph alone
        (cited,) = paragraphs(result["shown"])
        assert result["title"].startswith(f"¶{cited} ")
        assert "<b>" in result["input_message_content"]["message_text"]
    assert paragraphs(offered[0]["shown"]) == [8] and "31项" in offered[0]["shown"]


async def test_off_topic_query_cites_no_paragraph(live: Live) -> None:
    counted = inline_count(live, "not_covered")
    answer = await inline(live, SimUser(id=302), OFF_TOPIC)
    assert inline_count(live, "not_covered") == counted + 1
    (result,) = answer["results"]
    assert paragraphs(result["shown"]) == []
    assert "没有涉及" in result["title"] and OFF_TOPIC in result["shown"]


async def test_empty_query_offers_the_example_questions(live: Live) -> None:
    answer = await inline(live, SimUser(id=303, language_code="en"), "   ")
    examples = live.settings.examples("en")
    assert [r["title"] for r in answer["results"]] == list(examples[:3])
    assert all(paragraphs(r["shown"]) for r in answer["results"])  # each sends its answer


async def test_inline_queries_are_rate_limited_like_questions(live: Live) -> None:
    user = SimUser(id=304)
    for i in range(RATE_LIMIT):
        answer = await inline(live, user, f"{QUESTION} {i}")
        assert answer["results"] and answer["button"] is None
    answer = await inline(live, user, QUESTION)
    assert answer["results"] == [] and "秒" in answer["button"]["text"]
    assert answer["is_personal"] is True


async def test_a_suggestion_is_offered_as_a_result_that_answers_from_the_teaching(live: Live) -> None:
    taught, close = "一个街道城管科要承担多少项工作？", "城管科在街道里要干多少项活？"  # close: below the bar
    p = next(p for p in live.runtime.engine.current.stored.paragraphs if "近20项" in p.text)
    store = live.runtime.state.store
    await live.runtime.state.run(store.teach, Teaching("", taught, p.doc, p.number, p.hash, "近20项"), "test")
    await live.runtime.engine.refresh_teachings()
    first, offer, *_ = (await inline(live, SimUser(id=306), close))["results"]
    assert "可能相关" in first["title"]
    assert offer["title"] == f"您是不是想问：{taught}"
    assert "近20项" in offer["input_message_content"]["message_text"].split("</b>")[0]
    assert paragraphs(offer["shown"])[0] == p.number
