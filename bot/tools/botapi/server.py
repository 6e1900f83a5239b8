"""A Bot-API-compatible HTTP server on loopback that a real python-telegram-bot talks to.

Point PTB at it with ``ApplicationBuilder().token(T).base_url(server.base_url)
.base_file_url(server.base_file_url)``; then drive the "user side" (``send_text``,
``press_button``, ...) and observe what the bot did (``messages``, ``calls``, ``wait_for_*``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.tools.botapi.faults import Fault, FaultPlan
from bot.tools.botapi.memory import State
from bot.tools.botapi.methods import BotMethods
from bot.tools.botapi.models import Call, SentMessage, SimUser
from bot.tools.botapi.observe import Observer
from bot.tools.botapi.params import ApiError, Upload, as_int, read_params
from bot.tools.botapi.simulate import UserSide

__all__ = ["BotAPIServer", "Call", "FaultPlan", "SentMessage", "SimUser"]

log = logging.getLogger(__name__)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


class BotAPIServer(UserSide, Observer):
    """Fake Telegram Bot API: long-polled getUpdates, message store, validation, faults."""

    base_url: str  # "http://127.0.0.1:PORT/bot"
    base_file_url: str  # "http://127.0.0.1:PORT/file/bot"
    faults: FaultPlan

    def __init__(
        self,
        token: str,
        bot_username: str = "qabot_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Configure (not start) a server; ``port=0`` picks a free port on start."""
        if not token or "/" in token:
            raise ValueError("token must be non-empty and contain no '/'")
        self._token = token
        self.bot_username = bot_username
        self.host = host
        self.port = port
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else 7000000001
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "QA Bot",
            "username": bot_username,
        }
        self._state = State(self.bot_user)
        self._methods = BotMethods(self._state)
        self.faults = FaultPlan()
        self._inflight = 0
        self.ignore_timeout = False  # True: getUpdates answers at once, like some emulators
        self._runner: web.AppRunner | None = None
        self.base_url = self.base_file_url = ""

    def redact(self, text: str) -> str:
        """``text`` with the bot token replaced by <TOKEN>."""
        return text.replace(self._token, "<TOKEN>")

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; fills ``base_url``/``base_file_url`` with the real port."""
        if self._runner is not None:
            raise RuntimeError("server already started")
        loop = asyncio.get_running_loop()
        self._state.updates_signal.loop = self._state.activity.loop = loop
        self._state.stopping = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.base_url = f"http://{self.host}:{self.port}/bot"
        self.base_file_url = f"http://{self.host}:{self.port}/file/bot"
        log.info("fake Bot API listening on http://%s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Wake pending long-polls and shut the server down."""
        self._state.stopping = True
        self._state.updates_signal.fire()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

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

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        for prefix, handler in (("/file/bot", self._download), ("/bot", self._api)):
            if path.startswith(prefix):
                token, _, rest = path[len(prefix) :].partition("/")
                if token != self._token:
                    log.info("%s %s<wrong token>/%s: 401", request.method, prefix, rest)
                    return _json(ApiError(401, "Unauthorized").body(), 401)
                return await handler(request, rest)
        return _json(ApiError(404, "Not Found").body(), 404)

    async def _download(self, request: web.Request, file_path: str) -> web.StreamResponse:
        stored = self._state.file_paths.get(file_path)
        if stored is None:
            return _json(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=stored.content, content_type=stored.mime_type)

    async def _api(self, request: web.Request, method: str) -> web.StreamResponse:
        at = time.monotonic()
        entry = self._methods.table.get(method.lower())
        name = entry[0] if entry else ("getUpdates" if method.lower() == "getupdates" else method)
        params: dict[str, Any] = {}
        counted = name != "getUpdates"
        self._inflight += int(counted)
        try:
            status, body = await self._answer(request, name, params)
        finally:
            self._inflight -= int(counted)
        description = "" if not isinstance(body, dict) else str(body.get("description", ""))
        self._state.record(Call(name, params, at, status, time.monotonic() - at, description))
        log.debug("%s -> %s %s", name, status, description)
        if isinstance(body, Fault):  # "raw": this answer, verbatim
            return web.Response(status=status, text=body.body, content_type=body.content_type)
        if body is None:  # "drop": close without answering
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)
        return _json(body, status)

    async def _answer(
        self, request: web.Request, name: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | Fault | None]:
        """Run one method; ``params`` is filled in place for the call record."""
        try:
            got, uploads = await read_params(request)
            params.update(got)
            params.update({k: _upload_note(u) for k, u in uploads.items()})
            fault = self.faults.take(name)
            if fault is not None and fault.kind == "raw":
                return fault.status, fault
            if fault is not None:
                early = await self._apply_fault(fault)
                if early is not None or fault.kind == "drop":
                    return early if early is not None else (0, None)
            if name == "getUpdates":
                result: Any = await self._get_updates(params, request)
            elif (entry := self._methods.table.get(name.lower())) is not None:
                result = await entry[1](params, uploads)
            else:
                raise ApiError(404, "Not Found: method not found")
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            return exc.code, exc.body()
        except Exception as exc:
            log.exception("fake Bot API %s failed: %s", name, self.redact(repr(exc)))
            return 500, ApiError(500, "Internal Server Error").body()

    @staticmethod
    async def _apply_fault(fault: Fault) -> tuple[int, dict[str, Any]] | None:
        if fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault.kind == "429":
            n = fault.retry_after
            error = ApiError(429, f"Too Many Requests: retry after {n}", {"retry_after": n})
            return 429, error.body()
        elif fault.kind == "500":
            return 500, ApiError(500, "Internal Server Error").body()
        return None

    async def _get_updates(self, params: dict[str, Any], request: web.Request) -> Any:
        state = self._state
        if state.webhook_url:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = as_int(params, "offset", 0)
        limit = min(max(as_int(params, "limit", 100), 1), 100)
        timeout = 0.0 if self.ignore_timeout else max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = [str(a) for a in allowed] or None
        state.poll_generation += 1
        generation = state.poll_generation
        state.updates_signal.fire()  # an older poll still waiting now gets 409
        state.confirm(offset)
        deadline = time.monotonic() + timeout
        while not (batch := state.take_batch(limit)) and not state.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await state.updates_signal.wait(remaining)
            if generation != state.poll_generation:
                raise ApiError(409, CONFLICT_POLL)
        if batch and (request.transport is None or request.transport.is_closing()):
            return []  # the bot hung up: nothing was delivered
        state.mark_delivered(batch, time.monotonic())
        return [q.payload for q in batch]


def _upload_note(upload: Upload) -> str:
    return f"<upload {upload.filename} {len(upload.content)} bytes {upload.content_type}>"
