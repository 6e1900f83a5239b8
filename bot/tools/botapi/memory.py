"""The fake server's memory: update queue, chats, messages, files, calls and wake-ups."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.tools.botapi.models import Call, SentMessage
from bot.tools.botapi.updates import update_kind


class Signal:
    """A broadcast wake-up: ``fire`` releases everyone currently waiting."""

    def __init__(self) -> None:
        """Create an unfired signal."""
        self._event = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    def fire(self) -> None:
        """Wake all waiters (safe to call from another thread once ``loop`` is set)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self.loop is not None and running is not self.loop and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._fire)
        else:
            self._fire()

    def _fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait for the next ``fire`` or ``seconds``, whichever comes first."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(0.0, seconds))


@dataclass
class QueuedUpdate:
    """An update waiting in getUpdates' queue; ``forced`` ones ignore the offset once."""

    update_id: int
    payload: dict[str, Any]
    forced: bool = False
    delivered: bool = False


@dataclass(frozen=True)
class StoredFile:
    """A file getFile and the file route can serve."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    mime_type: str
    file_name: str | None = None


@dataclass
class State:
    """Everything the fake Bot API remembers."""

    bot_user: dict[str, Any]
    queue: list[QueuedUpdate] = field(default_factory=list)
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    delivered: dict[int, float] = field(default_factory=dict)
    allowed_updates: list[str] | None = None
    poll_generation: int = 0
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    user_messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    sent: list[SentMessage] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    file_paths: dict[str, StoredFile] = field(default_factory=dict)
    message_files: dict[tuple[int, int], StoredFile] = field(default_factory=dict)
    webhook_url: str = ""
    callbacks: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    callback_of_update: dict[int, str] = field(default_factory=dict)
    inline_answers: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    inline_of_update: dict[int, str] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    updates_signal: Signal = field(default_factory=Signal)
    activity: Signal = field(default_factory=Signal)
    stopping: bool = False
    _next_update_id: int = 1
    _message_ids: dict[int, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_message_id(self, chat_id: int) -> int:
        """Next message id in ``chat_id`` (user and bot messages share one sequence)."""
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def new_token(self, prefix: str) -> str:
        """A fresh opaque id such as a callback query id or file id."""
        return f"{prefix}{next(self._ids):06d}"

    def enqueue(self, payload: dict[str, Any], update_id: int | None = None) -> int:
        """Queue ``payload`` as an update; a reused ``update_id`` makes a forced duplicate."""
        forced = update_id is not None and update_id in self.updates
        if update_id is None:
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        payload = {**payload, "update_id": update_id}
        self.updates[update_id] = payload
        self.queue.append(QueuedUpdate(update_id, payload, forced=forced))
        self.updates_signal.fire()
        return update_id

    def confirm(self, offset: int) -> None:
        """Apply a getUpdates ``offset``: forget confirmed updates (negative: keep the tail)."""
        if offset < 0:
            self.queue = self.queue[offset:]
        elif offset > 0:
            self.queue = [
                q for q in self.queue if q.update_id >= offset or (q.forced and not q.delivered)
            ]

    def take_batch(self, limit: int) -> list[QueuedUpdate]:
        """Up to ``limit`` deliverable updates; drops those excluded by allowed_updates."""
        if self.allowed_updates:
            allowed = set(self.allowed_updates)
            self.queue = [q for q in self.queue if update_kind(q.payload) in allowed]
        return self.queue[:limit]

    def mark_delivered(self, batch: list[QueuedUpdate], at: float) -> None:
        """Record that ``batch`` reached the bot at monotonic time ``at``."""
        for q in batch:
            q.delivered = True
            self.delivered.setdefault(q.update_id, at)

    def add_file(
        self, content: bytes, mime_type: str, file_name: str | None, kind: str
    ) -> StoredFile:
        """Store ``content`` so getFile and the download route can serve it."""
        file_id = self.new_token(f"{kind[:3].upper()}AgAD")
        unique = hashlib.sha1(content + file_id.encode()).hexdigest()[:16]
        suffix = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else "bin"
        path = f"{kind}s/file_{len(self.files)}.{suffix}"
        stored = StoredFile(file_id, unique, path, content, mime_type, file_name)
        self.files[file_id] = stored
        self.file_paths[path] = stored
        return stored

    def find_sent(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The bot message ``message_id`` in ``chat_id``, if the bot sent it."""
        for message in reversed(self.sent):
            if message.chat_id == chat_id and message.message_id == message_id:
                return message
        return None

    def record(self, call: Call) -> None:
        """Remember one request and wake waiters."""
        self.calls.append(call)
        self.activity.fire()
