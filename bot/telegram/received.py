"""Raw first, parsed one by one: one update python-telegram-bot cannot read must not stop the rest.

Telegram adds fields and update types a few times a year, and emulators and proxies send
updates real Telegram never would (a callback query whose message has no ``date``). PTB's
``get_updates`` parses a whole batch at once and raises on the first bad item, so the
poller (poller.py) fetches the batch as JSON and the webhook (webhook.py) reads its body as
JSON; ``receive`` turns each item into an inbox row on its own. An item that cannot be
parsed, or whose type this PTB does not know, becomes a row kept done with the reason
(``InboxUpdate.unparsable``): it is never handed to the handlers, the offset moves past it,
and the inbox logs and counts it once it is committed (``Inbox.accept``).
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Update

from bot.state import InboxUpdate

KNOWN_TYPES = frozenset(Update.ALL_TYPES)
REASON_CHARS = 200  # a reason is kept and shown to admins: no more than this


def update_id_of(raw: object) -> int | None:
    """The integer update_id of a raw update (None: none, so it cannot even be kept)."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("update_id")
    return value if isinstance(value, int) and _int64(value) else None


def kind_of(raw: dict[str, Any]) -> str:
    """The update's type: its first known type key, else its first other key ("none")."""
    keys = [k for k in raw if k != "update_id"]
    return next((k for k in keys if k in KNOWN_TYPES), keys[0] if keys else "none")


def chat_of(update: Update) -> int | None:
    """The chat an update belongs to (its replies must stay in order), if any."""
    chat = update.effective_chat
    return chat.id if chat is not None else None


def receive(raw: object, bot: Bot, payload: str | None = None) -> InboxUpdate | None:
    """The inbox row of one raw update (``payload``: its JSON as received, when the caller has
    it); None when it has no update_id at all. Parsing never raises: what fails is a row
    whose ``unparsable`` says why."""
    update_id = update_id_of(raw)
    if update_id is None:
        return None
    assert isinstance(raw, dict)
    text = payload if payload is not None else json.dumps(raw, ensure_ascii=False)
    kind = kind_of(raw)
    if kind not in KNOWN_TYPES:
        return InboxUpdate(update_id, None, text, _reason(kind, "unknown update type"))
    try:
        update = Update.de_json(raw, bot)
        missing = lacking(update)
        chat_id = chat_of(update)
    except Exception as exc:  # anything PTB could not make sense of: keep it, say why
        return InboxUpdate(update_id, None, text, _reason(kind, _why(exc)))
    if missing:
        return InboxUpdate(update_id, None, text, _reason(kind, missing))
    return InboxUpdate(update_id, chat_id, text)


def lacking(update: Update) -> str | None:
    """What a parsed update lacks that the Bot API promises and PTB does not check (a message
    without a chat, ids that are not 64-bit integers, a text that is not a string: the
    handlers would fail on it, or the store could not keep its chat); None when nothing."""
    message = update.effective_message
    if message is not None:
        if message.chat is None:
            return "a message without a chat"
        if not _int64(message.chat.id) or not isinstance(message.message_id, int):
            return "a message whose chat id or message_id is not a 64-bit integer"
        if not all(isinstance(v, str | None) for v in (message.text, message.caption)):
            return "a message whose text or caption is not a string"
    user = update.effective_user
    if user is not None and not _int64(user.id):
        return "a user whose id is not a 64-bit integer"
    return None


def _int64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return f"{type(exc).__name__}: {exc}"


def _reason(kind: str, why: str) -> str:
    return f"{kind}: {why}"[:REASON_CHARS]
