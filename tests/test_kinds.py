"""bot/engine/rank/kinds.py: a close paragraph holding the asked kind of fact goes first."""

from __future__ import annotations

from bot.engine.rank.hybrid import Ranked, Ranking
from bot.engine.rank.kinds import holding_first


def ranking(*fused: float) -> Ranking:
    return Ranking(tuple(Ranked(i, f, 0.0, 0.0) for i, f in enumerate(fused)), 0.0, None)


def order(r: Ranking) -> list[int]:
    return [item.passage for item in r.items]


def test_a_close_paragraph_that_holds_goes_first() -> None:
    assert order(holding_first(ranking(3.0, 2.5, 2.4), lambda p: p == 2)) == [2, 0, 1]


def test_a_first_paragraph_that_holds_stays() -> None:
    assert order(holding_first(ranking(3.0, 2.5), lambda p: True)) == [0, 1]


def test_a_paragraph_far_behind_or_deep_down_does_not_move() -> None:
    assert order(holding_first(ranking(3.0, 1.0), lambda p: p == 1)) == [0, 1]  # beyond the margin
    assert order(holding_first(ranking(3.0, 2.9, 2.9, 2.9), lambda p: p == 3)) == [0, 1, 2, 3]  # too deep
