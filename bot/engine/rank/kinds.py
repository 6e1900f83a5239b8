"""A paragraph that holds the asked kind of fact ranks above close ones that do not.

The fused signals rank by likeness to the question, and the paragraph that repeats the
question's words best may not say what is asked: "村民代表会议多长时间开一次？" finds the clause
on 村民代表会议 whose sentences all say who convenes it before the one that says 每季度. When
the question wants a kind of fact a sentence must hold (a number with its unit, a bound, a
date, a name; bot/engine/question/asking.py) and the first paragraph holds none, the best of
the next ``DEPTH`` that holds one, about the question's subject, goes first — if the signals
put it within ``MARGIN`` of the first (z-units of the fused score). Further down, the signals'
doubt is too small to overrule: a near miss would find its kind of fact in some unrelated
paragraph (bench/FINDINGS.md 1f, "looking past the first paragraph"). Only quantities and
dates (``KINDS``) reorder: nearly every paragraph of a regulation names some body, so a
body, person or place asked for tells the paragraphs apart too little, and near misses got
answered that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.engine.rank.hybrid import Ranking

KINDS = ("number", "time", "ordinal")  # the asked kinds that reorder
DEPTH = 3  # paragraphs looked at (the first included)
MARGIN = 1.0  # fused z-units the promoted paragraph may trail the first by


def holding_first(
    ranking: Ranking, holds: Callable[[int], bool], depth: int = DEPTH, margin: float = MARGIN
) -> Ranking:
    """``ranking`` with the best paragraph whose ``holds(passage)`` first, when the first does
    not hold and that one is among the first ``depth`` within ``margin`` of it."""
    items = ranking.items
    if len(items) < 2 or holds(items[0].passage):
        return ranking
    top = items[0].fused
    for i in range(1, min(depth, len(items))):
        if items[i].fused < top - margin:
            break
        if holds(items[i].passage):
            return replace(ranking, items=(items[i], *items[:i], *items[i + 1 :]))
    return ranking


__all__ = ["DEPTH", "KINDS", "MARGIN", "holding_first"]
