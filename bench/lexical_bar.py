"""The bar of a lexical-only bold answer (bot/engine/judge/lexical.py), by measurement.

Each question set is asked twice of its library (the index bench/eval_sets.py keeps under
var/eval/): fully embedded, and as the lexical version of a staged build would serve it just
after an upload, with every passage pending (no vectors at all: BM25, the outline and the
words only). For the lexical version every bar of judge/lexical.py is swept on the evidence
of the questions; the shipped bars are the lowest at which the precision of lexical-only
bold answers is not below the full index's on the tuning sets (dev, dev2, dev_en, nearmiss,
nearmiss3, realdocs), checked on the others.

    python bench/lexical_bar.py [--only dev,realdocs] [--sweep]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_sets import ARTICLE_SETS, HELD, LAWHELD, LIBRARIES, REAL, _statutes, real_library  # noqa: E402
from bot.engine.documents.ingest import load_documents  # noqa: E402
from bot.engine.index.build import build_index, known_documents  # noqa: E402
from bot.engine.judge import lexical  # noqa: E402
from bot.engine.lifecycle import document_limits, open_service  # noqa: E402
from bot.engine.service import SearchService  # noqa: E402
from bot.tools.evaluate import evaluate, holds, precision, read_cases  # noqa: E402
from config.settings import load_settings  # noqa: E402

TUNING = ("dev", "dev2", "dev_en", "nearmiss", "nearmiss3", "realdocs")
GRID = {"LEAST": (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)}


def sets() -> dict[str, tuple[Path, Path]]:
    found = {name: (path, ROOT / "seeds") for name, path in ARTICLE_SETS.items()}
    if REAL.is_dir():
        statutes, files = sorted((REAL / "docs").iterdir()), sorted((REAL / "files").iterdir())
        found["realdocs"] = (REAL / "questions.jsonl",
                             real_library(ROOT / "var" / "eval" / "realdocs-docs", [*statutes, *files]))
        found["realheld"] = (HELD / "questions.jsonl", real_library(
            ROOT / "var" / "eval" / "realheld-docs", [*statutes, *_statutes(HELD)]))
        found["lawheld"] = (LAWHELD / "questions.jsonl", real_library(
            ROOT / "var" / "eval" / "lawheld-docs", [*statutes, *files, *_statutes(LAWHELD)]))
    return found


def services(name: str, docs: Path) -> tuple[SearchService, SearchService]:
    """The set's library fully embedded and as its lexical version (everything pending)."""
    base = ROOT / "var" / "eval" / (name if name in LIBRARIES else "article")
    env = {**os.environ, "QABOT_INDEX_DIR": str(base / "index"), "QABOT_DATA_DIR": str(base / "data"),
           "QABOT_DOCS_DIR": str(docs)}
    settings = load_settings(env=env)
    full = open_service(settings)
    documents = load_documents(settings.docs_dir, document_limits(settings), known_documents(full.stored))
    stored, _ = build_index(settings, full.encoder, documents, None, second=full.second, budget=0)
    return full, SearchService(settings, full.encoder, stored, full.second)


def lexical_rows(service: SearchService, cases: list[Any]) -> list[dict[str, Any]]:
    """Per question: the lexical-only evidence and whether the extract holds the fact, with
    every bar at 0 (so the answer is always extracted)."""
    rows = []
    for case in cases:
        answer, evidence = service.ask_judged(case.q)
        rows.append({"in_scope": bool(case.gold), "evidence": evidence, "status": answer.status,
                     "hit": bool(case.gold) and holds(answer.answer, case.gold)})
    return rows


def judged(rows: list[dict[str, Any]], bars: dict[str, float]) -> dict[str, Any]:
    """Precision and coverage of the lexical-only answers under ``bars``."""
    given = []
    for r in rows:
        e = r["evidence"]
        if r["status"] != "answered" or e is None:
            continue
        ok = (1.0 if e.least is None else e.least) >= bars["LEAST"]
        if ok:
            given.append({"answer_hit": r["hit"]})
    in_scope = sum(r["in_scope"] for r in rows)
    hits = sum(g["answer_hit"] for g in given)
    return {"precision": precision(given), "given": len(given), "right": hits, "in_scope": in_scope}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--sweep", action="store_true", help="sweep the bars (else: the shipped ones)")
    args = parser.parse_args()
    only = {s for s in args.only.split(",") if s}
    shipped = {k: getattr(lexical, k) for k in GRID}
    swept: dict[str, list[dict[str, Any]]] = {}
    full_given: dict[str, tuple[int, int]] = {}
    for name, (questions, docs) in sets().items():
        if only and name not in only:
            continue
        cases = read_cases(questions)
        full, lex = services(name, docs)
        f, _ = evaluate(full, cases)
        shown = evaluate(lex, cases)[0]
        line = " ".join(f"{k}={f[k]}→{shown[k]}" for k in ("hit@1", "answer@1", "precision", "coverage"))
        off = "→".join(str(s["off_topic_total"] - s["off_topic_refused"]) for s in (f, shown))
        print(f"{name}: full→lexical {line} off-scope answered {off}", flush=True)
        if args.sweep:
            for k in GRID:
                setattr(lexical, k, 0.0)
            swept[name] = lexical_rows(lex, cases)
            for k, v in shipped.items():
                setattr(lexical, k, v)
            given = sum(f["tiers"][t]["answered"] for t in ("in_scope", "off_topic"))
            full_given[name] = (given, round(f["precision"] * given))
        full.close()
        lex.close()
    if args.sweep:
        tuning = [n for n in full_given if n in TUNING]
        groups = {"tuning": tuning, "check": [n for n in full_given if n not in TUNING]}
        for group, names in groups.items():
            if not names:
                continue
            given = sum(full_given[n][0] for n in names)
            right = sum(full_given[n][1] for n in names)
            print(f"{group} ({','.join(names)}): full index {right}/{given} bold answers right")
            for values in itertools.product(*GRID.values()):
                bars = dict(zip(GRID, values, strict=True))
                found = [judged(swept[n], bars) for n in names]
                g, r = sum(f["given"] for f in found), sum(f["right"] for f in found)
                shown = " ".join(f"{k}={v}" for k, v in bars.items())
                print(f"  {shown}: lexical-only {r}/{g} right ({r / max(g, 1):.3f}), "
                      f"in-scope answered right {r}/{sum(f['in_scope'] for f in found)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
