"""Webhook mode: an HTTP endpoint that commits each update to the inbox before its 200.

PTB's customwebhookbot.py pattern (an Application without an Updater, fed by our own web
server), with aiohttp. Telegram retries a delivery until it gets a 2xx, so the 200 goes
out only after the update is committed; a store failure answers 500 and Telegram retries.
The body is kept as received and parsed on its own (received.py): an update that cannot be
parsed is kept as unparsable and answered 200 (a retry would fail the same way).
Every replica may run the endpoint behind one URL (a load balancer): setWebhook is
idempotent, and the inbox drops a second delivery of an update_id. The URL path and the
secret header are derived from the token (``webhook_options``), never equal to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import Bot

from bot.telegram.inbox import Inbox
from bot.telegram.reach import reaching
from bot.telegram.received import update_id_of
from config.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class WebhookOptions:
    """Where the endpoint listens and what Telegram is told."""

    listen: str
    port: int
    url_path: str
    webhook_url: str
    secret_token: str


def webhook_options(settings: Settings, token: str) -> WebhookOptions:
    """Listen address, URL path and secret; path and secret are derived from, never equal
    to, the token (webhook_url in settings is the public base the path is appended to)."""
    tg = settings.telegram
    path = hashlib.sha256(b"path:" + token.encode()).hexdigest()[:32]
    return WebhookOptions(
        listen=tg.webhook_listen,
        port=tg.webhook_port,
        url_path=path,
        webhook_url=f"{tg.webhook_url.rstrip('/')}/{path}",
        secret_token=hashlib.sha256(b"secret:" + token.encode()).hexdigest()[:48],
    )


class WebhookServer:
    """``start`` binds the endpoint and calls setWebhook; ``stop`` closes the endpoint (the
    webhook stays set: other replicas keep receiving)."""

    def __init__(self, inbox: Inbox, bot: Bot, options: WebhookOptions) -> None:
        """Configure (not start)."""
        self.inbox, self.bot, self.options = inbox, bot, options
        self._runner: web.AppRunner | None = None

    async def start(self, allowed_updates: Sequence[str] | None) -> None:
        """Serve POST /<url_path>, then register the webhook with Telegram."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(f"/{self.options.url_path}", self._receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.options.listen, self.options.port).start()
        self._runner = runner
        await reaching("setWebhook", self.bot.set_webhook(
            url=self.options.webhook_url, secret_token=self.options.secret_token,
            allowed_updates=allowed_updates, drop_pending_updates=False,
        ))
        log.info("webhook endpoint on %s:%s", self.options.listen, self.options.port)

    async def stop(self) -> None:
        """Close the endpoint."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.options.secret_token.encode()):
            log.warning("webhook request with a wrong secret token from %s", request.remote)
            return web.Response(status=403)
        raw = await request.text()
        try:
            data: Any = json.loads(raw)
        except ValueError as exc:
            log.warning("webhook body is not JSON: %s", exc)
            return web.Response(status=400)
        if update_id_of(data) is None:
            log.warning("webhook body is not an update (no update_id)")
            return web.Response(status=400)
        try:  # parsed on its own; one that cannot be is kept as unparsable and confirmed
            await self.inbox.accept([data], [raw])
        except Exception as exc:  # Telegram retries on anything but 2xx
            log.error("could not commit update %s (%r); Telegram will retry", data["update_id"], exc)
            return web.Response(status=500)
        return web.Response(status=200)
