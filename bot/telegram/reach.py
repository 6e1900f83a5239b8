"""Reaching the Bot API at start: every way it can fail is one clean line and exit code 1.

A wrong token is the common case, but the other end may be a proxy's HTML error page, bad
JSON, or an emulator whose getMe lacks ``is_bot``; python-telegram-bot raises a
TelegramError for some of these and a bare TypeError or KeyError for others. ``reaching``
turns the latter into ``BotApiUnusable`` (a TelegramError), and ``exit_message`` words every
TelegramError for `qabot serve`'s exit (the token redacted). PTB logs an answer that is not
JSON with its traceback and the whole body; ``ShortInvalidJson`` keeps that one line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from telegram.error import InvalidToken, TelegramError

from bot.telegram.logs import redact

T = TypeVar("T")
PTB_REQUEST_LOGGER = "telegram.request.BaseRequest"  # logs "Can not load invalid JSON data"
BODY_SHOWN = 120  # characters of a non-JSON answer kept in that line


class ShortInvalidJson(logging.Filter):
    """PTB's "Can not load invalid JSON data" without the traceback, the body cut short."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if record.exc_info and str(record.msg).startswith("Can not load invalid JSON"):
            body = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
            record.msg = "the Bot API answered something that is not JSON: %r"
            record.args = (body[:BODY_SHOWN] + ("…" if len(body) > BODY_SHOWN else ""),)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_invalid_json() -> None:
    """Install ``ShortInvalidJson`` on PTB's request logger (idempotent)."""
    logger = logging.getLogger(PTB_REQUEST_LOGGER)
    if not any(isinstance(f, ShortInvalidJson) for f in logger.filters):
        logger.addFilter(ShortInvalidJson())


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
