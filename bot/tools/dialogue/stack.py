"""The real bot stack for dialogues: loopback Bot API server + the PTB Application.

The Application runs over temporary copies of the documents folder and the index, so
uploads and reloads in a script never touch the repository; ``reset`` restores the
documents (and rebuilds) between scripts that changed them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from bot.telegram.texts import STRINGS, is_working
from bot.tools.botapi import BotAPIServer, SentMessage, SimUser
from bot.tools.dialogue.expect import Reply
from bot.tools.dialogue.format import Upload, User
from bot.tools.dialogue.specs import same_button
from config.settings import Settings
from embeddings import Encoder

log = logging.getLogger(__name__)
TOKEN = "7000000042:dialogue-runner"
SETTLE = 0.25  # seconds of quiet after the first response before a reply counts as complete
QUIET = 2.0  # seconds a no_reply step waits after delivery
KEYBOARDS = 3  # recent replies with buttons a press looks for its button in
RESPONSES = frozenset(
    {"sendMessage", "sendDocument", "editMessageText", "answerCallbackQuery", "answerInlineQuery"}
)


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching text that starts like ``template`` with any values filled in."""
    pieces = re.split(r"\{[^{}]*\}", template)
    return re.compile(".*?".join(re.escape(piece) for piece in pieces), re.S)


def _notices(*keys: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of a notice in every language and every wording (one article, a library
    of documents, one named document: bot/telegram/render.py)."""
    return tuple(_template_pattern(STRINGS[lang][key]) for lang in STRINGS for key in keys
                 if key in STRINGS[lang])


OFF_TOPIC = _notices("off_topic", "off_topic_library")
RELATED = _notices("related", "related_library", "related_document")


class StepError(RuntimeError):
    """A step could not be performed (e.g. no such button under the last reply)."""


def run_settings(settings: Settings, root: Path, admin_ids: Iterable[int]) -> Settings:
    """``settings`` pointed at folders under ``root``, with the script's admins, no rate limit."""
    telegram = replace(
        settings.telegram, admin_ids=frozenset(admin_ids), rate_limit_per_minute=1_000_000,
        base_url="",
    )
    return replace(
        settings, docs_dir=root / "docs", index_dir=root / "index", data_dir=root / "data",
        telegram=telegram,
    )


def prepare(settings: Settings, root: Path) -> None:
    """Copy the documents and (when present) the built index into ``root``."""
    shutil.copytree(settings.docs_dir, root / "docs")
    (root / "data").mkdir()
    source = settings.index_dir.resolve()
    if (source / "manifest.json").is_file():
        shutil.copytree(source, root / "index.v1")
        (root / "index").symlink_to("index.v1")
    else:
        log.warning("no index at %s: building one for this run (`qabot index` caches it)", source)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _restore(folder: Path, snapshot: dict[str, bytes]) -> None:
    for path in folder.iterdir():
        if path.is_file() and snapshot.get(path.name) != path.read_bytes():
            path.unlink()
    for name, content in snapshot.items():
        if not (folder / name).exists():
            (folder / name).write_bytes(content)


def carry_teachings(configured: Settings, run: Settings) -> int:
    """Copy what is taught in the configured SQLite store into the run's own store, so a
    script is answered as the bot answers (a PostgreSQL store is shared as it is); returns
    how many."""
    from bot.state import configured as has_store
    from bot.state import open_store

    if run.state.database_url or not has_store(configured):
        return 0
    source = open_store(configured)
    try:
        records = source.teachings()
    finally:
        source.close()
    if not records:
        return 0
    target = open_store(run)
    try:
        for record in records:
            target.teach(record.teaching, record.by)
    finally:
        target.close()
    return len(records)


class BotStack:
    """Start once, then ``act`` as users; ``reset`` between scripts."""

    def __init__(
        self, settings: Settings, admin_ids: Iterable[int], encoder: Encoder | None = None
    ) -> None:
        """Configure (not start) the stack; ``encoder``: an already loaded model to share."""
        self._base = settings
        self._encoder = encoder
        self._admins = frozenset(admin_ids)
        self._exit = AsyncExitStack()
        self._keyboards: dict[int, list[SentMessage]] = {}  # per chat, newest last
        self._docs: dict[str, bytes] = {}
        self.server = BotAPIServer(TOKEN)
        self.settings = settings

    async def __aenter__(self) -> BotStack:
        """Copy folders, start the server and the Application (loads model and index)."""
        from bot.serving.source import FolderSource
        from bot.telegram.app import build_application, running
        from bot.telegram.context import runtime_of

        try:
            root = Path(self._exit.enter_context(tempfile.TemporaryDirectory(prefix="qabot-dialogue-")))
            await asyncio.to_thread(prepare, self._base, root)
            self.settings = run_settings(self._base, root, self._admins)
            await asyncio.to_thread(carry_teachings, self._base, self.settings)
            self._docs = _snapshot(self.settings.docs_dir)
            await self._exit.enter_async_context(self.server)
            app = build_application(
                self.settings, TOKEN, encoder=self._encoder, base_url=self.server.base_url,
                base_file_url=self.server.base_file_url,
            )
            # a run's own folders are its index: nothing fetched from, or published to, a database
            runtime_of(app).engine.source = FolderSource(self.settings.index_dir)
            self.app = await self._exit.enter_async_context(running(app))
        except BaseException:
            await self._exit.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the Application and the server; remove the temporary folders."""
        await self._exit.aclose()

    async def reset(self) -> None:
        """Forget the last keyboards; restore the documents (and rebuild) if a script changed them."""
        from bot.telegram.context import runtime_of

        self._keyboards.clear()
        docs = self.settings.docs_dir
        if await asyncio.to_thread(_snapshot, docs) == self._docs:
            return

        def restore() -> Callable[[], None]:
            _restore(docs, self._docs)
            return lambda: None

        await runtime_of(self.app).engine.reload(restore)

    async def act(
        self, action: str, text: str, user: User, *, upload: Upload | None = None,
        wait: float = 60.0, quiet: bool = False,
    ) -> Reply:
        """Perform one user action and collect the bot's reply (``quiet``: expect none)."""
        sim = SimUser(user.id, user.first_name, user.language_code, user.username)
        if action == "send":
            update_id = self.server.send_text(sim, text)
        elif action == "press":
            message, data = self._button(user.id, text)
            update_id = self.server.press_button(sim, message, data)
        elif action == "upload" and upload is not None:
            update_id = self.server.send_document(sim, upload.filename, upload.content, upload.mime_type)
        elif action == "inline":
            return await self._inline(self.server.send_inline_query(sim, text), wait)
        else:
            raise StepError(f"unknown action {action!r}")
        if quiet:
            return await self._quiet(update_id, wait)
        try:
            messages = await self.server.wait_for_reply(update_id, timeout=wait, settle=SETTLE)
            messages, progress = await self._finished(update_id, messages, wait)
        except TimeoutError:
            return Reply(timed_out=True)
        return self._reply(update_id, user.id, messages, progress)

    async def _finished(
        self, update_id: int, messages: list[SentMessage], wait: float
    ) -> tuple[list[SentMessage], list[str]]:
        """``messages`` once no status message among them is still at work ("正在读取…" is
        edited until the document is in the index), and the progress texts they showed."""
        deadline = time.monotonic() + wait
        ids = {(m.chat_id, m.message_id) for m in messages}
        while True:
            current = [m for m in self.server.messages() if (m.chat_id, m.message_id) in ids]
            if not any(is_working(m.plain_text) for m in current):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("a status message was still at work")
            await asyncio.sleep(0.1)
        delivered = self.server.delivered_at(update_id) or 0.0
        chats = {str(chat) for chat, _ in ids}
        shown = [str(c.params.get("text", "")) for c in self.server.calls
                 if c.method in ("sendMessage", "editMessageText") and c.at >= delivered and c.status == 200
                 and str(c.params.get("chat_id")) in chats]
        return current, [text for text in shown if is_working(text)]

    def _button(self, chat_id: int, label: str) -> tuple[SentMessage, str]:
        """The newest of the recent replies with a button ``label`` (a 👎's reasons do not
        hide the answer's 更多段落)."""
        recent = self._keyboards.get(chat_id)
        if not recent:
            raise StepError(f"no reply with buttons to press “{label}” on yet")
        for message in reversed(recent):
            for button_text, data in message.buttons():
                if same_button(label, button_text):
                    return message, data
        shown = " ".join(f"[{b}]" for b, _ in recent[-1].buttons())
        raise StepError(f"the last reply with buttons has no “{label}” (it has {shown})")

    async def _inline(self, update_id: int, wait: float) -> Reply:
        """The results of an inline query, each read as "title / description / message"."""
        try:
            answer = await self.server.wait_for_inline_answer(update_id, timeout=wait)
        except TimeoutError:
            return Reply(timed_out=True)
        texts = tuple(
            "\n".join(part for part in (r["title"], r.get("description") or "", r["shown"]) if part)
            for r in answer["results"]
        )
        return Reply(
            messages=texts,
            toast=str((answer.get("button") or {}).get("text") or ""),
            refused=any(p.match(r["title"]) for p in OFF_TOPIC for r in answer["results"]),
            ms=self._ms(update_id),
        )

    async def _quiet(self, update_id: int, wait: float) -> Reply:
        deadline = time.monotonic() + wait
        while self.server.delivered_at(update_id) is None:
            if time.monotonic() > deadline:
                return Reply(timed_out=True)
            await asyncio.sleep(0.02)
        try:
            messages = await self.server.wait_for_reply(update_id, timeout=QUIET, settle=SETTLE)
        except TimeoutError:
            return Reply(timed_out=True)
        return self._reply(update_id, -1, messages)

    def _reply(
        self, update_id: int, chat_id: int, messages: list[SentMessage], progress: Iterable[str] = ()
    ) -> Reply:
        for message in messages:
            if message.buttons() and chat_id > 0:
                self._keyboards.setdefault(chat_id, []).append(message)
                del self._keyboards[chat_id][:-KEYBOARDS]
        texts = (*progress, *(m.plain_text for m in messages))  # a status message's steps first
        answer = self.server.callback_answer(update_id) or {}
        return Reply(
            messages=texts,
            buttons=tuple(label for m in messages for label, _ in m.buttons()),
            toast=str(answer.get("text") or ""),
            refused=any(p.match(t) for p in OFF_TOPIC for t in texts),
            related=any(p.match(t) for p in RELATED for t in texts),
            ms=self._ms(update_id),
        )

    def _ms(self, update_id: int) -> float | None:
        delivered = self.server.delivered_at(update_id)
        if delivered is None:
            return None
        done = [c.done for c in self.server.calls if c.at >= delivered and c.status == 200
                and c.method in RESPONSES]
        return (min(done) - delivered) * 1000 if done else None
