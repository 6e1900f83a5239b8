"""How the bot speaks: HTML messages (retried on transient failures), short plain replies,
the typing indicator and the keyboard under an answer. Every handler module uses these."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, nullcontext

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.telegram import render
from bot.telegram.context import BotContext
from bot.telegram.refs import callback_data
from bot.telegram.replied import final_reply
from bot.telegram.texts import t

log = logging.getLogger(__name__)
Ctx = BotContext
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
TYPING_DELAY = 1.0  # seconds of work before "typing…" is shown
SEND_ATTEMPTS = 3  # a 5xx or dropped connection is retried twice before the error handler


async def send_html(
    context: Ctx,
    chat_id: int,
    chunks: list[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: Message | None = None,
) -> None:
    """Send HTML ``chunks`` in order; the first may quote ``reply_to``, the last gets ``markup``
    and, once sent, marks the update being answered done (replied.py)."""
    for i, chunk in enumerate(chunks):
        reply = None
        if i == 0 and reply_to is not None:
            reply = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
        for attempt in range(SEND_ATTEMPTS):
            last = i == len(chunks) - 1
            try:
                async with final_reply() if last else nullcontext():
                    await sent(context.bot.send_message(
                        chat_id,
                        chunk,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=NO_PREVIEW,
                        reply_parameters=reply,
                        reply_markup=markup if last else None,
                    ), "sendMessage")
                break
            except BadRequest:
                raise
            except NetworkError as exc:  # a 5xx or a dropped connection: the answer is not lost yet
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                log.warning("sendMessage failed (%s); retrying", exc)
                await asyncio.sleep(0.5 * (attempt + 1))


async def sent(call: Awaitable[object], method: str) -> None:
    """Await a Bot API call whose request goes out. Telegram confirmed it when the answer
    says ok; an ok answer python-telegram-bot cannot read back into its objects (a Bot API
    server of another make, a field of a newer Telegram: TypeError, ValueError, KeyError)
    still means the message went out, so it is logged, not raised: no apology follows a
    reply the user already has, and the update is marked done."""
    try:
        await call
    except (TypeError, ValueError, KeyError) as exc:
        log.warning("%s went out, but its answer could not be read: %r", method, exc)


async def reply_text(update: Update, context: Ctx, text: str) -> None:
    """A short plain reply (escaped) to the update's message, quoting it in groups."""
    message = update.effective_message
    if message is not None:
        quote = message if message.chat.type != Chat.PRIVATE else None
        await send_html(context, message.chat_id, render.plain_html(text), reply_to=quote)


async def _typing_after(context: Ctx, chat_id: int, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:
        log.debug("typing action failed: %s", exc)


@asynccontextmanager
async def typing(context: Ctx, chat_id: int, delay: float = TYPING_DELAY) -> AsyncIterator[None]:
    """Show "typing…" in ``chat_id`` only if the work inside takes longer than ``delay``.

    Most answers take well under a second; a typing action for each would double the
    requests per answer, and AIORateLimiter counts it against Telegram's 30 requests/s.
    A failure to show it never stops the work.
    """
    task = asyncio.create_task(_typing_after(context, chat_id, delay))
    try:
        yield
    finally:
        task.cancel()


def keyboard(lang: str, key: str) -> InlineKeyboardMarkup:
    """更多段落 / 上下文 / 👍 / 👎 under a reply; ``key`` names their state in the store."""

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback_data(action, key))

    return InlineKeyboardMarkup(
        [
            [button(t(lang, "btn_more"), "m"), button(t(lang, "btn_context"), "c")],
            [button("👍", "u"), button("👎", "d")],
        ]
    )
