"""Command menus by audience (Bot API command scopes and language codes).

Officials see /ask and /help; admins, in their private chats, also /reload, /docs, /gaps
and /stats. Each list is set in Chinese (the default, language_code "") and in English
(for users whose Telegram language is English); the descriptions are texts.py's
``cmd_<command>`` strings. Set by every replica at start (idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.telegram.texts import t

log = logging.getLogger(__name__)
OFFICIAL = ("ask", "help")
ADMIN = (*OFFICIAL, "reload", "docs", "remove", "gaps", "stats")
LANGUAGES = {"zh": "", "en": "en"}  # UI language → Bot API language_code ("" = default)


def commands(names: Iterable[str], lang: str) -> list[BotCommand]:
    """The menu entries for ``names`` in ``lang``."""
    return [BotCommand(name, t(lang, f"cmd_{name}")) for name in names]


async def set_menus(bot: Bot, admin_ids: Iterable[int]) -> int:
    """Set the officials' menu for everyone and the admins' menu in each admin's private
    chat, in both languages. Returns how many lists could not be set (each is logged: e.g.
    an admin who never opened a chat with the bot)."""
    failed = 0
    for lang, code in LANGUAGES.items():
        targets = [(BotCommandScopeDefault(), OFFICIAL, "everyone")] + [
            (BotCommandScopeChat(admin), ADMIN, f"admin {admin}") for admin in sorted(admin_ids)
        ]
        for scope, names, who in targets:
            try:
                await bot.set_my_commands(commands(names, lang), scope=scope, language_code=code)
            except Exception as exc:  # a TelegramError, or an answer PTB could not read
                failed += 1
                log.warning("could not set the %s command menu for %s: %s", lang, who, exc)
    return failed
