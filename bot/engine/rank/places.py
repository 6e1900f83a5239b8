"""A question that names a place ("第七条讲了什么？") is ranked from that place first.

The paragraphs standing where the question names (bot/engine/question/sections.py) go
first, in the order the signals ranked them (those the signals did not reach, in document
order, after them); every other paragraph follows. None when the documents have no such
place: the question is then ranked and judged as any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.engine.documents.ingest import Paragraph, Passage
from bot.engine.question.sections import Key, matches
from bot.engine.rank.hybrid import Ranked, Ranking


def first_in_place(
    ranking: Ranking,
    asked: set[Key],
    passages: Sequence[Passage],
    paragraphs: Mapping[tuple[str, int], Paragraph],
) -> Ranking | None:
    """``ranking`` with the paragraphs in the ``asked`` place first; None when there are none."""
    inside = {key for key, p in paragraphs.items() if p.servable and matches(asked, p.section)}
    if not inside:
        return None

    def key(row: int) -> tuple[str, int]:
        return passages[row].doc, passages[row].paragraph

    first = [r for r in ranking.items if key(r.passage) in inside]
    reached = {key(r.passage) for r in first}
    rows: dict[tuple[str, int], int] = {}
    for row in range(len(passages)):
        rows.setdefault(key(row), row)
    first += [Ranked(rows[k], 0.0, 0.0, 0.0) for k in sorted(inside - reached) if k in rows]
    rest = [r for r in ranking.items if key(r.passage) not in inside]
    return replace(ranking, items=(*first, *rest))
