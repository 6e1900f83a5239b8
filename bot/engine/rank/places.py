"""A question that names a place ("第七条讲了什么？") or a document is ranked from there first.

The paragraphs standing where the question names (bot/engine/question/sections.py) go
first, in the order the signals ranked them (those the signals did not reach, in document
order, after them); every other paragraph follows. None when the documents have no such
place: the question is then ranked and judged as any other. A paragraph without an outline
label stands at the clause it opens with (第二十四条 …: a regulation in plain text or Markdown).
A question that names a
document (bot/engine/question/titles.py) looks for the place in that document only, and is
otherwise ranked from that document's paragraphs first, its title line after its text (the
title names the document; it does not answer).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

from bot.engine.documents.ingest import Paragraph, Passage
from bot.engine.question.sections import Key, matches, opening_label
from bot.engine.rank.hybrid import Ranked, Ranking


def first_in_place(
    ranking: Ranking,
    asked: set[Key],
    passages: Sequence[Passage],
    paragraphs: Mapping[tuple[str, int], Paragraph],
    docs: Collection[str] = (),
) -> Ranking | None:
    """``ranking`` with the paragraphs in the ``asked`` place (of ``docs``, when the question
    names documents) first; None when there are none."""
    inside = {
        key for key, p in paragraphs.items()
        if p.servable and matches(asked, p.section or opening_label(p.text)) and (not docs or key[0] in docs)
    }
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


def named_first(
    ranking: Ranking, docs: Collection[str], passages: Sequence[Passage], is_title: Callable[[int], bool]
) -> Ranking:
    """``ranking`` with the paragraphs of ``docs`` first (a passage for which ``is_title`` is
    true after the rest of them), every other paragraph after."""
    named = [r for r in ranking.items if passages[r.passage].doc in docs]
    text = [r for r in named if not is_title(r.passage)]
    titles = [r for r in named if is_title(r.passage)]
    rest = [r for r in ranking.items if passages[r.passage].doc not in docs]
    return replace(ranking, items=(*text, *titles, *rest))
