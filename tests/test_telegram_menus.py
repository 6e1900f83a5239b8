"""Command menus by audience (bot/telegram/menus.py), set through a real PTB Bot on the
loopback Bot API server: officials see /ask and /help in Chinese and English, each admin's
private chat also /reload, /docs, /remove, /gaps and /stats; a list the Bot API refuses is counted
and the others are still set."""

from __future__ import annotations

from telegram import Bot

from bot.telegram.menus import ADMIN, OFFICIAL, set_menus
from bot.telegram.texts import STRINGS
from bot.tools.botapi import BotAPIServer


def _names(entries: list[dict[str, str]]) -> list[str]:
    return [e["command"] for e in entries]


async def test_officials_and_admins_get_their_own_menus(server: BotAPIServer, bot: Bot) -> None:
    assert await set_menus(bot, {9001, 9002}) == 0
    official_zh, official_en = server.my_commands(""), server.my_commands("en")
    assert _names(official_zh) == _names(official_en) == ["ask", "help"] == list(OFFICIAL)
    assert official_zh[0]["description"] == STRINGS["zh"]["cmd_ask"]
    assert official_en[1]["description"] == STRINGS["en"]["cmd_help"]
    for admin in (9001, 9002):
        scope = {"type": "chat", "chat_id": admin}
        for code in ("", "en"):
            assert _names(server.my_commands(code, scope)) == list(ADMIN)
        assert server.my_commands("en", scope)[2]["description"] == STRINGS["en"]["cmd_reload"]
    assert server.my_commands("", {"type": "chat", "chat_id": 9003}) == []  # not an admin
    assert {"reload", "docs", "remove", "gaps", "stats"}.isdisjoint(_names(official_zh))


async def test_a_refused_menu_is_counted_and_the_rest_still_set(server: BotAPIServer, bot: Bot) -> None:
    server.faults.add("setMyCommands", "500")  # the first list (officials, Chinese) fails
    assert await set_menus(bot, {9001}) == 1
    assert server.my_commands("") == []
    assert _names(server.my_commands("en")) == list(OFFICIAL)
    assert _names(server.my_commands("", {"type": "chat", "chat_id": 9001})) == list(ADMIN)
