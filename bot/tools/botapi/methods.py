"""Bot API methods (except getUpdates) working on the fake server's State."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.tools.botapi.inline import check_button, check_results
from bot.tools.botapi.memory import State, StoredFile
from bot.tools.botapi.models import SentMessage
from bot.tools.botapi.params import Upload, as_dict, as_int, bad_request
from bot.tools.botapi.validate import check_caption, check_commands, check_markup, check_text

Handler = Callable[[dict[str, Any], dict[str, Upload]], Awaitable[Any]]
MAX_DOWNLOAD = 20 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
TRIVIAL = ("logOut", "close", "setMyDescription", "setMyShortDescription", "setMyName",
           "setChatMenuButton")


def _wall(monotonic_at: float) -> int:
    return int(time.time() - (time.monotonic() - monotonic_at))


class BotMethods:
    """Implementations of the Bot API methods; ``table`` maps lower-case names to handlers."""

    def __init__(self, state: State) -> None:
        """Bind to ``state``."""
        self.state = state
        self.table: dict[str, tuple[str, Handler]] = {}
        for name in (
            "getMe", "deleteWebhook", "setWebhook", "getWebhookInfo", "sendMessage",
            "editMessageText", "editMessageReplyMarkup", "deleteMessage",
            "answerCallbackQuery", "answerInlineQuery", "sendChatAction", "getFile", "setMyCommands",
            "deleteMyCommands", "getMyCommands", "sendDocument", "getChat",
        ):
            self.table[name.lower()] = (name, getattr(self, "m_" + name))
        for name in TRIVIAL:
            self.table[name.lower()] = (name, self.m_ok)

    # -- helpers ---------------------------------------------------------------------------

    def chat_id(self, params: dict[str, Any]) -> int:
        """The known chat ``chat_id`` refers to; 400 "chat not found" otherwise."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for cid, chat in self.state.chats.items():
                if chat.get("username", "").lower() == raw[1:].lower():
                    return cid
            raise bad_request("chat not found")
        cid = as_int(params, "chat_id")
        if cid not in self.state.chats:
            raise bad_request("chat not found")
        return cid

    def message_json(self, msg: SentMessage) -> dict[str, Any]:
        """The ``Message`` JSON Telegram returns for a bot message."""
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self.state.bot_user,
            "chat": self.state.chats[msg.chat_id],
            "date": _wall(msg.sent_at),
        }
        stored = self.state.message_files.get((msg.chat_id, msg.message_id))
        if stored is not None:
            out["document"] = self.file_json(stored, with_path=False)
            if msg.text:
                out["caption"] = msg.plain_text
        else:
            out["text"] = msg.plain_text
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            out["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
        if msg.edited_at is not None:
            out["edit_date"] = _wall(msg.edited_at)
        return out

    @staticmethod
    def file_json(stored: StoredFile, *, with_path: bool = True) -> dict[str, Any]:
        """``File``/``Document`` JSON for a stored file."""
        out: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if with_path:
            out["file_path"] = stored.file_path
        else:
            out["mime_type"] = stored.mime_type
            if stored.file_name:
                out["file_name"] = stored.file_name
        return out

    def _reply_to(self, params: dict[str, Any], chat_id: int) -> int | None:
        reply = as_dict(params.get("reply_parameters"), "reply_parameters") or {}
        target = reply.get("message_id", params.get("reply_to_message_id"))
        if target is None:
            return None
        mid = int(target)
        allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
        known = (chat_id, mid) in self.state.user_messages or self.state.find_sent(chat_id, mid)
        if not known and not allow:
            raise bad_request("message to be replied not found")
        return mid

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        chat_id = self.chat_id(params)
        mid = as_int(params, "message_id")
        msg = self.state.find_sent(chat_id, mid)
        if msg is None:
            if (chat_id, mid) in self.state.user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return msg

    # -- methods ---------------------------------------------------------------------------

    async def m_ok(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Methods the fake accepts without effect."""
        return True

    async def m_getMe(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """The bot's own ``User``."""
        return {
            **self.state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def m_deleteWebhook(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Remove the webhook; ``drop_pending_updates`` empties the queue."""
        self.state.webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self.state.queue.clear()
        return True

    async def m_setWebhook(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Remember the webhook URL (getUpdates then answers 409 like Telegram)."""
        self.state.webhook_url = str(params.get("url") or "")
        return True

    async def m_getWebhookInfo(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """``WebhookInfo``."""
        return {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.queue),
        }

    async def m_getChat(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """``ChatFullInfo`` of a known chat."""
        chat = self.state.chats[self.chat_id(params)]
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11}

    async def m_sendMessage(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Validate and store a text message."""
        chat_id = self.chat_id(params)
        text, parse_mode = params.get("text"), params.get("parse_mode")
        check_text(text, parse_mode)
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(params, chat_id)
        msg = SentMessage(
            self.state.new_message_id(chat_id), chat_id, str(text), parse_mode, markup, reply_to
        )
        self.state.sent.append(msg)
        return self.message_json(msg)

    async def m_sendDocument(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Store an uploaded (or re-sent by file_id) document with its caption."""
        chat_id = self.chat_id(params)
        parse_mode = params.get("parse_mode")
        check_caption(params.get("caption"), parse_mode)
        upload = uploads.get("document")
        if upload is not None:
            stored = self.state.add_file(
                upload.content, upload.content_type, upload.filename, "document"
            )
        elif isinstance(params.get("document"), str) and params["document"] in self.state.files:
            stored = self.state.files[params["document"]]
        else:
            raise bad_request("there is no document in the request")
        markup = check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(params, chat_id)
        msg = SentMessage(
            self.state.new_message_id(chat_id), chat_id, str(params.get("caption") or ""),
            parse_mode, markup, reply_to, document=stored.file_name or stored.file_path,
        )
        self.state.message_files[(chat_id, msg.message_id)] = stored
        self.state.sent.append(msg)
        return self.message_json(msg)

    async def m_editMessageText(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Edit a bot text message; no reply_markup means the keyboard is removed."""
        if params.get("inline_message_id"):
            return True
        msg = self._editable(params)
        if msg.document is not None:
            raise bad_request("there is no text in the message to edit")
        text, parse_mode = params.get("text"), params.get("parse_mode")
        check_text(text, parse_mode)
        markup = check_markup(params.get("reply_markup"))
        if (msg.text, msg.parse_mode, msg.reply_markup) == (text, parse_mode, markup):
            raise bad_request(NOT_MODIFIED)
        msg.text, msg.parse_mode, msg.reply_markup = str(text), parse_mode, markup
        msg.edited, msg.edited_at = True, time.monotonic()
        return self.message_json(msg)

    async def m_editMessageReplyMarkup(
        self, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> Any:
        """Replace (or with no reply_markup, remove) a bot message's inline keyboard."""
        if params.get("inline_message_id"):
            return True
        msg = self._editable(params)
        markup = check_markup(params.get("reply_markup"))
        if markup == msg.reply_markup:
            raise bad_request(NOT_MODIFIED)
        msg.reply_markup, msg.edited, msg.edited_at = markup, True, time.monotonic()
        return self.message_json(msg)

    async def m_deleteMessage(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Delete a bot message (it disappears from ``messages()``)."""
        chat_id = self.chat_id(params)
        msg = self.state.find_sent(chat_id, as_int(params, "message_id"))
        if msg is None:
            raise bad_request("message to delete not found")
        self.state.sent.remove(msg)
        return True

    async def m_answerCallbackQuery(
        self, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> Any:
        """Answer a callback query once; unknown or repeated ids are rejected."""
        qid = params.get("callback_query_id")
        if not isinstance(qid, str) or self.state.callbacks.get(qid, 0) is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.state.callbacks[qid] = {
            k: params[k] for k in ("text", "show_alert", "url", "cache_time") if k in params
        }
        return True

    async def m_answerInlineQuery(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Answer an inline query once, with checked article results."""
        qid = params.get("inline_query_id")
        if not isinstance(qid, str) or self.state.inline_answers.get(qid, 0) is not None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        results = check_results(params.get("results"))
        button = check_button(params.get("button"))
        self.state.inline_answers[qid] = {
            "results": results, "button": button, "cache_time": params.get("cache_time"),
            "is_personal": params.get("is_personal"),
        }
        return True

    async def m_sendChatAction(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Accept a known chat action."""
        self.chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def m_getFile(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """``File`` with a path under /file/bot<token>/."""
        stored = self.state.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return self.file_json(stored)

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = as_dict(params.get("scope"), "scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code") or "")

    async def m_setMyCommands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Store the command list for (scope, language_code)."""
        self.state.commands[self._commands_key(params)] = check_commands(params.get("commands"))
        return True

    async def m_deleteMyCommands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """Forget the command list for (scope, language_code)."""
        self.state.commands.pop(self._commands_key(params), None)
        return True

    async def m_getMyCommands(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        """The command list for (scope, language_code)."""
        return self.state.commands.get(self._commands_key(params), [])
