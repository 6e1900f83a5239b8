"""The observing side of the fake Bot API: what the bot sent, and waiting for it."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.tools.botapi.memory import State
from bot.tools.botapi.models import Call, SentMessage
from bot.tools.botapi.updates import update_chat_id

REPLY_METHODS = frozenset(
    {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup", "deleteMessage"}
)


class Observer:
    """Mixin for BotAPIServer: inspect messages and calls, wait for the bot to act."""

    _state: State
    _inflight: int

    @property
    def calls(self) -> list[Call]:
        """Every Bot API request the bot made, in completion order."""
        return self._state.calls

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (edits update them in place), oldest first."""
        return [m for m in self._state.sent if chat_id is None or m.chat_id == chat_id]

    def pending_updates(self) -> int:
        """Updates enqueued but not yet confirmed by a getUpdates offset."""
        return len(self._state.queue)

    def delivered_at(self, update_id: int) -> float | None:
        """Monotonic time getUpdates first handed ``update_id`` to the bot, or None."""
        return self._state.delivered.get(update_id)

    def callback_answer(self, update_id: int) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery params (text, show_alert, ...) for a press, if any."""
        query_id = self._state.callback_of_update.get(update_id)
        return None if query_id is None else self._state.callbacks.get(query_id)

    def inline_answer(self, update_id: int) -> dict[str, Any] | None:
        """The bot's answerInlineQuery for an inline query: results (each with ``shown``, the
        message as users would see it), button, cache_time; None while unanswered."""
        query_id = self._state.inline_of_update.get(update_id)
        return None if query_id is None else self._state.inline_answers.get(query_id)

    async def wait_for_inline_answer(
        self, update_id: int, timeout: float = 15.0  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Wait until the bot answered the inline query of ``update_id``; TimeoutError if not."""
        deadline = time.monotonic() + timeout
        while (answer := self.inline_answer(update_id)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"inline query {update_id} not answered within {timeout}s")
            await self._state.activity.wait(remaining)
        return answer

    def my_commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The command list the bot set for (scope, language_code)."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True) + "|" + language_code
        return list(self._state.commands.get(key, []))

    def _describe(self, since: float, chat_id: int | None) -> str:
        calls = [
            f"{c.method}({c.status}{': ' + c.description if c.description else ''})"
            for c in self._state.calls
            if c.at >= since and c.method != "getUpdates" and chat_id in (None, c.chat_id)
        ]
        return f"calls since: {calls or 'none'}"

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 15.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until ``chat_id`` has >= ``count`` sent messages; TimeoutError lists what came."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            got = self.messages(chat_id)
            if len(got) >= count:
                return got
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                texts = [m.text for m in got]
                raise TimeoutError(
                    f"chat {chat_id}: wanted {count} bot messages within {timeout}s, got "
                    f"{len(got)}: {texts!r}; {self._describe(start, chat_id)}"
                )
            await self._state.activity.wait(remaining)

    def _responded(self, update_id: int, since: float) -> bool:
        chat_id = update_chat_id(self._state.updates[update_id])
        query_id = self._state.callback_of_update.get(update_id)
        for call in self._state.calls:
            if call.at < since or call.status != 200:
                continue
            if call.method in REPLY_METHODS and call.chat_id == chat_id:
                return True
            is_answer = call.method == "answerCallbackQuery" and query_id is not None
            if is_answer and call.params.get("callback_query_id") == query_id:
                return True
            inline_id = self._state.inline_of_update.get(update_id)
            is_inline = call.method == "answerInlineQuery" and inline_id is not None
            if is_inline and call.params.get("inline_query_id") == inline_id:
                return True
        return False

    def _last_activity(self, chat_id: int | None, since: float) -> float:
        times = [
            c.done
            for c in self._state.calls
            if c.at >= since and c.method != "getUpdates" and c.chat_id in (None, chat_id)
        ]
        return max(times, default=since)

    async def wait_for_reply(
        self,
        update_id: int,
        timeout: float = 15.0,  # noqa: ASYNC109
        settle: float = 0.3,
    ) -> list[SentMessage]:
        """Wait for the bot's response to ``update_id``; return that chat's messages since then.

        A response is a successful sendMessage/sendDocument/editMessage*/deleteMessage to the
        update's chat (or answerCallbackQuery for a button press) after delivery. The result
        (messages sent or edited after delivery) is returned once the bot has had no request
        in flight and made no call about that chat for ``settle`` seconds.
        """
        if update_id not in self._state.updates:
            raise KeyError(f"unknown update_id {update_id}")
        start = time.monotonic()
        deadline = start + timeout
        chat_id = update_chat_id(self._state.updates[update_id])
        while (delivered := self.delivered_at(update_id)) is None or not self._responded(
            update_id, delivered
        ):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = "never delivered" if delivered is None else "delivered, no reply"
                since = start if delivered is None else delivered
                raise TimeoutError(
                    f"update {update_id} {what} within {timeout}s; {self._describe(since, chat_id)}"
                )
            await self._state.activity.wait(remaining)
        while True:
            quiet_for = time.monotonic() - self._last_activity(chat_id, delivered)
            if self._inflight == 0 and quiet_for >= settle:
                break
            await self._state.activity.wait(settle if self._inflight else settle - quiet_for)
        return [
            m
            for m in self.messages(chat_id)
            if m.sent_at >= delivered or (m.edited_at or 0.0) >= delivered
        ]
