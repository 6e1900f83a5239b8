"""A Bot-API-compatible HTTP server on loopback that a real python-telegram-bot talks to.

Point PTB at it with ``ApplicationBuilder().token(T).base_url(server.base_url)
.base_file_url(server.base_file_url)``; then drive the "user side" (``send_text``,
``press_button``, ...) and observe what the bot did (``messages``, ``calls``, ``wait_for_*``).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from bot.botapi.faults import FaultPlan
from bot.botapi.models import Call, SentMessage, SimUser

__all__ = ["BotAPIServer", "Call", "FaultPlan", "SentMessage", "SimUser"]


class BotAPIServer:
    """Fake Telegram Bot API: long-polled getUpdates, message store, validation, faults."""

    base_url: str  # "http://127.0.0.1:PORT/bot"
    base_file_url: str  # "http://127.0.0.1:PORT/file/bot"
    calls: list[Call]
    faults: FaultPlan

    def __init__(
        self,
        token: str,
        bot_username: str = "qabot_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Configure (not start) a server; ``port=0`` picks a free port on start."""
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; fills ``base_url``/``base_file_url`` with the real port."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Wake pending long-polls and shut the server down."""
        raise NotImplementedError

    async def __aenter__(self) -> BotAPIServer:
        """Start and return self."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    # -- user side: each enqueues one Update and returns its update_id ---------------------

    def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: SentMessage | None = None,
    ) -> int:
        """User sends ``text``; "/cmd[@bot]" gets a bot_command entity, "@bot" a mention."""
        raise NotImplementedError

    def press_button(self, user: SimUser, message: SentMessage, callback_data: str) -> int:
        """User presses an inline button of ``message``: a callback_query update."""
        raise NotImplementedError

    def send_document(
        self,
        user: SimUser,
        filename: str,
        content: bytes,
        mime_type: str = "text/plain",
        *,
        chat_id: int | None = None,
        caption: str | None = None,
    ) -> int:
        """User uploads a document; downloadable via getFile + GET /file/bot<T>/<path>."""
        raise NotImplementedError

    def send_sticker(self, user: SimUser, *, chat_id: int | None = None) -> int:
        """User sends a sticker (no text)."""
        raise NotImplementedError

    def send_photo(self, user: SimUser, *, chat_id: int | None = None) -> int:
        """User sends a photo (no caption)."""
        raise NotImplementedError

    def send_voice(self, user: SimUser, *, chat_id: int | None = None) -> int:
        """User sends a voice note."""
        raise NotImplementedError

    def edit_text(
        self, user: SimUser, message_id: int, text: str, *, chat_id: int | None = None
    ) -> int:
        """User edits their earlier message ``message_id``: an edited_message update."""
        raise NotImplementedError

    def enqueue_raw(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Enqueue an Update dict as-is; reuse ``update_id`` to simulate duplicates."""
        raise NotImplementedError

    # -- observation -----------------------------------------------------------------------

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (edits update them in place), oldest first."""
        raise NotImplementedError

    def pending_updates(self) -> int:
        """Updates enqueued but not yet confirmed by a getUpdates offset."""
        raise NotImplementedError

    def delivered_at(self, update_id: int) -> float | None:
        """Monotonic time getUpdates first handed ``update_id`` to the bot, or None."""
        raise NotImplementedError

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 15.0  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until ``chat_id`` has >= ``count`` sent messages; TimeoutError lists what came."""
        raise NotImplementedError

    async def wait_for_reply(
        self, update_id: int, timeout: float = 15.0, settle: float = 0.3  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait for the bot's response to ``update_id``; return that chat's messages since delivery.

        A response is a sendMessage/sendDocument/editMessageText/editMessageReplyMarkup to the
        update's chat (or answerCallbackQuery for a callback) after delivery; the result is
        returned once that chat has been quiet for ``settle`` seconds.
        """
        raise NotImplementedError
