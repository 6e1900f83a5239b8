"""How fast documents are read (bot/engine/documents/formats): pages per second for a
300-page Chinese text PDF, seconds per scanned page under OCR, and the peak RSS of each,
every part in its own process so one part's memory is not counted in another's.

    python bench/documents.py [--pages 300] [--scans 3]

Prints one JSON object and writes bench/out/documents.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

PARAGRAPH = (
    "第{n}条 城市居民最低生活保障工作实行地方各级人民政府负责制。县级以上地方各级人民政府民政部门具体负责"
    "本行政区域内城市居民最低生活保障的管理工作；财政部门按照规定落实城市居民最低生活保障资金。"
)
SCAN_LINES = [
    "关于进一步加强城市居民最低生活保障工作的通知",
    "    各区人民政府，市政府各委、办、局：",
    "    为切实保障困难群众基本生活，经市政府同意，",
    "现就进一步加强城市居民最低生活保障工作通知如下。",
    "    一、提高保障标准。自2026年1月1日起，城市居民",
    "最低生活保障标准提高到每人每月1200元。",
] * 4


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def part_pdf(pages: int) -> dict[str, float]:
    import docmaker

    from bot.engine.documents.formats import Limits, extract

    per_page = 12  # 12 paragraphs of 3 lines ≈ a full A4 page
    data = docmaker.chinese_pdf([PARAGRAPH.format(n=n) for n in range(pages * per_page)], lines_per_page=36)
    before = peak_rss_mb()
    start = time.perf_counter()
    extracted = extract("bench.pdf", data, Limits(max_bytes=len(data) + 1))
    seconds = time.perf_counter() - start
    return {
        "pdf_pages": float(extracted.pages or 0),
        "pdf_bytes": float(len(data)),
        "pdf_blocks": float(len(extracted.blocks)),
        "pdf_paragraphs_drawn": float(pages * per_page),
        "pdf_seconds": round(seconds, 2),
        "pdf_pages_per_s": round((extracted.pages or 0) / seconds, 1),
        "pdf_rss_before_mb": round(before, 1),
        "pdf_peak_rss_mb": round(peak_rss_mb(), 1),
    }


def part_ocr(scans: int) -> dict[str, float]:
    import docmaker

    from bot.engine.documents.formats import extract
    from bot.engine.documents.formats.ocr import engine

    data = docmaker.scanned_pdf([SCAN_LINES] * scans)
    start = time.perf_counter()
    engine()
    load = time.perf_counter() - start
    start = time.perf_counter()
    extracted = extract("scan.pdf", data)
    seconds = time.perf_counter() - start
    assert extracted.kind == "pdf-ocr" and "1200元" in "".join(b.text for b in extracted.blocks)
    return {
        "ocr_pages": float(scans),
        "ocr_engine_load_s": round(load, 2),
        "ocr_seconds_per_page": round(seconds / scans, 2),
        "ocr_peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--scans", type=int, default=3)
    parser.add_argument("--part", choices=("pdf", "ocr"))
    args = parser.parse_args()
    if args.part == "pdf":
        print(json.dumps(part_pdf(args.pages)))
        return
    if args.part == "ocr":
        print(json.dumps(part_ocr(args.scans)))
        return
    results: dict[str, float] = {}
    for part in ("pdf", "ocr"):
        sizes = ["--pages", str(args.pages), "--scans", str(args.scans)]
        command = [sys.executable, __file__, "--part", part, *sizes]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results.update(json.loads(out.strip().splitlines()[-1]))
    text = json.dumps(results, indent=2)
    print(text)
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "documents.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
