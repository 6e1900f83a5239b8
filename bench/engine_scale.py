"""The whole engine at scale: build, cold start, memory and reload with 100k paragraphs.

Issue 9's corpus: 1,000 documents × 100 paragraphs (100k, --full; the default is 100 × 100,
10k, to keep `make bench` short), synthetic Chinese (bench/synth.py), the fast
HashingEncoder ("hashing-384") and no second model. Every figure comes from a fresh process,
with the load average beside it:

- `qabot index` from scratch: wall seconds, peak RSS (the child's ru_maxrss);
- `qabot ask` from a cold process with that index on disk: wall seconds to the printed
  answer, peak RSS;
- a process that opens the service (as `qabot serve` does), asks 98 distinct questions:
  load seconds, steady RSS; then one document changes and ``bot.engine.lifecycle.rebuild`` runs (what
  /reload does): seconds, peak RSS sampled during it, and the share of a full in-process
  build (timed in another fresh process);
- `qabot index` after one more document changed: the share of the full `qabot index`.

    python bench/engine_scale.py [--full] [--code DIR]

--code DIR runs the engine found in DIR instead of this checkout; --baseline-dir DIR runs DIR's
engine first and reports both (run_all.py --baseline REV passes it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchkit import (
    DEV_SET,
    HELDOUT_SET,
    OUT,
    ROOT,
    engine_lifecycle,
    load_average,
    rss_mb,
    table,
    write_result,
)
from synth import ParagraphMaker, change_one_document, write_corpus

QUESTION = "街道年终考核一共有多少项指标？"
BOOT = (  # run the engine of --code DIR (its bot package, not this checkout's)
    "import sys; code = sys.argv.pop(1)\n"
    "if code:\n"
    "    editable = [f for f in sys.meta_path if 'editable' in getattr(f, '__name__', '').lower()]\n"
    "    sys.meta_path[:] = [f for f in sys.meta_path if f not in editable]\n"
    "    sys.path.insert(0, code)\n"
)


def corpus(n_docs: int, per_doc: int) -> Path:
    """The synthetic corpus, written once to bench/out and reused."""
    folder = OUT / f"corpus-{n_docs}x{per_doc}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"[engine_scale] writing {n_docs * per_doc} paragraphs ...", flush=True)
        write_corpus(folder, ParagraphMaker(seed=9).paragraphs(n_docs * per_doc), n_docs)
        (folder / ".complete").touch()
    return folder


def environment(work: Path) -> dict[str, str]:
    return {
        **os.environ, "QABOT_DOCS_DIR": str(work / "docs"), "QABOT_INDEX_DIR": str(work / "index"),
        "QABOT_DATA_DIR": str(work / "data"), "QABOT_EMBEDDING_MODEL": "hashing-384",
        "QABOT_EMBEDDING_SECOND_MODEL": "", "HF_HUB_OFFLINE": "1",
    }


def run_child(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall seconds, peak RSS (MiB, the child's own ru_maxrss) and stdout of a child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            what = " ".join(command[3:6])
            raise RuntimeError(f"{what} failed ({proc.returncode}): {err.read().decode()[-3000:]}")
        return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "load": load_average(),
                "stdout": out.read().decode()}


def qabot(code: str, *args: str) -> list[str]:
    entry = "from bot.cli import main\nsys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", BOOT + entry, code, *args]


def child(code: str, mode: str, work: Path) -> list[str]:
    return [sys.executable, "-c", BOOT + f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
            "import engine_scale\nengine_scale.child_main(sys.argv[1:])", code, mode, str(work)]


def child_main(argv: list[str]) -> None:
    """In a fresh process: "serve-reload" (open, ask, change, rebuild) or "full" (build)."""
    mode, work = argv[0], Path(argv[1])
    from bot.tools.evaluate import read_cases
    from config.settings import load_settings

    open_service, rebuild = engine_lifecycle()  # this checkout's, or the --code one's

    settings = load_settings()
    result: dict[str, Any] = {}
    start = time.perf_counter()
    if mode == "full":
        open_service(settings)
        result["seconds"] = time.perf_counter() - start
    else:
        service = open_service(settings)
        result["load_s"] = time.perf_counter() - start
        for case in read_cases(DEV_SET) + read_cases(HELDOUT_SET):
            service.ask(case.q)
        gc.collect()
        result["steady_rss_mb"] = rss_mb()
        change_one_document(work / "docs", ParagraphMaker(seed=77), which=0.5)
        peak = [rss_mb()]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        service, report = rebuild(settings, service)
        result["reload_s"] = time.perf_counter() - start
        done.set()
        sampler.join()
        result["reload_peak_rss_mb"] = max(peak[0], rss_mb())
        result["reembedded"] = report.reembedded
        service.ask(QUESTION)
        gc.collect()
        result["after_reload_rss_mb"] = rss_mb()
    print("RESULT " + json.dumps(result))


def parse(stdout: str) -> dict[str, Any]:
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
    data: dict[str, Any] = json.loads(line[len("RESULT ") :])
    return data


def run(full: bool, code: str) -> dict[str, Any]:
    n_docs, per_doc = (1000, 100) if full else (100, 100)
    source = corpus(n_docs, per_doc)
    work = Path(tempfile.mkdtemp(prefix="qabot-scale-"))
    try:
        shutil.copytree(source, work / "docs", ignore=shutil.ignore_patterns(".complete"))
        env = environment(work)
        r: dict[str, Any] = {
            "paragraphs": n_docs * per_doc, "documents": n_docs, "code": code or "this checkout",
            "load_average_start": load_average(),
        }
        print("[engine_scale] qabot index (from scratch) ...", flush=True)
        r["index_full"] = run_child(qabot(code, "index"), env)
        print("[engine_scale] qabot ask (cold) ...", flush=True)
        r["ask_cold"] = run_child(qabot(code, "ask", "--json", QUESTION), env)
        r["ask_cold"]["answered"] = json.loads(r["ask_cold"].pop("stdout"))["answered"]
        print("[engine_scale] serve + reload ...", flush=True)
        served = run_child(child(code, "serve-reload", work), env)
        r["serve"] = {**parse(served.pop("stdout")), **served}
        print("[engine_scale] full in-process build ...", flush=True)
        fresh = {**env, "QABOT_INDEX_DIR": str(work / "index-full")}
        built = run_child(child(code, "full", work), fresh)
        r["build_in_process"] = {**parse(built.pop("stdout")), **built}
        change_one_document(work / "docs", ParagraphMaker(seed=78), which=0.25)
        print("[engine_scale] qabot index (one document changed) ...", flush=True)
        r["index_changed"] = run_child(qabot(code, "index"), env)
        for key in ("index_full", "index_changed"):
            r[key].pop("stdout", None)
        r["reload_share"] = round(r["serve"]["reload_s"] / r["build_in_process"]["seconds"], 4)
        r["cold_index_share"] = round(r["index_changed"]["seconds"] / r["index_full"]["seconds"], 4)
        r["load_average_end"] = load_average()
        return r
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(r: dict[str, Any], tag: str) -> str:
    def load(x: dict[str, Any]) -> str:
        return f"{x['load'][0]:.1f}"

    s, b = r["serve"], r["build_in_process"]
    rows = [
        ["`qabot index`, from scratch", r["index_full"]["seconds"], r["index_full"]["peak_rss_mb"], "",
         load(r["index_full"])],
        ["`qabot ask`, cold process, index on disk", r["ask_cold"]["seconds"], r["ask_cold"]["peak_rss_mb"],
         "answered" if r["ask_cold"]["answered"] else "not answered", load(r["ask_cold"])],
        ["service opened (load), then 98 questions", round(s["load_s"], 2), round(s["steady_rss_mb"], 1),
         "steady RSS after the questions", load(s)],
        ["reload: one document changed, in process", round(s["reload_s"], 2),
         round(s["reload_peak_rss_mb"], 1),
         f"{r['reload_share']:.1%} of a full in-process build ({b['seconds']:.1f} s); "
         f"peak sampled during the reload; {s['reembedded']} passages embedded", load(s)],
        ["full build in process (denominator)", round(b["seconds"], 2), b["peak_rss_mb"], "", load(b)],
        ["`qabot index`, one document changed", r["index_changed"]["seconds"],
         r["index_changed"]["peak_rss_mb"], f"{r['cold_index_share']:.1%} of the full `qabot index`",
         load(r["index_changed"])],
    ]
    return "\n".join([
        f"### Engine at scale (bench/engine_scale.py{tag})",
        f"{r['paragraphs']:,} synthetic paragraphs in {r['documents']:,} documents, HashingEncoder (384), no "
        f"second model; engine: {r['code']}. Each row is a fresh process; RSS in MiB (peak = ru_maxrss).\n",
        table(["step", "seconds", "RSS MiB", "note", "load (1 min)"], rows), "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="1,000 documents (100k paragraphs)")
    parser.add_argument("--code", default="", help="engine checkout to measure (default: this one)")
    parser.add_argument("--name", default="engine_scale")
    parser.add_argument("--baseline-dir", type=Path, help="run this checkout's engine first (before figures)")
    args = parser.parse_args()
    started = time.perf_counter()
    baseline = None if args.baseline_dir is None else run(args.full, str(args.baseline_dir))
    results = run(args.full, args.code)
    tag = (", --full" if args.full else "") + (f", code {args.code}" if args.code else "")
    text = markdown(results, tag)
    if baseline is not None:
        results["baseline"] = baseline
        text += "\n" + markdown(baseline, f"{tag}, before: {args.baseline_dir.name}")
    write_result(args.name, results, text, started)


if __name__ == "__main__":
    main()
