"""`qabot eval` on every question set the project has, each against its own library.

The article's sets (../shared/eval/dev.jsonl, tests/data/*.jsonl) are asked of seeds/; the
real documents' questions (../shared/realdocs/questions.jsonl) of one library holding all
of ../shared/realdocs/docs and files, as a new user would load them. Each library gets its
own index and data folder under var/eval/; the held-out statutes of tests/data/realheld are
asked of a library of them and ../shared/realdocs/docs (set `realheld`), those of
tests/data/lawheld of a library of them and all of ../shared/realdocs (set `lawheld`), those of
tests/data/lawheld2 of that library with its three added (set `lawheld2`). Indexes are built
on first use and refreshed incrementally after, so before/after runs differ only by the code.

    python bench/eval_sets.py OUT_DIR [--only dev,realdocs]

Writes OUT_DIR/<set>.json (the summary) and OUT_DIR/<set>.txt (one line per question), and
prints one line per set; `diff -r` two OUT_DIRs to see what a change moved.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "realdocs"
HELD = ROOT / "tests" / "data" / "realheld"  # statutes and questions kept out of tuning
LAWHELD = ROOT / "tests" / "data" / "lawheld"  # another such set, written by the lead
LAWHELD2 = ROOT / "tests" / "data" / "lawheld2"  # a third, written blind while the code changed
LIBRARIES = ("realdocs", "realheld", "lawheld", "lawheld2")  # sets with a library of their own
ARTICLE_SETS = {
    "dev": SHARED / "eval" / "dev.jsonl",
    **{p.stem: p for p in sorted((ROOT / "tests" / "data").glob("*.jsonl"))},
}


def real_library(folder: Path, wanted: list[Path]) -> Path:
    """A documents folder holding the ``wanted`` real statutes and files (copied, so it is ours)."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in wanted:
        target = folder / source.name
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, target)
    return folder


def run_set(name: str, questions: Path, docs: Path, out: Path) -> dict[str, object]:
    """One `qabot eval --json --verbose` run; its lines saved, its summary returned."""
    base = ROOT / "var" / "eval" / (name if name in LIBRARIES else "article")
    env = {**os.environ, "QABOT_INDEX_DIR": str(base / "index"), "QABOT_DATA_DIR": str(base / "data"),
           "QABOT_DOCS_DIR": str(docs)}
    qabot = [sys.executable, "-m", "bot.cli"]  # this tree's code (not the installed script's)
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([*qabot, "index", "--if-stale"], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name}: qabot index failed\n{done.stderr[-2000:]}")
    done = subprocess.run([*qabot, "eval", "--json", "--verbose", str(questions)], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name}: qabot eval failed\n{done.stderr[-2000:]}")
    lines = done.stdout.rstrip("\n").splitlines()
    summary: dict[str, object] = json.loads(lines[-1])
    (out / f"{name}.txt").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    return summary


def _statutes(folder: Path) -> list[Path]:
    """The documents of a held-out folder (its SOURCES.md says where they come from)."""
    return [p for p in sorted(folder.glob("*.md")) if p.name != "SOURCES.md"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", default="", help="comma-separated set names")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sets = {name: (path, ROOT / "seeds") for name, path in ARTICLE_SETS.items()}
    if REAL.is_dir():
        statutes, files = sorted((REAL / "docs").iterdir()), sorted((REAL / "files").iterdir())
        sets["realdocs"] = (REAL / "questions.jsonl",
                            real_library(ROOT / "var" / "eval" / "realdocs-docs", [*statutes, *files]))
        held = _statutes(HELD)
        sets["realheld"] = (HELD / "questions.jsonl",
                            real_library(ROOT / "var" / "eval" / "realheld-docs", [*statutes, *held]))
        sets["lawheld"] = (LAWHELD / "questions.jsonl", real_library(
            ROOT / "var" / "eval" / "lawheld-docs", [*statutes, *files, *_statutes(LAWHELD)]))
        sets["lawheld2"] = (LAWHELD2 / "questions.jsonl", real_library(
            ROOT / "var" / "eval" / "lawheld2-docs",
            [*statutes, *files, *_statutes(LAWHELD), *_statutes(LAWHELD2)]))
    only = {s for s in args.only.split(",") if s}
    for name, (questions, docs) in sets.items():
        if only and name not in only:
            continue
        s = run_set(name, questions, docs, args.out)
        keys = ("hit@1", "hit@3", "answer@1", "precision", "coverage")
        print(name, " ".join(f"{k}={s.get(k)}" for k in keys), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
