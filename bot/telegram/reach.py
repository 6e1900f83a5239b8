"""Reaching the Bot API at start: every way it can fail is one clean line and exit code 1.

A wrong token is the common case, but the other end may be a proxy's HTML error page, bad
JSON, or an emulator whose getMe lacks ``is_bot``; python-telegram-bot raises a
TelegramError for some of these and a bare TypeError or KeyError for others. ``reaching``
turns the latter into ``BotApiUnusable`` (a TelegramError), and ``exit_message`` words every
TelegramError for `qabot serve`'s exit (the token redacted).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from telegram.error import InvalidToken, TelegramError

from bot.telegram.logs import redact

T = TypeVar("T")


class BotApiUnusable(TelegramError):
    """The Bot API answered something python-telegram-bot could not read."""


async def reaching(what: str, call: Awaitable[T]) -> T:
    """Await ``call`` (``what``: the Bot API method, for the message); any failure that is not
    already a TelegramError becomes BotApiUnusable."""
    try:
        return await call
    except TelegramError:
        raise
    except Exception as exc:
        raise BotApiUnusable(f"unexpected answer to {what} ({type(exc).__name__}: {exc})") from exc


def exit_message(exc: TelegramError) -> str:
    """The one line `qabot serve` exits with when the Bot API cannot be used."""
    if isinstance(exc, InvalidToken):
        return "the Bot API rejected TELEGRAM_BOT_TOKEN; check the token"
    return f"cannot use the Bot API: {redact(str(exc))}"
