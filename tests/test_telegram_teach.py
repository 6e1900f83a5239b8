"""End to end, admins teach from /gaps (bot/telegram/teach.py) through the loopback Bot API:
a question the bot did not answer shows up in /gaps with its candidate paragraphs as
buttons; the admin picks one and the sentence to bold; the next paraphrase is answered from
it (below the answering bar: by its "您是不是想问" button). Others cannot teach. A 👎 asks
why, and /gaps shows the reason. A reload that changes the taught paragraph reports the
teaching."""

from __future__ import annotations

import pytest
from test_telegram_harness import ADMIN, TIMEOUT, Live, paragraphs

from bot.tools.botapi import SimUser
from bot.tools.botapi.models import SentMessage

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
GAP = "那个惠州街道年底考核里一共列了多少个考核指标？"  # "related" before teaching
PARAPHRASE = "惠州街道年底考核一共有多少个考核指标？"
PIECE = "共有考核目的31项"


def _number(live: Live) -> int:
    return next(p.number for p in live.runtime.engine.current.stored.paragraphs if PIECE in p.text)


async def _press(live: Live, user: SimUser, message: SentMessage, label_start: str) -> list[SentMessage]:
    data = next(d for label, d in message.buttons() if label.startswith(label_start))
    uid = live.server.press_button(user, message, data)
    return await live.server.wait_for_reply(uid, timeout=TIMEOUT)


async def _gaps(live: Live) -> list[SentMessage]:
    return await live.ask(ADMIN, "/gaps")


async def test_a_chosen_candidate_is_answered_and_suggested_in_gaps(live: Live) -> None:
    asker, question = SimUser(id=320), "城管科在街道里要干多少项活？"
    (offer,) = await live.ask(asker, question)
    labels = [label for label, _ in offer.buttons()]
    assert 2 <= len(labels) <= 3 and all(label.startswith("¶") for label in labels)
    number = int(labels[0].split()[0][1:])
    (chosen,) = await _press(live, asker, offer, labels[0])
    assert paragraphs(chosen.plain_text) == [number] and "<b>" in chosen.text
    assert [label for label, _ in chosen.buttons()] == ["更多段落", "上下文", "👍", "👎"]
    listing, *_ = await _gaps(live)
    line = next(x for x in listing.plain_text.splitlines() if question in x)
    assert f"提问者选了：¶{number} ×1" in line
    assert live.runtime.engine.taught == ()  # a choice teaches nothing by itself


async def test_admin_teaches_from_gaps_and_the_next_paraphrase_is_answered_by_suggestion(live: Live) -> None:
    asker, number = SimUser(id=301), _number(live)
    (before,) = await live.ask(asker, GAP)
    assert "可能相关" in before.plain_text
    (before_paraphrase,) = await live.ask(SimUser(id=302), PARAPHRASE)
    assert "可能相关" in before_paraphrase.plain_text

    listing, *offers = await _gaps(live)
    assert GAP in listing.plain_text
    offer = next(m for m in offers if GAP in m.plain_text)
    labels = [label for label, _ in offer.buttons()]
    assert f"→ ¶{number}" in " ".join(labels) and labels[-1] == "文章未涉及"

    assert await _press(live, SimUser(id=303), offer, f"→ ¶{number}") == []  # a notice, nothing taught
    assert live.runtime.engine.taught == ()

    (remembered,) = await _press(live, ADMIN, offer, f"→ ¶{number}")
    assert "已记住" in remembered.plain_text and f"¶{number}" in remembered.plain_text
    (kept,) = await live.runtime.state.run(live.runtime.state.store.teachings)
    assert kept.teaching.question == GAP and kept.by == f"telegram:{ADMIN.id}"
    await _press(live, ADMIN, remembered, "B 惠州某街道")
    (bold,) = await live.runtime.state.run(live.runtime.state.store.taught)
    assert "31项" in bold.sentence

    (offer,) = await live.ask(SimUser(id=302), PARAPHRASE)  # close, below the answering bar:
    (after,) = await _press(live, SimUser(id=302), offer, f"您是不是想问：{GAP}")  # suggested (issue 26)
    assert "31项" in after.text.split("</b>")[0] and paragraphs(after.plain_text)[0] == number
    listing, *_ = await _gaps(live)  # taught: no longer a gap
    assert GAP not in listing.plain_text


async def test_a_down_vote_asks_why_and_gaps_show_the_reason(live: Live) -> None:
    voter = SimUser(id=310)
    (answer,) = await live.ask(voter, "乡镇为什么觉得自己总在替职能部门背锅？")
    (prompt,) = await _press(live, voter, answer, "👎")
    assert "哪里不对" in prompt.plain_text
    assert [label for label, _ in prompt.buttons()] == ["答非所问", "不完整", "内容有误"]
    assert await _press(live, voter, prompt, "不完整") == []  # a notice only
    listing, *_ = await _gaps(live)
    line = next(x for x in listing.plain_text.splitlines() if "替职能部门背锅" in x)
    assert "👎 1" in line and "👎 原因：不完整 1" in line


async def test_reload_reports_a_teaching_whose_paragraph_changed(live: Live) -> None:
    if not live.runtime.engine.taught:
        pytest.skip("needs the teaching of the previous test")
    path = live.settings.docs_dir / "article.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(PIECE, "共有考核目的32项"), encoding="utf-8")
    (reloaded,) = await live.ask(ADMIN, "/reload")
    assert "1 条教学需要重新确认" in reloaded.plain_text
    listing, *offers = await _gaps(live)
    assert "1 条教学需要重新确认" in listing.plain_text
    assert any(m.plain_text.startswith("需要重新确认：" + GAP) for m in offers)
    (after,) = await live.ask(SimUser(id=304), PARAPHRASE)
    assert "31项" not in after.plain_text  # the old text is gone; nothing answers from the teaching
