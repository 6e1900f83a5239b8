"""Run every benchmark and update bench/RESULTS.md (called by `make bench` / `make bench-full`).

Each bench runs in its own process (its RSS, OpenMP threads and failures stay its own),
bounded by a timeout, and leaves bench/out/<name>.json. RESULTS.md holds the current figure
of each bench once: this script replaces the block of every bench it ran (between
``<!-- bench: NAME -->`` and ``<!-- /bench: NAME -->``; a bench without a block gets one at
the end of its script's ``## … (bench/SCRIPT)`` section, or a new section) and that bench's
rows of the Goals table (first column = NAME), stamping each with its machine, date and
commit. Everything else in the file is kept as written by hand: the other benches' blocks,
rows whose first column is not a bench that ran, the quality-per-set table, the text. History
lives in git and bench/FINDINGS.md (the analysis, never pasted in here).

    python bench/run_all.py [--full] [--only quality,latency,...] [--baseline REV]

--only NAMES runs those benches; the others keep their blocks (a bench with no block yet gets
one from bench/out/NAME.json if it is there).
--baseline REV checks REV out into bench/out/baseline-REV (a git worktree) and lets the
benches that can (BASELINE_AWARE) run that commit's code first, in the same run, so their
blocks show before and after side by side at the same machine load.
"""

from __future__ import annotations

import argparse
import json
import re
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
INDEX_RATE_GOAL = 20  # paragraphs/s of an index build with the real models (issue 27; 60 before)


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
    return {"name": name, "script": script, "status": status, "seconds": round(seconds, 1), "result": data,
            "ran": True}


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
            goal = f"index build ≥ {INDEX_RATE_GOAL} paragraphs/s, real models ({name}, {ir['paragraphs']} ¶)"
            rows.append([goal,
                         f"{rate} /s, {ir['cpu_ms_per_paragraph']} CPU-ms per ¶ (load {load:.1f})",
                         "met" if rate >= INDEX_RATE_GOAL else "NOT met"])
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


RESULTS = BENCH / "RESULTS.md"
GOAL_HEADERS = ("bench", "goal", "figure", "status", "machine, date, commit")
SKELETON = f"""# Benchmark results

Current figures only: one per bench, with its machine, date and commit; history in git and bench/FINDINGS.md.

Last written: never.

## Goals

{table(GOAL_HEADERS, [])}
"""


def cpu_kind(m: dict[str, Any]) -> str:
    """'Intel Xeon (AVX-VNNI), e5 kernel avx2': the CPU kind, its widest int8 dot product, the e5 kernel."""
    cpu = m.get("cpu", "unknown")
    cpu = next((kind for key, kind in (("Xeon", "Intel Xeon"), ("EPYC", "AMD EPYC")) if key in cpu), cpu)
    flags = set(m.get("cpu_flags", []))
    simd = "AVX2 only" if "avx2" in flags else "no AVX2"
    simd = "AVX-VNNI" if flags & {"avx_vnni", "avx512_vnni"} else simd
    return f"{cpu} ({simd}), e5 kernel {m.get('e5_kernel', 'unknown')}"


def block(r: dict[str, Any], commit: str) -> str:
    """A bench's block: its heading, where and when it ran, then the bench's own Markdown."""
    res = r["result"]
    lines = res["markdown"].strip().splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith("#")), None)
    heading = "### " + (lines.pop(at).lstrip("#").strip() if at is not None else r["name"])
    status = "" if r["status"].startswith("ok") else f" · {r['status']}"
    command = " ".join([r["script"], *res.get("argv", [])])
    stamp = (f"_bench/{command} · finished {res['finished']} · commit {commit} · {res['seconds']} s · "
             f"{cpu_kind(res['machine'])}{status}_")
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip())
    return f"<!-- bench: {r['name']} -->\n{heading}\n\n{stamp}\n\n{body}\n<!-- /bench: {r['name']} -->"


def put_block(text: str, r: dict[str, Any], commit: str) -> str:
    """``text`` with the block of ``r`` replaced, or added at the end of its script's section."""
    new, name, script = block(r, commit), r["name"], r["script"]
    old = re.compile(rf"<!-- bench: {re.escape(name)} -->\n.*?<!-- /bench: {re.escape(name)} -->", re.S)
    if old.search(text):
        return old.sub(lambda _: new, text, count=1)
    section = re.search(rf"^## .*\(bench/{re.escape(script)}\).*$", text, re.M)
    if section is None:
        return f"{text.rstrip()}\n\n## {Path(script).stem} (bench/{script})\n\n{new}\n"
    after = re.compile(r"^## ", re.M).search(text, section.end())
    at = after.start() if after else len(text)
    return f"{text[:at].rstrip()}\n\n{new}\n\n{text[at:]}".rstrip() + "\n"


def put_goals(text: str, rows: dict[str, list[list[Any]]]) -> str:
    """The Goals table with the rows of the benches in ``rows`` replaced; a row's first cell names its
    bench, so rows kept by hand (any other first cell) stay."""
    lines = text.split("\n")
    heading = next((i for i, line in enumerate(lines) if line.strip() == "## Goals"), None)
    if heading is None:
        every = [row for b in rows.values() for row in b]
        return f"{text.rstrip()}\n\n## Goals\n\n{table(GOAL_HEADERS, every)}\n"
    top = next((i for i in range(heading + 1, len(lines)) if lines[i].startswith("|")), None)
    if top is None or any(line.startswith("## ") for line in lines[heading + 1:top]):
        lines[heading + 1:heading + 1] = ["", *table(GOAL_HEADERS, []).splitlines()]
        top = heading + 2
    bottom = next((i for i in range(top, len(lines)) if not lines[i].startswith("|")), len(lines))
    kept: list[str] = []
    for line in lines[top + 2:bottom]:
        bench = line.strip("|").split("|")[0].strip()
        if bench not in rows:
            kept.append(line)
        elif rows[bench]:  # the new rows take the place of the bench's first old row
            kept += table(GOAL_HEADERS, rows.pop(bench)).splitlines()[2:]
        else:
            rows.pop(bench)
    kept += table(GOAL_HEADERS, [row for b in rows.values() for row in b]).splitlines()[2:]
    lines[top + 2:bottom] = kept
    return "\n".join(lines)


def write_results(results: dict[str, dict[str, Any]], full: bool, started: float, commit: str) -> None:
    """Update RESULTS.md with the benches that ran (and those with a figure in bench/out but no block)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else SKELETON
    written, rows = [], {}
    for r in results.values():
        if r["result"] is None or (not r["ran"] and f"<!-- bench: {r['name']} -->" in text):
            continue  # failed, or not run this time: its block and its Goals rows stay as they are
        stamp_commit = commit if r["ran"] else "not recorded"
        text = put_block(text, r, stamp_commit)
        where = f"{cpu_kind(r['result']['machine'])}, {r['result']['finished'][:10]}, {stamp_commit}"
        rows[r["name"]] = [[r["name"], *row, where] for row in goals({r["name"]: r})]
        written.append(r["name"])
    text = put_goals(text, {name: list(b) for name, b in rows.items()})
    m = machine()
    failed = [f"{r['name']} ({r['status']})" for r in results.values() if r["ran"] and r["result"] is None]
    stamp = (f"Last written: `bench/run_all.py{' --full' if full else ''}` on "
             f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} at commit {commit} "
             f"({(time.perf_counter() - started) / 60:.1f} min), blocks {', '.join(written) or 'none'}"
             + (f"; failed, previous figure kept: {', '.join(failed)}" if failed else "")
             + f". Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".")
    text, found = re.subn(r"^Last written:.*(?:\n.+)*", lambda _: stamp, text, count=1, flags=re.M)
    if not found:
        title, _, rest = text.partition("\n\n")
        text = f"{title}\n\n{stamp}\n\n{rest}"
    RESULTS.write_text(text.rstrip() + "\n", encoding="utf-8")
    print(f"\nupdated bench/RESULTS.md: {', '.join(written) or 'nothing'} (load average {load_average()})")


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
            results[name] = {"name": name, "script": script, "status": "--full only", "seconds": 0,
                             "result": None, "ran": False}
            continue
        if only and name not in only:
            path = OUT / f"{name}.json"
            data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
            status = f"ok, finished {data['finished']}" if data else "not run"
            results[name] = {"name": name, "script": script, "status": status,
                             "seconds": data["seconds"] if data else 0, "result": data, "ran": False}
            continue
        results[name] = run_one(name, script, extra, timeout, args.full, baseline)
    write_results(results, args.full, started, commit)


if __name__ == "__main__":
    main()
