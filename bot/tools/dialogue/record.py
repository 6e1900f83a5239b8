"""`qabot dialogue record FILE`: chat in the console through the real stack, save as a dialogue.

The saved steps carry what the bot did as expectations (cited ¶ as ``cites``, refusals as
``refused: true``, otherwise a short ``contains``); the tester edits them afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.tools.dialogue.expect import Reply, cite_list
from bot.tools.dialogue.format import BUTTONS, DEFAULT_USER, Upload, User, is_button, mime_type_of, parse
from bot.tools.dialogue.stack import BotStack, StepError
from config.settings import Settings

ADMIN_ID = 9001
WAIT = 30.0  # seconds to wait for a reply before recording "no reply"
INLINE_MAX = 4000
HELP = f"""Type a question or a /command and press Enter. Also:
  :press LABEL        press a button under the last reply ({", ".join(BUTTONS)})
  :as ID [en] [admin] act as another user from now on (:as 1001 goes back)
  :admin              act as the admin user {ADMIN_ID}
  :upload PATH        send a document as the current user
  :help               this text
  :quit               save and exit (Ctrl-D too)"""

Read = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]


@dataclass(frozen=True)
class Recorded:
    """One step as it happened."""

    action: str
    text: str
    user: User
    reply: Reply
    upload: Upload | None = None
    source: Path | None = None  # the uploaded file on disk


async def console_read(prompt: str) -> str | None:
    """A line from the console (None at end of input).

    Read in a daemon thread, so Ctrl-C ends the session at once instead of waiting for a
    blocked input() to return.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def deliver(line: str | None) -> None:
        if not future.done():
            future.set_result(line)

    def read() -> None:
        try:
            line: str | None = input(prompt)
        except (EOFError, OSError, ValueError):
            line = None
        loop.call_soon_threadsafe(deliver, line)

    threading.Thread(target=read, name="dialogue-record-input", daemon=True).start()
    return await future


def show(reply: Reply) -> str:
    """The bot's reply as the console shows it."""
    if reply.timed_out:
        return "bot: (no reply)"
    lines = [f"bot: {reply.text}" if reply.messages else ""]
    if reply.toast and reply.messages:
        lines.append(f"(pop-up) {reply.toast}")
    elif reply.toast:
        lines = [f"bot (pop-up): {reply.toast}"]
    if reply.buttons:
        lines.append(" ".join(f"[{b}]" for b in reply.buttons))
    facts = [cite_list(reply.cites, keep_order=True)] if reply.cites else []
    facts += ["refused"] if reply.refused else []
    facts += [f"{reply.ms:.0f} ms"] if reply.ms is not None else []
    lines.append(f"({', '.join(facts)})" if facts else "")
    return "\n".join(line for line in lines if line)


def parse_as(args: list[str], admins: frozenset[int], users: dict[int, User]) -> User:
    """The user named by ":as ID [en|zh|code] [admin]"."""
    if not args or not args[0].isdigit() or int(args[0]) <= 0:
        raise ValueError("usage: :as ID [en] [admin]   (ID is a positive number)")
    user_id = int(args[0])
    user = users.get(user_id, User(user_id, admin=user_id in admins))
    for word in args[1:]:
        if word == "admin":
            if user_id not in admins:
                raise ValueError(f"{user_id} is not an admin in this session; admins: {sorted(admins)}")
        elif re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*", word):
            user = replace(user, language=word, first_name="Tester" if word.startswith("en") else "测试")
        else:
            raise ValueError(f"unknown word {word!r}; usage: :as ID [en] [admin]")
    return user


async def record(settings: Settings, path: Path, read: Read = console_read, write: Write = print) -> int:
    """Start the stack, chat until :quit or end of input, save the session to ``path``."""
    admins = frozenset(settings.telegram.admin_ids) | {ADMIN_ID}
    write("Starting the bot (model and index)…")
    async with BotStack(settings, admins) as stack:
        await record_session(stack, path, read, write)
    return 0


async def record_session(stack: BotStack, path: Path, read: Read, write: Write) -> list[Recorded]:
    """Chat on a running ``stack``; whatever happens, save the recorded steps to ``path``."""
    admins = stack.settings.telegram.admin_ids
    steps: list[Recorded] = []
    user = DEFAULT_USER
    users = {user.id: user}
    write(HELP)
    try:
        while (line := await read(f"{user.id}> ")) is not None:
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q", ":exit"):
                break
            if line == ":help":
                write(HELP)
                continue
            try:
                if line.startswith(":as") or line == ":admin":
                    args = line.split()[1:] if line != ":admin" else [str(ADMIN_ID), "admin"]
                    user = parse_as(args, admins, users)
                    users[user.id] = user
                    write(f"now acting as {user.id} ({user.language}{', admin' if user.admin else ''})")
                    continue
                step = await _perform(stack, line, user)
            except (ValueError, OSError, StepError) as exc:
                write(f"! {exc}")
                continue
            steps.append(step)
            write(show(step.reply))
    finally:
        save(path, steps)
        write(f"saved {len(steps)} step(s) to {path}; edit the expectations, then "
              f"`qabot dialogue run {path}`")
    return steps


async def _perform(stack: BotStack, line: str, user: User) -> Recorded:
    if line.startswith(":press"):
        label = line[len(":press") :].strip()
        if not is_button(label):
            raise ValueError(f"unknown button {label!r}; expected one of: {', '.join(BUTTONS)}")
        return Recorded("press", label, user, await stack.act("press", label, user, wait=WAIT))
    if line.startswith(":upload"):
        source, content = await asyncio.to_thread(_read_file, line[len(":upload") :].strip())
        upload = Upload(source.name, content, mime_type_of(source.name))
        reply = await stack.act("upload", upload.filename, user, upload=upload, wait=WAIT)
        return Recorded("upload", upload.filename, user, reply, upload, source)
    if line.startswith(":") and not line.startswith("::"):
        raise ValueError(f"unknown command {line.split()[0]!r}; :help lists them")
    text = line[1:] if line.startswith("::") else line
    return Recorded("send", text, user, await stack.act("send", text, user, wait=WAIT))


def _read_file(name: str) -> tuple[Path, bytes]:
    path = Path(name).expanduser().resolve()
    return path, path.read_bytes()


def _q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _user_yaml(user: User) -> str:
    parts = [f"id: {user.id}", f"language: {user.language}"]
    return "{" + ", ".join(parts + (["admin: true"] if user.admin else [])) + "}"


def gist(text: str, width: int = 24) -> str:
    """The start of ``text`` up to its first sentence end, for a ``contains`` expectation."""
    first = re.split(r"[。！？：!?:\n]", text.strip(), maxsplit=1)[0].strip()
    return first[:width] or text.strip()[:width]


def expectation(reply: Reply) -> str:
    """The expect mapping that describes ``reply``."""
    if reply.timed_out:
        return "{no_reply: true}"
    if reply.refused:
        return "{refused: true}"
    if reply.cites:
        return f"{{cites: [{', '.join(str(n) for n in sorted(reply.cites))}]}}"
    return f"{{contains: [{_q(gist(reply.text))}]}}"


def to_yaml(name: str, steps: list[Recorded], base: Path) -> str:
    """The dialogue file for ``steps``; ``base`` is the folder uploads are made relative to."""
    when = time.strftime("%Y-%m-%d %H:%M")
    out = [
        f"# Recorded with `qabot dialogue record` on {when}. The expectations say what the bot",
        "# did: keep those that describe correct behaviour, loosen or delete the rest.",
        f"name: {_q(name)}", f"user: {_user_yaml(DEFAULT_USER)}", "steps:",
    ]
    for step in steps:
        if step.action == "upload" and step.upload is not None:
            out.append(f"  - upload: {_upload_yaml(step, base)}")
        else:
            out.append(f"  - {step.action}: {_q(step.text)}")
        if step.user != DEFAULT_USER:
            out.append(f"    as: {_user_yaml(step.user)}")
        said = " ".join(step.reply.text.split())[:70]
        if said:
            out.append(f"    # bot: {said}")
        out.append(f"    expect: {expectation(step.reply)}")
    return "\n".join(out) + "\n"


def _upload_yaml(step: Recorded, base: Path) -> str:
    assert step.upload is not None
    content = step.upload.content
    if len(content) <= INLINE_MAX and step.upload.mime_type.startswith("text/"):
        try:
            text = content.decode("utf-8")
            return f"{{filename: {_q(step.upload.filename)}, content: {_q(text)}}}"
        except UnicodeDecodeError:
            pass
    source = step.source or Path(step.upload.filename)
    return f"{{path: {_q(os.path.relpath(source, base.resolve()))}}}"


def save(path: Path, steps: list[Recorded]) -> None:
    """Write the dialogue (nothing when no step was recorded); check it loads back."""
    if not steps:
        return
    text = to_yaml(path.stem, steps, path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    parse(text, path)
