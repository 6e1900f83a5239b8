"""Decoding Bot API request parameters the way Telegram reads PTB's requests.

PTB sends form-encoded bodies (multipart when uploading) where string values are raw and
every other value is JSON-encoded; Telegram also accepts query strings and JSON bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Parameters whose value is always a plain string, even when it looks like JSON ("123").
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "file_id", "action",
        "language_code", "url", "secret_token", "inline_message_id", "business_connection_id",
        "message_effect_id", "description", "short_description", "name", "title", "emoji",
        "ip_address", "query", "switch_pm_text", "switch_pm_parameter", "inline_query_id",
    }
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        """Remember the error fields."""
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """Telegram's JSON error body."""
        out: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad_request(detail: str) -> ApiError:
    """A 400 "Bad Request: <detail>" error."""
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class Upload:
    """One uploaded multipart file."""

    field: str
    filename: str
    content: bytes
    content_type: str


def decode_value(name: str, raw: str) -> Any:
    """Undo PTB's encoding: raw string for string params, else JSON with string fallback."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters (query string, form, multipart or JSON body) and uploaded files."""
    params: dict[str, Any] = {k: decode_value(k, v) for k, v in request.query.items()}
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        params.update(body)
        return params, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            uploads[key] = Upload(key, value.filename, content, value.content_type)
        elif isinstance(value, str):
            params[key] = decode_value(key, value)
    return params, uploads


def as_int(params: dict[str, Any], name: str, default: int | None = None) -> int:
    """Integer parameter ``name``; 400 when missing (and no default) or not an integer."""
    value = params.get(name, default)
    if value is None:
        raise bad_request(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
    if isinstance(value, bool):
        raise bad_request(f"invalid {name} specified")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"invalid {name} specified") from exc


def as_dict(value: Any, what: str) -> dict[str, Any] | None:
    """A JSON-object parameter (already decoded, or still a JSON string); None if absent."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {what} JSON object") from exc
    if not isinstance(value, dict):
        raise bad_request(f"can't parse {what} JSON object")
    return value
