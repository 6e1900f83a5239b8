"""Cheap Telegram-like validation of what the bot sends: text, parse_mode, keyboards."""

from __future__ import annotations

import re
from typing import Any

from bot.engine.text.script import utf16_len
from bot.tools.botapi.html_check import EntityParseError, parse_html
from bot.tools.botapi.params import as_dict, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


def visible_text(text: str, parse_mode: str | None) -> str:
    """Text as Telegram shows it; 400 "can't parse entities" for malformed HTML."""
    if parse_mode is None or parse_mode == "":
        return text
    if not isinstance(parse_mode, str) or parse_mode.lower() not in PARSE_MODES:
        raise bad_request("unsupported parse_mode")
    if parse_mode.lower() == "html":
        try:
            return parse_html(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    return text


def check_text(text: Any, parse_mode: Any) -> str:
    """Validate a message text; return its visible form."""
    if not isinstance(text, str) or not text.strip():
        raise bad_request("message text is empty")
    shown = visible_text(text, parse_mode).strip()
    if not shown:
        raise bad_request("message text is empty")
    if utf16_len(shown) > MAX_TEXT:
        raise bad_request("message is too long")
    return shown


def check_caption(caption: Any, parse_mode: Any) -> str:
    """Validate an optional media caption; return its visible form ("" when absent)."""
    if caption is None or caption == "":
        return ""
    if not isinstance(caption, str):
        raise bad_request("invalid caption")
    shown = visible_text(caption, parse_mode).strip()
    if utf16_len(shown) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return shown


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not any(key in button for key in _BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")


def check_markup(raw: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup``; inline keyboards get Telegram's button checks."""
    markup = as_dict(raw, "reply_markup")
    if markup is None or "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard: field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def check_commands(commands: Any) -> list[dict[str, Any]]:
    """Validate setMyCommands' list of {command, description}."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    out: list[dict[str, Any]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_NAME.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        out.append({"command": command, "description": description})
    return out
