"""Wiring of the Telegram bot: ``build_application`` for every caller, ``run`` for `qabot serve`.

    app = build_application(settings, token, base_url=server.base_url)
    async with running(app):          # initialize, open store and index, poll; stop cleanly
        ...

The Application has no Updater: updates reach it through the durable inbox (inbox.py), fed
by our own long polling or webhook endpoint (webhook.py), so an update is committed to the
state store before Telegram is told it arrived, and marked done only after its handlers ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.state import AsyncState, bot_id_of, open_store
from bot.telegram import admin, buttons, digest, documents, handlers, inline, menus
from bot.telegram.context import CONTEXT_TYPES, KEY, BotContext, runtime_of
from bot.telegram.health import OpsServer
from bot.telegram.inbox import Inbox
from bot.telegram.logs import protect_secret
from bot.telegram.metrics import CountingRateLimiter
from bot.telegram.reach import exit_message, quiet_invalid_json, reaching
from bot.telegram.reply import sent
from bot.telegram.runtime import Runtime
from bot.telegram.texts import lang_of, t
from bot.telegram.webhook import WebhookOptions, WebhookServer, webhook_options
from config.settings import Settings, load_settings
from embeddings import Encoder

log = logging.getLogger(__name__)
QAApp = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
POLL_TIMEOUT = 10  # seconds a getUpdates long poll may wait
OPS_KEY = "ops"  # app.bot_data[OPS_KEY]: the running OpsServer (its port, for tests)
MEDIA = (
    filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
    | filters.VIDEO_NOTE | filters.ANIMATION | filters.LOCATION | filters.CONTACT
)


def file_url_for(base_url: str) -> str:
    """The file download base matching a Bot API base ("…/bot" → "…/file/bot")."""
    root, _, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{root}/file/bot" if root else base_url


def build_application(
    settings: Settings,
    token: str,
    *,
    encoder: Encoder | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    flood_limits: bool = True,
) -> QAApp:
    """A ready-to-start Application; its post_init opens the index (see ``running``).

    ``base_url`` defaults to settings.telegram.base_url ($TELEGRAM_BASE_URL, read by
    config/settings.py), then Telegram itself. ``flood_limits=False`` leaves out
    AIORateLimiter (load tests only: Telegram's flood limits and RetryAfter are then not
    honoured).
    """
    if not token:
        raise ValueError("the bot token is empty; set TELEGRAM_BOT_TOKEN")
    protect_secret(token)
    quiet_invalid_json()
    runtime = Runtime.create(settings, encoder)
    base = base_url or settings.telegram.base_url
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .updater(None)  # updates come through the durable inbox ([state] workers at once)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if flood_limits:
        builder = builder.rate_limiter(CountingRateLimiter(runtime.metrics, max_retries=3))
    if base:
        builder = builder.base_url(base).base_file_url(base_file_url or file_url_for(base))
    app = builder.build()
    app.bot_data[KEY] = runtime
    register(app)
    return app


def register(app: QAApp) -> None:
    """Attach every handler and the error handler."""
    # Edited messages and channel posts stop here (a duplicate update_id never gets this far:
    # the inbox keeps one row per update_id).
    app.add_handler(TypeHandler(Update, handlers.guard), group=-1)
    # /start and /help: what the bot knows and how to ask.
    app.add_handler(CommandHandler(["start", "help"], handlers.start))
    # /ask <question>: the way to ask in groups (works in private chats too).
    app.add_handler(CommandHandler("ask", handlers.ask_command))
    # Admins: rebuild the index from the documents folder.
    app.add_handler(CommandHandler("reload", admin.reload_command))
    # Admins: index facts, counters, feedback, uptime.
    app.add_handler(CommandHandler("stats", admin.stats_command))
    # Admins: what officials asked that the documents did not answer (or got 👎).
    app.add_handler(CommandHandler("gaps", admin.gaps_command))
    # /docs and /remove NAME (admins): the documents, and deleting one after a confirmation.
    app.add_handler(CommandHandler("docs", documents.docs_command))
    app.add_handler(CommandHandler("remove", documents.remove_command))
    # Documents: admin uploads; everyone else is told politely.
    app.add_handler(MessageHandler(filters.Document.ALL, documents.upload))
    # Text: questions (private chats; groups when mentioned or replied to).
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.text_message))
    # Commands we do not have (ignored when addressed to another bot).
    app.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    # Stickers, photos, voice and other media: ask for text.
    app.add_handler(MessageHandler(MEDIA, handlers.media))
    # Inline buttons: 更多段落, 上下文, 👍/👎.
    app.add_handler(CallbackQueryHandler(documents.remove_button, pattern=rf"^{documents.REMOVE}:"))
    app.add_handler(CallbackQueryHandler(buttons.button))
    # Inline mode: "@bot 问题" in any chat.
    app.add_handler(InlineQueryHandler(inline.inline_query))
    app.add_error_handler(on_error)


async def _post_init(app: QAApp) -> None:
    rt = runtime_of(app)
    rt.open_state = AsyncState(await asyncio.to_thread(open_store, rt.settings, bot_id_of(app.bot.token)))
    log.info("state store: %s", rt.state.store.describe())
    await rt.engine.open()
    await menus.set_menus(app.bot, rt.settings.telegram.admin_ids)
    digest.schedule(app)


async def _post_shutdown(app: QAApp) -> None:
    rt = runtime_of(app)
    rt.engine.close()
    if rt.open_state is not None:
        state, rt.open_state = rt.open_state, None
        await asyncio.to_thread(state.close)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure with its traceback; tell the user briefly that something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %r", update_id, context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = t(lang_of(update.effective_user), "error")
    if update.callback_query is not None:  # stop the button's spinner (may be answered already)
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await sent(context.bot.send_message(update.effective_chat.id, text), "sendMessage")
    except TelegramError as exc:
        log.warning("could not tell chat %s about the error: %s", update.effective_chat.id, exc)


@asynccontextmanager
async def running(
    app: QAApp,
    *,
    poll_timeout: int = 1,
    allowed_updates: Sequence[str] | None = None,
    webhook: WebhookOptions | None = None,
) -> AsyncIterator[QAApp]:
    """Run ``app`` for the duration of an ``async with`` block.

    initialize + post_init (opens the state store and the index), start, then the inbox:
    long polling (only while this replica holds the poller lock), or the ``webhook``
    endpoint; plus a follower that swaps to index versions other replicas publish; the ops
    endpoint ([ops] listen) from the start. On exit: /readyz turns 503 (draining), stop
    receiving, let updates being answered finish ([ops] shutdown_grace_seconds) and hand the
    rest back to the inbox, stop, shutdown + post_shutdown.
    """
    rt = runtime_of(app)
    rt.draining = False
    ops = OpsServer(rt, rt.settings.ops.listen) if rt.settings.ops.listen else None
    if ops is not None:
        await ops.start()
        app.bot_data[OPS_KEY] = ops
    inbox: Inbox | None = None
    server: WebhookServer | None = None
    follower: asyncio.Task[None] | None = None
    try:
        await reaching("getMe", app.initialize())
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        inbox = rt.inbox = Inbox(
            app, rt.state, rt.settings, poll_timeout=poll_timeout, allowed_updates=allowed_updates,
            metrics=rt.metrics,
        )
        await inbox.start(poll=webhook is None)
        if webhook is not None:
            server = WebhookServer(inbox, app.bot, webhook)
            await server.start(allowed_updates)
        follower = asyncio.create_task(rt.engine.follow_forever())
        yield app
    finally:
        rt.draining = True
        log.info("draining: not ready, taking no new updates")
        if follower is not None:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
        if server is not None:
            await server.stop()
        if inbox is not None:
            await inbox.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        if ops is not None:
            await ops.stop()
            del app.bot_data[OPS_KEY]


async def _serve_until_signal(app: QAApp, webhook: WebhookOptions | None = None) -> None:
    """Serve until SIGINT or SIGTERM. A signal that comes while the index is still loading
    (or being built) stops at once: the start-up is cancelled, the app shut down, and the
    process leaves without waiting for the load's worker thread, which cannot be interrupted
    (an index version is published atomically, so an abandoned build leaves nothing half-done)."""
    stop, started = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def serve() -> None:
        async with running(app, poll_timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, webhook=webhook):
            started.set()
            log.info("serving (%s); press Ctrl-C to stop", "webhook" if webhook else "long polling")
            await stop.wait()

    serving, signalled = asyncio.create_task(serve()), asyncio.create_task(stop.wait())
    await asyncio.wait((serving, signalled), return_when=asyncio.FIRST_COMPLETED)
    signalled.cancel()
    if not started.is_set() and not serving.done():
        log.info("stopping during start-up: the index load in progress is abandoned")
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        log.info("stopped")
        logging.shutdown()
        os._exit(0)  # a normal exit would join the loading thread first
    await serving
    log.info("stopped")


def run(settings: Settings | None = None) -> None:
    """Serve until interrupted: long polling, or a webhook when [telegram] mode = "webhook"."""
    settings = settings or load_settings()
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set")
    app = build_application(settings, token)
    try:
        _serve(app, token, settings)
    except TelegramError as exc:  # a wrong token, or any answer that cannot be used (reach.py)
        raise SystemExit(exit_message(exc)) from None


def _serve(app: QAApp, token: str, settings: Settings) -> None:
    tg = settings.telegram
    if tg.mode == "polling":
        asyncio.run(_serve_until_signal(app))
    elif tg.mode == "webhook":
        if not tg.webhook_url:
            raise SystemExit('[telegram] mode = "webhook" needs webhook_url (public https URL)')
        asyncio.run(_serve_until_signal(app, webhook_options(settings, token)))
    else:
        raise SystemExit(f'[telegram] mode = "{tg.mode}" is unknown; use "polling" or "webhook"')


__all__ = ["ALLOWED_UPDATES", "QAApp", "build_application", "run", "running", "webhook_options"]
