"""Inline mode on the fake Bot API: Telegram's checks for answerInlineQuery results.

Only what a QA bot sends is modelled: InlineQueryResultArticle with an
InputTextMessageContent (validated like sendMessage text), an optional reply markup and
description, and the optional "button" above the results. Error texts follow Telegram's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.tools.botapi.params import bad_request
from bot.tools.botapi.validate import check_markup, check_text

MAX_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _as_list(raw: Any) -> list[Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise bad_request("can't parse inline query results JSON object") from exc
    if not isinstance(raw, list):
        raise bad_request("can't parse inline query results JSON object")
    return raw


def check_article(result: Any) -> dict[str, Any]:
    """One InlineQueryResultArticle; returns it with ``shown``: the message as users see it."""
    if not isinstance(result, dict) or result.get("type") != "article":
        raise bad_request("RESULT_TYPE_INVALID")
    rid = result.get("id")
    if not isinstance(rid, str) or not 1 <= len(rid.encode("utf-8")) <= MAX_RESULT_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    title = result.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request("RESULT_TITLE_EMPTY")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or "message_text" not in content:
        raise bad_request("MESSAGE_EMPTY")
    shown = check_text(content["message_text"], content.get("parse_mode"))
    description = result.get("description")
    if description is not None and not isinstance(description, str):
        raise bad_request("RESULT_DESCRIPTION_INVALID")
    check_markup(result.get("reply_markup"))
    return {**result, "shown": shown}


def check_results(raw: Any) -> list[dict[str, Any]]:
    """The ``results`` of answerInlineQuery, each checked; ids must be unique."""
    results = [check_article(r) for r in _as_list(raw)]
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    ids = [r["id"] for r in results]
    if len(set(ids)) != len(ids):
        raise bad_request("RESULT_ID_DUPLICATE")
    return results


def check_button(raw: Any) -> dict[str, Any] | None:
    """The optional InlineQueryResultsButton (text + start_parameter or web_app)."""
    if raw is None:
        return None
    button = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
        raise bad_request("BUTTON_TEXT_INVALID")
    start = button.get("start_parameter")
    if "web_app" not in button and (not isinstance(start, str) or not _START_PARAMETER.fullmatch(start)):
        raise bad_request("START_PARAM_INVALID")
    return dict(button)
