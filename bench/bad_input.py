"""Bad input: what the real bot does with odd messages and odd documents.

Every case runs against the real bot (child process) through the loopback Bot API, then a
known question (¶8: 31 项) is asked again to check the index is intact. Recorded: the
reply (first 80 characters), whether the bot survived, new tracebacks in its log, and the
known answer afterwards. Documents go in two ways: as an admin upload, and straight into
the documents folder followed by /reload. The 50 MB folder case is bounded: its reload is
given BIG_RELOAD_WAIT seconds, then the bot is restarted without the file.

    python bench/bad_input.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchkit import OUT, load_average, table, write_result
from loadkit import ADMIN, TOKEN, BotProcess, start_bot

from bot.engine.documents.ingest import parse_document, to_passages
from bot.tools.botapi import BotAPIServer, SimUser

KNOWN = "街道年终考核一共有多少项指标？"
USER = SimUser(id=4242, first_name="测试")
PROBE = SimUser(id=4343, first_name="探针")
REPLY_WAIT, RELOAD_WAIT, BIG_RELOAD_WAIT = 20.0, 60.0, 20.0
ARTICLE = (Path(__file__).resolve().parents[1] / "seeds" / "article.txt").read_text(encoding="utf-8")
GBK_TEXT = "关于乡镇街道权责清单的说明。\n\n属地管理不能变成层层甩锅。\n"
BINARY = bytes(range(256)) * 64
Action = Callable[[BotAPIServer, Path], Awaitable[tuple[int | None, SimUser]]]


def text_case(text: str, user: SimUser = USER, raw: bool = False) -> Action:
    async def act(server: BotAPIServer, docs: Path) -> tuple[int | None, SimUser]:
        if raw:  # Telegram never sends these; PTB must still cope
            chat = {"id": user.id, "type": "private", "first_name": user.first_name}
            message = {"message_id": 10**6 + len(text), "from": user.to_dict(), "chat": chat,
                       "date": int(time.time()), "text": text}
            return server.enqueue_raw({"message": message}), user
        return server.send_text(user, text), user

    return act


def media_case(kind: str) -> Action:
    async def act(server: BotAPIServer, docs: Path) -> tuple[int | None, SimUser]:
        send = {"sticker": server.send_sticker, "photo": server.send_photo, "voice": server.send_voice}
        return send[kind](USER), USER

    return act


def upload_case(name: str, data: bytes) -> Action:
    async def act(server: BotAPIServer, docs: Path) -> tuple[int | None, SimUser]:
        return server.send_document(ADMIN, name, data), ADMIN

    return act


def folder_case(setup: Callable[[Path], None]) -> Action:
    async def act(server: BotAPIServer, docs: Path) -> tuple[int | None, SimUser]:
        setup(docs)
        return server.send_text(ADMIN, "/reload"), ADMIN

    return act


def big_text(size: int) -> bytes:
    """``size`` bytes of UTF-8 Chinese paragraphs, each made unique by a number."""
    parts, total, i = [], 0, 0
    while total < size:
        chunk = f"第{i}份副本：{ARTICLE}\n\n".encode()
        parts.append(chunk)
        total, i = total + len(chunk), i + 1
    return b"".join(parts)[:size].decode("utf-8", errors="ignore").encode()


def big_note() -> str:
    """How long the 50 MB document's reload would run: passages × measured real-model cost."""
    copies = big_text(50 * 2**20).count("副本：".encode())
    article = [p for p in parse_document("a.txt", ARTICLE) if p.servable]
    passages = copies * len(to_passages(article, 400, 80))
    measured = OUT / "reload.json"
    per = 0.3
    if measured.exists():
        per = json.loads(measured.read_text(encoding="utf-8"))["data"]["real_model"]["seconds_per_passage"]
    return f"It would embed ~{passages} passages: ~{passages * per / 3600:.0f} h at {per:.2f} s each."


def put(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda docs: (docs / name).write_bytes(data)


def empty_folder(docs: Path) -> None:
    aside = docs.parent / "docs-aside"
    aside.mkdir(exist_ok=True)
    for path in docs.iterdir():
        shutil.move(str(path), aside / path.name)


def restore_folder(docs: Path) -> None:
    aside = docs.parent / "docs-aside"
    for path in list(aside.iterdir()) if aside.exists() else []:
        shutil.move(str(path), docs / path.name)
    for path in docs.iterdir():
        if path.name != "article.txt":
            path.unlink()


# kind, input, action, (the reply must contain, must not contain)
CASES: list[tuple[str, str, Action, tuple[str, str]]] = [
    ("message", "empty text (raw update)", text_case("", raw=True), ("(no reply)", "")),
    ("message", "whitespace only", text_case("   \n\t  "), ("问题", "¶")),
    ("message", "10 kB question", text_case("问责的目的是什么" * 1280), ("太长", "")),
    ("message", "1000 chars (at the limit)",
     text_case(("街道年终考核一共有多少项指标" * 72)[:1000]), ("¶8", "")),
    ("message", "emoji only", text_case("😀🎉👍🔥🙏"), ("", "¶")),
    ("message", "greeting 'hello'", text_case("hello"), ("", "¶")),
    ("message", "punctuation only", text_case("？？？"), ("", "¶")),
    ("message", "HTML injection",
     text_case("<b>问责</b><script>alert(1)</script>&amp;的目的是什么？</i>"), ("¶10", "<script>")),
    ("message", "Markdown injection",
     text_case("*问责* _的_ [目的](http://evil.example) `是什么`?"), ("¶10", "")),
    ("message", "control characters",
     text_case("问责\x00的\x07目的\x1b[31m是\u202e什么\ufeff？"), ("¶10", "")),
    ("message", "mixed scripts",
     text_case("問責的目的是什麼？What is 问责 for? 問責の目的は"), ("¶10", "")),
    ("message", "off-topic, HTML echoed",
     text_case("<b>明天上海</b>会下雨吗？<script>x</script>"), ("没有涉及", "<script>")),
    ("message", "off-topic, control chars",
     text_case("明天\x00上海\x07会下雨吗\u202e？"), ("没有涉及", "")),
    ("message", "sticker", media_case("sticker"), ("文字", "")),
    ("message", "photo", media_case("photo"), ("文字", "")),
    ("message", "voice", media_case("voice"), ("文字", "")),
    ("message", "/cmd@otherbot", text_case("/start@otherbot"), ("(no reply)", "")),
    ("message", "/unknown", text_case("/frobnicate"), ("命令", "")),
    ("message", "/ask without question", text_case("/ask"), ("/ask", "")),
    ("upload", "empty .txt", upload_case("empty.txt", b""), ("没有文字", "")),
    ("upload", "binary .txt", upload_case("binary.txt", BINARY), ("UTF-8", "")),
    ("upload", "GBK .txt", upload_case("gbk.txt", GBK_TEXT.encode("gbk")), ("UTF-8", "")),
    ("upload", "damaged .docx", upload_case("broken.docx", b"PK\x03\x04 not a zip"), ("无法读取", "")),
    ("upload", "50 MB .txt", upload_case("big.txt", big_text(50 * 2**20)), ("太大", "")),
    ("folder", "empty .txt + /reload", folder_case(put("empty.txt", b"")), ("重新加载", "")),
    ("folder", "binary .txt + /reload", folder_case(put("binary.txt", BINARY)), ("重新加载失败", "")),
    ("folder", "GBK .txt + /reload",
     folder_case(put("gbk.txt", GBK_TEXT.encode("gbk"))), ("重新加载失败", "")),
    ("folder", "no documents + /reload", folder_case(empty_folder), ("重新加载失败", "")),
    ("folder", "50 MB .txt + /reload",
     folder_case(put("big.txt", big_text(50 * 2**20))), ("重新加载", "")),
]


async def replies(server: BotAPIServer, uid: int, timeout: float) -> tuple[str, str]:  # noqa: ASYNC109
    """(what the user sees, the HTML the bot sent) of the bot's reply to ``uid``."""
    try:
        messages = await server.wait_for_reply(uid, timeout=timeout, settle=0.5)
    except TimeoutError:
        return "(no reply)", ""
    plain = " ⏎ ".join(m.plain_text.replace("\n", " ") for m in messages)
    return plain or "(no reply)", " ⏎ ".join(m.text for m in messages)


def fitting(plain: str, html: str, must: str, must_not: str) -> bool:
    """``must`` in what the user sees (a "¶n" must be the first citation); ``must_not``
    nowhere in the HTML sent (so an escaped "<script>" shown as text is fine)."""
    if must.startswith("¶"):
        first = re.search(r"¶\d+", plain)
        ok = first is not None and first.group() == must
    else:
        ok = must in plain
    return ok and not (must_not and must_not in html)


async def known_answer(server: BotAPIServer) -> bool:
    text, _ = await replies(server, server.send_text(PROBE, KNOWN), REPLY_WAIT)
    return "31" in text and "¶8" in text


async def run_case(
    server: BotAPIServer, bot: BotProcess, case: tuple[str, str, Action, tuple[str, str]]
) -> dict[str, Any]:
    kind, name, act, (must, must_not) = case
    docs = bot.work / "docs"
    tracebacks = bot.log_text().count("Traceback")
    uid, _ = await act(server, docs)
    wait = (BIG_RELOAD_WAIT if "50 MB" in name else RELOAD_WAIT) if kind == "folder" else REPLY_WAIT
    reply, html = await replies(server, uid, wait) if uid is not None else ("(not sent)", "")
    during = await known_answer(server)  # for a hanging reload: is the old index serving?
    row = {
        "kind": kind, "case": name, "reply": reply[:80], "alive": bot.alive(),
        "new_tracebacks": bot.log_text().count("Traceback") - tracebacks, "known_after": during,
        "as_expected": fitting(reply, html, must, must_not),
        "expected": (f"first cites {must}" if must.startswith("¶") else f"says {must!r}" if must else "")
        + (f", no {must_not!r} in the HTML" if must_not else ""),
    }
    print(f"[bad_input] {name}: {reply[:60]!r} alive={row['alive']} known={during}", flush=True)
    return row


async def run() -> dict[str, Any]:
    results: dict[str, Any] = {"load_average_start": load_average(), "cases": []}
    work = Path(tempfile.mkdtemp(prefix="qabot-bad-"))
    try:
        async with BotAPIServer(TOKEN) as server:
            bot = await start_bot(server, work)
            try:
                for case in CASES:
                    row = await run_case(server, bot, case)
                    if case[0] == "folder":
                        restore_folder(work / "docs")
                        if row["reply"] == "(no reply)" or not row["alive"]:  # stuck: restart clean
                            waited = f"no reply within {BIG_RELOAD_WAIT:.0f} s; bot restarted. "
                            row["note"] = waited + big_note()
                            await bot.stop(timeout=5)
                            bot = await start_bot(server, work)
                        else:  # back to the article alone
                            await replies(server, server.send_text(ADMIN, "/reload"), RELOAD_WAIT)
                    results["cases"].append(row)
            finally:
                await bot.stop(timeout=5)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    return results


def markdown(r: dict[str, Any]) -> str:
    rows = [[x["kind"], x["case"], x["reply"] or "-", "yes" if x["alive"] else "**NO**",
             x["new_tracebacks"], "yes" if x["known_after"] else "**NO**",
             "yes" if x["as_expected"] else f"**NO** ({x['expected']})", x.get("note", "")]
            for x in r["cases"]]
    load = ", ".join(f"{v:.1f}" for v in r["load_average_start"])
    return "\n".join([
        "### Bad input (bench/bad_input.py)",
        f"Real bot, real model; after each case the known question ({KNOWN}) is asked again. "
        f"Load average at start {load}.\n",
        table(["kind", "input", "reply (first 80 chars)", "bot alive", "new tracebacks",
               "known question answered after", "fitting reply", "note"], rows), "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="same as quick")
    parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(run())
    write_result("bad_input", results, markdown(results), started)


if __name__ == "__main__":
    main()
