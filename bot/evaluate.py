"""`qabot eval`: hit@1, hit@3, mrr@5, refusals and latency on a JSONL question set.

Each line is {"q": question, "gold": [substrings]}. A cited paragraph hits when its text
contains any gold substring; an empty gold list marks an off-topic question that must be
refused. A refused in-scope question counts as a miss at every rank.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.service import SearchService

RANKS = 5


class EvalFileError(ValueError):
    """The question file is malformed; the message names the line."""


@dataclass(frozen=True)
class Case:
    """One question with its gold substrings (empty = off-topic)."""

    q: str
    gold: tuple[str, ...]


def read_cases(path: Path) -> list[Case]:
    """Questions from a JSONL file, validated line by line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q, gold = row["q"], row.get("gold", [])
            if not isinstance(q, str) or not isinstance(gold, list):
                raise TypeError("q must be a string and gold a list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
        cases.append(Case(q, tuple(str(g) for g in gold)))
    return cases


def evaluate(service: SearchService, cases: list[Case]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary metrics (the keys `qabot eval --json` prints) and one row per question."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        start = time.perf_counter()
        answer = service.ask(case.q, k=RANKS)
        ms = (time.perf_counter() - start) * 1000
        rank = None
        if case.gold and answer.answered:
            rank = next(
                (i for i, h in enumerate(answer.hits) if any(g in h.text for g in case.gold)),
                None,
            )
        rows.append({
            "q": case.q, "in_scope": bool(case.gold), "answered": answer.answered, "rank": rank,
            "cited": [h.paragraph for h in answer.hits], "ms": ms,
        })
    in_scope = [r for r in rows if r["in_scope"]]
    off = [r for r in rows if not r["in_scope"]]
    ranks = [r["rank"] for r in in_scope]
    n = max(len(in_scope), 1)
    times = np.array([r["ms"] for r in rows]) if rows else np.zeros(1)
    summary = {
        "hit@1": round(sum(r == 0 for r in ranks) / n, 4),
        "hit@3": round(sum(r is not None and r < 3 for r in ranks) / n, 4),
        "mrr@5": round(sum(1 / (r + 1) for r in ranks if r is not None) / n, 4),
        "off_topic_refused": sum(not r["answered"] for r in off),
        "off_topic_total": len(off),
        "in_scope_refused": sum(not r["answered"] for r in in_scope),
        "mean_ms": round(float(times.mean()), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
    }
    return summary, rows


def format_summary(summary: dict[str, Any]) -> str:
    """The human-readable report."""
    return (
        f"hit@1 {summary['hit@1']:.3f}   hit@3 {summary['hit@3']:.3f}   "
        f"mrr@5 {summary['mrr@5']:.3f}\n"
        f"off-topic refused {summary['off_topic_refused']}/{summary['off_topic_total']}   "
        f"in-scope refused {summary['in_scope_refused']}\n"
        f"query ms: mean {summary['mean_ms']:.1f}   p95 {summary['p95_ms']:.1f}"
    )
