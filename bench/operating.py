"""Precision against coverage across the answerability judge's threshold, per question set.

For an official a confident wrong answer is worse than none, so the judge's threshold is an
operating point to choose with both figures in view: ``precision`` (of all bold answers
given, near misses included, the share holding a gold substring) and ``coverage`` (the
share of in-scope questions answered). Each question is judged once with the judge's
threshold at 0 (so its bold answer is known even where the shipped judge says "related")
and its probability kept; a threshold t then answers it when the fixed rules pass and the
probability is ≥ t (questions that lean on another are not judged, as in serving). The
same t is applied to both judges (documents' script and the other one); the shipped
thresholds are marked.

    python bench/quality.py --sweep      # just this table
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import bot.engine.judge.answerable as answerable
from bot.engine.service import SearchService
from bot.tools.evaluate import Case

THRESHOLDS = (0.0, 0.06, 0.14, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Judged:
    """One question: in scope or not, whether the rules let it be answered, the judge's
    probability (None: not judged), and whether its bold answer holds a gold substring."""

    in_scope: bool
    plausible: bool
    probability: float | None
    holds_gold: bool


def judge_all(service: SearchService, cases: list[Case]) -> list[Judged]:
    """Every case judged with the thresholds at 0 (restored afterwards)."""
    same, cross = answerable.SAME_SCRIPT, answerable.CROSS_SCRIPT
    answerable.SAME_SCRIPT = replace(same, threshold=0.0)
    answerable.CROSS_SCRIPT = replace(cross, threshold=0.0)
    try:
        found = []
        for case in cases:
            answer, evidence = service.judge(case.q)
            p = None
            if evidence is not None and not evidence.leaning:
                p = (cross if evidence.cross else same).probability(evidence)
            hit = answer.answered and any(g in answer.answer for g in case.gold)
            found.append(Judged(bool(case.gold), answer.answered, p, hit))
        return found
    finally:
        answerable.SAME_SCRIPT, answerable.CROSS_SCRIPT = same, cross


def point(judged: list[Judged], threshold: float) -> dict[str, Any]:
    """Precision, coverage and counts at one threshold."""
    given = [j for j in judged if j.plausible and (j.probability is None or j.probability >= threshold)]
    in_scope = [j for j in judged if j.in_scope]
    right = sum(j.holds_gold for j in given)
    answered_in = sum(j.in_scope for j in given)
    return {
        "threshold": threshold,
        "precision": round(right / len(given), 4) if given else 1.0,
        "coverage": round(answered_in / len(in_scope), 4) if in_scope else 0.0,
        "answers": len(given), "right": right,
        "off_answered": len(given) - answered_in,
    }


def sweep(service: SearchService, sets: dict[str, list[Case]]) -> dict[str, list[dict[str, Any]]]:
    """Operating points per set."""
    return {name: [point(judged, t) for t in THRESHOLDS] for name, cases in sets.items()
            for judged in [judge_all(service, cases)]}


def markdown(points: dict[str, list[dict[str, Any]]]) -> str:
    """One row per set: precision / coverage at each threshold (shipped ones starred)."""
    shipped = {answerable.SAME_SCRIPT.threshold, answerable.CROSS_SCRIPT.threshold}
    heads = [f"{t:g}{'*' if t in shipped else ''}" for t in THRESHOLDS]
    lines = [
        "**Precision / coverage across the judge's threshold** (precision: bold answers holding a gold "
        "substring, near misses included; coverage: in-scope questions answered; * shipped threshold "
        f"of a judge: documents' script {answerable.SAME_SCRIPT.threshold:g}, other script "
        f"{answerable.CROSS_SCRIPT.threshold:g})\n",
        "| set | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(heads),
    ]
    for name, row in points.items():
        only_off = all(p["answers"] == p["off_answered"] for p in row) and not any(p["coverage"] for p in row)
        cells = [  # a file of near misses only: how many got a bold answer
            f"{p['off_answered']} answered" if only_off else f"{p['precision']:.2f} / {p['coverage']:.2f}"
            for p in row
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


__all__ = ["THRESHOLDS", "Judged", "judge_all", "markdown", "point", "sweep"]
