"""The user side of the fake Bot API: what simulated users do, queued as Updates."""

from __future__ import annotations

from typing import Any

from bot.tools.botapi.memory import State
from bot.tools.botapi.methods import BotMethods
from bot.tools.botapi.models import SentMessage, SimUser
from bot.tools.botapi.updates import group_chat, now, private_chat, text_entities, user_message

_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11"
_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
_OGG = b"OggS\x00\x02" + b"\x00" * 20


class UserSide:
    """Mixin for BotAPIServer: each action enqueues one Update and returns its update_id."""

    bot_username: str
    _state: State
    _methods: BotMethods

    def _chat(self, user: SimUser, chat_id: int | None, chat_type: str) -> dict[str, Any]:
        if chat_type == "private":
            chat = private_chat(user)
            if chat_id is not None:
                chat["id"] = chat_id
        else:
            default_id = -1000000000000 - user.id
            chat = group_chat(default_id if chat_id is None else chat_id, chat_type)
        return self._state.chats.setdefault(int(chat["id"]), chat)

    def _post(self, user: SimUser, chat: dict[str, Any], **fields: Any) -> int:
        chat_id = int(chat["id"])
        message = user_message(user, chat, self._state.new_message_id(chat_id), **fields)
        self._state.user_messages[(chat_id, message["message_id"])] = message
        return self._state.enqueue({"message": message})

    def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: SentMessage | None = None,
    ) -> int:
        """User sends ``text``; "/cmd[@bot]" gets a bot_command entity, "@name" a mention."""
        chat = self._chat(user, chat_id, chat_type)
        replied = None
        if reply_to is not None:
            current = self._state.find_sent(reply_to.chat_id, reply_to.message_id) or reply_to
            replied = self._methods.message_json(current)
        return self._post(
            user, chat, text=text, entities=text_entities(text) or None, reply_to_message=replied
        )

    def press_button(
        self, user: SimUser, message: SentMessage, callback_data: str, *, force: bool = False
    ) -> int:
        """User presses an inline button of ``message``: a callback_query update.

        Raises ValueError when ``message`` (as currently stored) has no such button, unless
        ``force`` (e.g. to simulate a tap on a keyboard the bot already removed).
        """
        current = self._state.find_sent(message.chat_id, message.message_id) or message
        if not force and callback_data not in [data for _, data in current.buttons()]:
            raise ValueError(f"message {message.message_id} has no button {callback_data!r}")
        query_id = str(4_000_000_000_000_000 + len(self._state.callbacks))
        self._state.callbacks[query_id] = None
        update_id = self._state.enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "message": self._methods.message_json(current),
                    "chat_instance": str(abs(current.chat_id) * 31 + 7),
                    "data": callback_data,
                }
            }
        )
        self._state.callback_of_update[update_id] = query_id
        return update_id

    def send_inline_query(self, user: SimUser, query: str, *, chat_type: str = "sender") -> int:
        """User types ``@bot query`` in any chat: an inline_query update."""
        query_id = str(5_000_000_000_000_000 + len(self._state.inline_answers))
        self._state.inline_answers[query_id] = None
        update_id = self._state.enqueue(
            {
                "inline_query": {
                    "id": query_id, "from": user.to_dict(), "query": query, "offset": "",
                    "chat_type": chat_type,
                }
            }
        )
        self._state.inline_of_update[update_id] = query_id
        return update_id

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
        stored = self._state.add_file(content, mime_type, filename, "document")
        document = self._methods.file_json(stored, with_path=False)
        chat = self._chat(user, chat_id, "private" if chat_id in (None, user.id) else "group")
        return self._post(user, chat, document=document, caption=caption)

    def send_sticker(self, user: SimUser, *, chat_id: int | None = None) -> int:
        """User sends a sticker (no text)."""
        stored = self._state.add_file(_WEBP, "image/webp", "sticker.webp", "sticker")
        sticker = {
            **self._methods.file_json(stored, with_path=False),
            "type": "regular", "width": 512, "height": 512, "is_animated": False,
            "is_video": False, "emoji": "👍",
        }
        sticker.pop("mime_type", None)
        sticker.pop("file_name", None)
        chat = self._chat(user, chat_id, "private" if chat_id in (None, user.id) else "group")
        return self._post(user, chat, sticker=sticker)

    def send_photo(self, user: SimUser, *, chat_id: int | None = None) -> int:
        """User sends a photo (no caption)."""
        stored = self._state.add_file(_JPEG, "image/jpeg", None, "photo")
        size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(_JPEG), "width": 90, "height": 90}
        chat = self._chat(user, chat_id, "private" if chat_id in (None, user.id) else "group")
        return self._post(user, chat, photo=[size])

    def send_voice(self, user: SimUser, *, chat_id: int | None = None) -> int:
        """User sends a voice note."""
        stored = self._state.add_file(_OGG, "audio/ogg", None, "voice")
        voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                 "duration": 2, "mime_type": "audio/ogg", "file_size": len(_OGG)}
        chat = self._chat(user, chat_id, "private" if chat_id in (None, user.id) else "group")
        return self._post(user, chat, voice=voice)

    def edit_text(
        self, user: SimUser, message_id: int, text: str, *, chat_id: int | None = None
    ) -> int:
        """User edits their earlier message ``message_id``: an edited_message update."""
        key = (user.id if chat_id is None else chat_id, message_id)
        original = self._state.user_messages.get(key)
        if original is None:
            raise ValueError(f"no user message {message_id} in chat {key[0]}")
        edited = {**original, "text": text, "edit_date": now()}
        edited.pop("entities", None)
        if entities := text_entities(text):
            edited["entities"] = entities
        self._state.user_messages[key] = edited
        return self._state.enqueue({"edited_message": edited})

    def enqueue_raw(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Enqueue an Update dict as-is; reuse ``update_id`` to simulate a duplicate delivery."""
        for kind in ("message", "edited_message", "callback_query"):
            body = update.get(kind)
            if not isinstance(body, dict):
                continue
            if kind == "callback_query":
                self._state.callbacks.setdefault(str(body.get("id")), None)
                body = body.get("message")
                if not isinstance(body, dict):
                    continue
            chat = body.get("chat")  # remembered only when it is a chat (odd updates may not be)
            if isinstance(chat, dict) and isinstance(chat.get("id"), int) and isinstance(
                chat.get("type"), str
            ):
                self._state.chats.setdefault(chat["id"], chat)
                if kind != "callback_query" and isinstance(body.get("message_id"), int):
                    self._state.user_messages[(chat["id"], int(body["message_id"]))] = body
        uid = self._state.enqueue(update, update_id)
        if isinstance(update.get("callback_query"), dict):
            self._state.callback_of_update[uid] = str(update["callback_query"].get("id"))
        return uid
