"""Admins manage the documents in Telegram: uploads (any format, with progress), /docs, /remove.

An upload is read off the event loop by the engine's format readers, with one status message
edited as the work goes ("正在识别扫描页：第 3/12 页…", then the result); questions keep being
answered meanwhile. A document that cannot be read gets its reason in the admin's language
and nothing changes. A readable one is written into the folder (replacing a document of the
same name, with what changed in paragraphs) and the folder is reloaded; a failed reload
removes it again. The reload makes the new paragraphs searchable by their words at once and
embeds them in the background: the status message says so as it goes ("已可按关键词检索
（3,001 段）…正在建立语义索引 35%…完成"), and /docs marks a document still being embedded.
/remove asks for a confirmation button first. Private chats only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from concurrent.futures import Future

from telegram import CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.engine.types import Upload
from bot.serving.documents import SUPPORTED, ReloadError, readable, target_name
from bot.telegram.admin import admin_and_ready, done_text
from bot.telegram.reply import Ctx, reply_text
from bot.telegram.texts import Lang, lang_of, problem_text, t

log = logging.getLogger(__name__)
EDIT_EVERY = 2.0  # seconds between progress edits of the status message
WATCHING: set[asyncio.Task[None]] = set()  # status messages following a background embedding
REMOVE = "rm"  # callback data "rm:<digest>:y" or "rm:<digest>:n"


async def upload(update: Update, context: Ctx) -> None:
    """A document: admins add (or replace) it and reload; others are refused."""
    rt, message, user = context.runtime, update.effective_message, update.effective_user
    if message is None or message.document is None or message.chat.type != Chat.PRIVATE:
        return
    lang = lang_of(user)
    if not rt.is_admin(user.id if user else None):
        log.warning("non-admin user %s sent a document", user.id if user else None)
        await reply_text(update, context, t(lang, "file_not_admin"))
        return
    doc, limit = message.document, rt.settings.telegram.max_upload_bytes
    name = doc.file_name or "document.txt"
    if not readable(name):
        await reply_text(update, context, t(lang, "upload_type", kinds=" ".join(SUPPORTED)))
        return
    if (doc.file_size or 0) > limit:
        too_large = {"name": name, "size": doc.file_size, "limit": limit}
        await reply_text(update, context, problem_text(lang, "too_large", too_large))
        return
    if not rt.engine.ready:
        await reply_text(update, context, t(lang, "not_ready"))
        return
    status = await message.reply_text(t(lang, "doc_reading", name=name))
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    progress = _Progress(status, lang, name, asyncio.get_running_loop())
    try:
        added = await rt.engine.add_document(name, data, user.id if user else None, progress)
    except ReloadError as exc:
        log.warning("reload after upload of %s failed, rolled back: %s", target_name(name), exc)
        await progress.settle()
        await _edit(status, t(lang, "upload_rolled_back", name=target_name(name), error=exc))
        return
    await progress.settle()
    if added.report is None or not added.report.pending:
        await _edit(status, _upload_text(lang, name, added, len(rt.engine.stale)))
        return
    watch = asyncio.create_task(_embedding(status, lang, name, added, context))
    WATCHING.add(watch)  # the upload is served; the status follows the background embedding
    watch.add_done_callback(WATCHING.discard)


async def _embedding(status: Message, lang: Lang, name: str, added: Upload, context: Ctx) -> None:
    """The status message while the upload's vectors are embedded in the background: searchable
    by keyword now, the semantic index's percentage, then done (or left for later)."""
    ready = t(lang, "doc_keywords", paragraphs=f"{added.paragraphs:,}")
    shown, left = -1.0, 1
    async for left, total in context.runtime.engine.embedding():
        if left and time.monotonic() - shown >= EDIT_EVERY:
            shown = time.monotonic()
            percent = (total - left) * 100 // max(total, 1)
            await _edit(status, ready + t(lang, "doc_embedding", percent=percent))
    done = ready + t(lang, "doc_embedding", percent=100) + t(lang, "doc_embedded")
    tail = t(lang, "doc_embed_later") if left else done
    text = _upload_text(lang, name, added, len(context.runtime.engine.stale))
    head, _, rest = text.partition("\n")
    await _edit(status, f"{head}\n{tail}\n{rest}" if rest else f"{head}\n{tail}")


def _upload_text(lang: Lang, name: str, added: Upload, stale: int) -> str:
    """The status message's last text: why the document was refused, or what it changed."""
    if added.problem is not None:
        return problem_text(lang, added.problem.reason, {**dict(added.problem.values), "name": name})
    if added.changes is not None:
        c = added.changes
        head = t(lang, "upload_replaced", name=added.name, added=c.added, changed=c.changed,
                 removed=c.removed)
    else:
        pages = t(lang, "doc_page_count", pages=added.pages) if added.pages else ""
        head = t(lang, "upload_saved", name=added.name, paragraphs=added.paragraphs, pages=pages)
    assert added.report is not None  # a document that was read was added and reloaded
    return head + "\n" + done_text(lang, added.report, stale)


async def docs_command(update: Update, context: Ctx) -> None:
    """/docs (admins): the documents served, with paragraphs, pages, who added them when."""
    if not await admin_and_ready(update, context, "docs"):
        return
    rt, lang = context.runtime, lang_of(update.effective_user)
    documents = rt.engine.catalogue()
    if not documents:
        await reply_text(update, context, t(lang, "docs_none"))
        return
    lines = [t(lang, "docs_header", count=len(documents))]
    for rank, d in enumerate(documents, 1):
        added = t(lang, "docs_added", when=d.added_at[:10], who=d.added_by or "?") if d.added_at else ""
        pages = t(lang, "doc_page_count", pages=d.pages) if d.pages else ""
        known = " · ".join(x for x in (f"《{d.title}》" if d.title else "", d.doc_number, d.date) if x)
        about = t(lang, "docs_about", about=known) if known else ""
        embedding = t(lang, "docs_embedding") if d.embedding else ""
        lines.append(t(lang, "docs_line", rank=rank, name=d.name, about=about, paragraphs=d.paragraphs,
                       pages=pages, added=added, embedding=embedding))
    lines += [problem_text(lang, s.reason, {**dict(s.values), "name": s.name})
              for s in rt.engine.info.skipped]
    await reply_text(update, context, "\n".join(lines))


async def remove_command(update: Update, context: Ctx) -> None:
    """/remove NAME (admins): asks for a confirmation button before deleting."""
    if not await admin_and_ready(update, context, "remove"):
        return
    rt, lang, message = context.runtime, lang_of(update.effective_user), update.effective_message
    name = " ".join(context.args or []).strip()
    if message is None or not name:
        await reply_text(update, context, t(lang, "remove_usage"))
        return
    known = {d.name: d for d in rt.engine.catalogue()}
    if name not in known:
        await reply_text(update, context, t(lang, "remove_unknown", name=name))
        return
    digest = _digest(name)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "remove_yes"), callback_data=f"{REMOVE}:{digest}:y"),
        InlineKeyboardButton(t(lang, "remove_no"), callback_data=f"{REMOVE}:{digest}:n"),
    ]])
    await message.reply_text(t(lang, "remove_confirm", name=name, paragraphs=known[name].paragraphs),
                             reply_markup=markup)


async def remove_button(update: Update, context: Ctx) -> None:
    """The confirmation under /remove: delete the document and reload, or cancel."""
    query, rt = update.callback_query, context.runtime
    if query is None or query.data is None or query.message is None:
        return
    lang = lang_of(query.from_user)
    if not rt.is_admin(query.from_user.id):
        await query.answer(t(lang, "not_admin"))
        return
    _, digest, choice = [*query.data.split(":"), "", ""][:3]
    await query.answer()
    if choice != "y":
        await _edit_query(query, t(lang, "remove_cancelled"))
        return
    names = [d.name for d in rt.engine.catalogue()]
    name = next((n for n in names if _digest(n) == digest), None)
    if name is None:
        await _edit_query(query, t(lang, "remove_unknown", name="?"))
        return
    if len(names) == 1:
        await _edit_query(query, t(lang, "remove_last", name=name))
        return
    await _edit_query(query, t(lang, "doc_indexing", paragraphs="…"))
    try:
        report = await rt.engine.remove_document(name)
    except (ReloadError, FileNotFoundError) as exc:
        log.warning("removing %s failed, restored: %s", name, exc)
        await _edit_query(query, t(lang, "reload_failed", error=exc))
        return
    done = done_text(lang, report, len(rt.engine.stale))
    await _edit_query(query, t(lang, "remove_done", name=name) + "\n" + done)


class _Progress:
    """The reader's progress, from its worker thread, as edits of the status message (at
    most one per EDIT_EVERY seconds). ``settle`` waits for the edits under way, so the
    result is never overwritten by a progress edit that arrives late."""

    def __init__(self, status: Message, lang: Lang, name: str, loop: asyncio.AbstractEventLoop) -> None:
        self.status, self.lang, self.name, self.loop = status, lang, name, loop
        self.last = 0.0
        self.pending: list[Future[None]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "indexing":  # read: the rebuild starts (always shown)
            self._send(t(self.lang, "doc_indexing", paragraphs=done))
            return
        now = time.monotonic()
        if now - self.last < EDIT_EVERY or stage not in ("pages", "ocr"):
            return
        self.last = now
        self._send(t(self.lang, f"doc_{stage}", name=self.name, done=done, total=total))

    def _send(self, text: str) -> None:
        """Edit the status message once the edits sent before have been made (in order)."""
        edit = self._after(list(self.pending), text)
        self.pending.append(asyncio.run_coroutine_threadsafe(edit, self.loop))

    async def _after(self, previous: list[Future[None]], text: str) -> None:
        await asyncio.gather(*(asyncio.wrap_future(f) for f in previous), return_exceptions=True)
        await _edit(self.status, text)

    async def settle(self) -> None:
        """Wait until every progress edit sent so far has been made."""
        await asyncio.gather(*(asyncio.wrap_future(f) for f in self.pending), return_exceptions=True)


async def _edit(status: Message, text: str) -> None:
    """Replace the status message's text (an edit that fails is logged, not raised)."""
    try:
        await status.edit_text(text)
    except TelegramError as exc:
        log.info("could not edit the status message: %s", exc)


async def _edit_query(query: CallbackQuery, text: str) -> None:
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(text)


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


__all__ = ["REMOVE", "docs_command", "remove_button", "remove_command", "upload"]

