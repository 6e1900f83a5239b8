"""Builders for the JSON the simulated user side produces: chats, messages, entities."""

from __future__ import annotations

import re
import time
from typing import Any

from bot.engine.text.script import utf16_len
from bot.tools.botapi.models import SimUser

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")


def now() -> int:
    """Unix time as Telegram's ``date`` fields carry it."""
    return int(time.time())


def private_chat(user: SimUser) -> dict[str, Any]:
    """The private ``Chat`` between the bot and ``user``."""
    chat: dict[str, Any] = {"id": user.id, "type": "private", "first_name": user.first_name}
    if user.username is not None:
        chat["username"] = user.username
    return chat


def group_chat(chat_id: int, chat_type: str) -> dict[str, Any]:
    """A group/supergroup/channel ``Chat``."""
    return {"id": chat_id, "type": chat_type, "title": f"测试群 {chat_id}"}


def text_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram would attach: bot_command at offset 0 and @username mentions."""
    entities: list[dict[str, Any]] = []
    command_end = 0
    match = _COMMAND.match(text)
    if match:
        command_end = match.end()
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match.group())})
    for mention in _MENTION.finditer(text, command_end):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
            }
        )
    return entities


def user_message(
    user: SimUser, chat: dict[str, Any], message_id: int, **fields: Any
) -> dict[str, Any]:
    """A ``Message`` from ``user`` in ``chat`` with extra ``fields`` (text, document, ...)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": user.to_dict(),
        "chat": chat,
        "date": now(),
    }
    message.update({k: v for k, v in fields.items() if v is not None})
    return message


def update_kind(update: dict[str, Any]) -> str:
    """The update type, e.g. "message" or "callback_query"."""
    return next((k for k in update if k != "update_id"), "unknown")


def update_chat_id(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to, if any."""
    body = update.get(update_kind(update))
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("message"), dict):  # callback_query
        body = body["message"]
    chat = body.get("chat")
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return int(chat["id"])
    return None
