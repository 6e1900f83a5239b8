"""`qabot eval`: hit@1, hit@3, mrr@5, answer@1, outcomes and latency on a JSONL question set.

Each line is {"q": question, "gold": [substrings]} with an optional "tag" (e.g.
"near-miss") that groups lines in the report. A cited paragraph hits when its text
contains any gold substring (whitespace ignored on both sides); answer@1 counts in-scope
questions whose bold answer contains one. An empty gold list marks an off-topic question
that must not be answered. "related" and "not_covered" both count as not answered
(refused): an in-scope question so treated is a miss at every rank.

For an official a confident wrong answer is worse than none, so two figures put the bold
answers first: ``precision``, of all bold answers given (in scope or not), the share holding
a gold substring (an answered near miss is a wrong one), and ``coverage``, the share of
in-scope questions answered at all. bench/quality.py prints one against the other across
the answerability judge's threshold.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.engine.service import SearchService

RANKS = 5
STATUSES = ("answered", "related", "not_covered")


class EvalFileError(ValueError):
    """The question file is malformed; the message names the line."""


@dataclass(frozen=True)
class Case:
    """One question with its gold substrings (empty = off-topic)."""

    q: str
    gold: tuple[str, ...]
    tag: str = ""


def read_cases(path: Path) -> list[Case]:
    """Questions from a JSONL file, validated line by line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q, gold, tag = row["q"], row.get("gold", []), row.get("tag", "")
            if not isinstance(q, str) or not isinstance(gold, list) or not isinstance(tag, str):
                raise TypeError("q and tag must be strings and gold a list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
        cases.append(Case(q, tuple(str(g) for g in gold), tag))
    return cases


def holds(text: str, gold: tuple[str, ...]) -> bool:
    """Whether ``text`` contains one of the gold substrings, whitespace ignored on both sides
    (a file's gold may keep spaces its reader drops, or the other way round)."""
    bare = "".join(text.split())
    return any("".join(g.split()) in bare for g in gold)


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
                (i for i, h in enumerate(answer.hits) if holds(h.text, case.gold)),
                None,
            )
        rows.append({
            "q": case.q, "tag": case.tag, "in_scope": bool(case.gold), "answered": answer.answered,
            "status": answer.status, "rank": rank,
            "answer_hit": bool(case.gold) and answer.answered and holds(answer.answer, case.gold),
            "cited": [h.paragraph for h in answer.hits], "sections": [h.section for h in answer.hits],
            "answer": answer.answer, "ms": ms,
        })
    summary = _summary(rows)
    tags = sorted({r["tag"] for r in rows})  # "" (untagged) only when some question has no tag
    if any(tags):
        summary["by_tag"] = {
            tag or "(untagged)": _summary([r for r in rows if r["tag"] == tag]) for tag in tags
        }
    return summary, rows


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    in_scope = [r for r in rows if r["in_scope"]]
    off = [r for r in rows if not r["in_scope"]]
    given = [r for r in rows if r["answered"]]
    ranks = [r["rank"] for r in in_scope]
    n = max(len(in_scope), 1)
    times = np.array([r["ms"] for r in rows]) if rows else np.zeros(1)
    return {
        "hit@1": round(sum(r == 0 for r in ranks) / n, 4),
        "hit@3": round(sum(r is not None and r < 3 for r in ranks) / n, 4),
        "mrr@5": round(sum(1 / (r + 1) for r in ranks if r is not None) / n, 4),
        "answer@1": round(sum(r["answer_hit"] for r in in_scope) / n, 4),
        "off_topic_refused": sum(not r["answered"] for r in off),
        "off_topic_total": len(off),
        "in_scope_refused": sum(not r["answered"] for r in in_scope),
        "in_scope_total": len(in_scope),
        "precision": precision(given),
        "coverage": round(sum(r["answered"] for r in in_scope) / n, 4),
        "tiers": {
            "in_scope": _tiers(in_scope),
            "off_topic": _tiers(off),
        },
        "mean_ms": round(float(times.mean()), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
    }


def precision(given: list[dict[str, Any]]) -> float:
    """Share of the bold answers ``given`` that hold a gold substring (1.0 when none was
    given: no answer is a wrong one)."""
    return round(sum(r["answer_hit"] for r in given) / len(given), 4) if given else 1.0


def _tiers(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {status: sum(r["status"] == status for r in rows) for status in STATUSES}


def format_summary(summary: dict[str, Any]) -> str:
    """The human-readable report (one block per tag when the file has tags)."""
    lines = [_format(summary)]
    for tag, part in summary.get("by_tag", {}).items():
        lines.append(f"\n[{tag}]\n" + _format(part))
    return "\n".join(lines)


def _format(s: dict[str, Any]) -> str:
    tiers = s["tiers"]
    return (
        f"hit@1 {s['hit@1']:.3f}   hit@3 {s['hit@3']:.3f}   mrr@5 {s['mrr@5']:.3f}   "
        f"answer@1 {s['answer@1']:.3f}\n"
        f"precision {s['precision']:.3f} (bold answers holding the fact)   "
        f"coverage {s['coverage']:.3f} (in-scope answered)\n"
        f"off-topic refused {s['off_topic_refused']}/{s['off_topic_total']}   "
        f"in-scope refused {s['in_scope_refused']}/{s['in_scope_total']}\n"
        f"in-scope  {_tier_line(tiers['in_scope'])}\n"
        f"off-topic {_tier_line(tiers['off_topic'])}\n"
        f"query ms: mean {s['mean_ms']:.1f}   p95 {s['p95_ms']:.1f}"
    )


def _tier_line(tiers: dict[str, int]) -> str:
    return "   ".join(f"{status} {tiers[status]}" for status in STATUSES)
