"""From upload to answerable: a long text document, a long text PDF and a scan sent to a real
`qabot serve`.

The bot runs as an operator runs it (bench/servekit.py: `python -m bot.cli serve` against the
loopback Bot API, real models, a copy of the cached index). An admin uploads a document; an
upload is answered from its words first and embedded in the background (issue 27,
bot/serving/staging.py). The bench measures three times from the upload: until the status
message says it is searchable by keyword ("已可按关键词检索"), until a question about the document
is answered with its citation (asked again every second from the keyword stage on: "first
answerable"), and until the status says the semantic index is done ("fully embedded"); then
it asks the question once more. Meanwhile another user asks the article's questions at
``--rate`` per second; their latency (update offered → reply) is the "question latency while
a document is processed". The bot process's peak RSS is read from /proc. Documents: the
article's paragraphs copied (each copy marked, as bench/index_rate.py) with one fact among
them; PDFs drawn by tests/docmaker.py (reportlab text PDFs, scans drawn with the CJK font).

    python bench/upload.py            # 300 paragraphs, a 30-page text PDF, a 3-page scan (quick)
    python bench/upload.py --full     # the issue's 3,000-paragraph text and 300-page PDF
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import docmaker
from benchkit import load_average, machine, real_settings, stats_ms, table, write_result
from loadkit import prepare_work, questions
from servekit import shared_folders, start_serve

from bot.engine.lifecycle import open_service
from bot.telegram.texts import is_working
from bot.tools.botapi import BotAPIServer, SimUser

TOKEN = "7000000999:upload-bench-token"
ADMIN = SimUser(id=9001, first_name="管理员")
ASKER = SimUser(id=5001, first_name="干部")
FACT = "第{n}条 第{n}号网格的网格员每周入户走访不少于{k}户，发现安全隐患当日上报镇应急办。"
KEYWORDS = "已可按关键词检索"  # the status once the lexical version serves (bot/telegram/texts.py)
TEXT_FACT = "青石镇第七网格的楼栋长每月走访独居老人不少于十二户，走访记录交网格员存档。"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def text_document(paragraphs: int) -> tuple[bytes, str, str]:
    """A text document of ``paragraphs`` article-length paragraphs (the article's, each copy
    marked) with one fact in the middle, a question about it and the words its answer holds."""
    article = [p for p in (SEEDS / "article.txt").read_text(encoding="utf-8").split("\n") if len(p) > 40]
    body = [f"{article[i % len(article)]}（副本{i // len(article) + 1}）" for i in range(paragraphs - 1)]
    body.insert(len(body) // 2, TEXT_FACT)
    return "\n\n".join(body).encode("utf-8"), "青石镇第七网格的楼栋长每月走访独居老人多少户？", "十二户"


def text_pdf(pages: int) -> tuple[bytes, str, str]:
    """A statute-like PDF of ``pages`` pages (about 12 paragraphs a page), a question about
    one of its clauses, and the words its answer must hold."""
    clauses = [FACT.format(n=i, k=10 + i % 40) for i in range(1, pages * 12 + 1)]
    target = len(clauses) // 2
    pdf = docmaker.chinese_pdf(clauses, lines_per_page=24)
    return pdf, f"第{target}号网格的网格员每周入户走访多少户？", f"{10 + target % 40}户"


def scan_pdf(pages: int) -> tuple[bytes, str, str]:
    """An image-only PDF of ``pages`` scanned pages, a question about its last page."""
    days = "一二三四五六日"
    drawn = [[f"白沙镇第{p}批便民服务事项", f"第{p}批事项在周{days[p % 7]}上午办理，共{p + 3}项。"]
             for p in range(1, pages + 1)]
    return docmaker.scanned_pdf(drawn), f"白沙镇第{pages}批便民服务事项共有多少项？", f"{pages + 3}项"


def peak_rss_mib(pid: int) -> float:
    """VmHWM of a process (its peak resident set), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def upload_and_ask(
    server: BotAPIServer, name: str, data: bytes, question: str, expect: str, rate: float, limit: float
) -> dict[str, Any]:
    """Upload as the admin while ASKER asks at ``rate``/s; seconds to answerable, latencies."""
    latencies: list[float] = []
    stop = asyncio.Event()

    async def ask_meanwhile() -> None:
        pool = questions()
        i = 0
        while not stop.is_set():
            uid = server.send_text(ASKER, pool[i % len(pool)])
            offered, i = time.monotonic(), i + 1
            asyncio.get_running_loop().create_task(_latency(server, uid, offered, latencies))
            await asyncio.sleep(1.0 / rate)

    asking = asyncio.create_task(ask_meanwhile())
    start = time.monotonic()
    uid = server.send_document(ADMIN, name, data)
    (status, *_) = await server.wait_for_reply(uid, timeout=limit)
    deadline = start + limit
    keywords = first = None
    asker = iter(range(6000, 7000))  # a new user each time: no answer cache, no follow-up

    async def right() -> bool:
        uid = server.send_text(SimUser(id=next(asker)), question)
        (reply, *_) = await server.wait_for_reply(uid, timeout=120)
        return expect in reply.plain_text and name in reply.plain_text

    asked = 0.0
    while True:
        current = next(m for m in server.messages(status.chat_id) if m.message_id == status.message_id)
        if keywords is None and KEYWORDS in current.plain_text:
            keywords = time.monotonic() - start
        ready = keywords is not None or not is_working(current.plain_text)
        if first is None and ready and time.monotonic() - asked >= 1.0:
            asked = time.monotonic()
            if await right():
                first = time.monotonic() - start
        if not is_working(current.plain_text) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    seconds = time.monotonic() - start
    stop.set()
    await asking
    return {
        "document": name, "bytes": len(data), "status": current.plain_text,
        "seconds_to_keywords": keywords, "seconds_to_first_answer": first, "seconds_to_embedded": seconds,
        "answered_right": await right(),
        "questions_meanwhile": len(latencies), "latency_ms": stats_ms(latencies),
    }


async def _latency(server: BotAPIServer, uid: int, offered: float, out: list[float]) -> None:
    try:
        await server.wait_for_reply(uid, timeout=120, settle=0.0)
    except TimeoutError:
        out.append(120.0)
        return
    out.append(time.monotonic() - offered)


async def run(full: bool, rate: float) -> dict[str, Any]:
    paragraphs, pages, scans = (3000, 300, 0) if full else (300, 30, 3)
    documents = [(f"网格议事{paragraphs}段.txt", text_document(paragraphs)),
                 (f"网格员办法{pages}页.pdf", text_pdf(pages))]
    if scans:
        documents.append((f"白沙镇扫描件{scans}页.pdf", scan_pdf(scans)))
    with tempfile.TemporaryDirectory(prefix="qabot-upload-") as tmp:
        if not real_settings().index_dir.exists():  # the benches' cached real-model index
            open_service(real_settings()).close()
        work = prepare_work(Path(tmp) / "work")
        folders = shared_folders(Path(tmp) / "bot", work / "docs", work / "index")
        async with BotAPIServer(TOKEN) as server:
            bot = await start_serve(server.base_url, TOKEN, folders)
            try:
                rows = []
                for name, (data, question, expect) in documents:
                    rows.append(await upload_and_ask(server, name, data, question, expect, rate, 3600))
                    rows[-1]["load_average"] = load_average()
                rss = peak_rss_mib(bot.proc.pid)
            finally:
                await bot.stop()
    return {"machine": machine(), "rate": rate, "rows": rows, "peak_rss_mib": rss}


def markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    def s(value: float | None) -> str:
        return "never" if value is None else f"{value:.1f}"

    rows = [[r["document"], f"{r['bytes'] / 1e6:.1f} MB", s(r["seconds_to_keywords"]),
             s(r["seconds_to_first_answer"]), s(r["seconds_to_embedded"]),
             "yes" if r["answered_right"] else "NO", r["questions_meanwhile"],
             r["latency_ms"].get("p50", "-"), r["latency_ms"].get("p99", "-"), r["load_average"][0]]
            for r in data["rows"]]
    head = ["document", "size", "s → searchable by keyword", "s → first answered (cited)",
            "s → fully embedded", "answered after", "questions meanwhile", "p50 ms", "p99 ms", "load"]
    return (f"### Upload to answerable (bench/upload.py)\n\nCPU: {m['cpu']} ({', '.join(m['cpu_flags'])}), "
            f"{m['cores']} cores; questions meanwhile at {data['rate']}/s; bot peak RSS "
            f"{data['peak_rss_mib']:.0f} MiB.\n\n" + table(head, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="3,000-paragraph text and 300-page PDF")
    parser.add_argument("--rate", type=float, default=2.0, help="questions per second meanwhile")
    args = parser.parse_args()
    started = time.perf_counter()
    data = asyncio.run(run(args.full, args.rate))
    write_result("upload", data, markdown(data), started)


if __name__ == "__main__":
    main()
