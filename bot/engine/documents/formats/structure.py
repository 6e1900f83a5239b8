"""Where each block of a document stands in its outline: "第二章 第七条", "三、（二）".

Chinese policy documents number their parts in two families. Statutes nest 第X编 (or a
plan's 第X部分) > 第X章 > 第X节 > 第X条; notices and plans nest 一、 > （一） > 1. > （1）,
also inside an article.
A block that starts with a marker opens that level and closes every level at or below it;
every block takes the label of the levels open where it stands. Citations ("第二章 第七条，
¶12") and questions such as "第七条讲了什么？" use the labels. A marker followed by 的, 规定,
、 … is a cross-reference ("第三十一条规定的情形"), not a new level. A heading the format
marks (Markdown "## 附则", depth 2) opens a level too, its text as the label when it has no
marker. ``clauses`` joins the 款 and 项 of one 第X条 into one unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.engine.documents.formats.model import HEADING, TITLE, Block

_NUM = "一二三四五六七八九十百千零〇两"
_STATUTE = {"编": 0, "部分": 0, "章": 1, "节": 2, "条": 3}
_LEVELS = (
    re.compile(rf"^\s*(第\s*[{_NUM}\d]+\s*(编|部分|章|节|条))(?![的之所中至、，,和或及与第款项]|规定|以)"),
    re.compile(rf"^\s*([{_NUM}]+)\s*、"),  # 一、 rank 4
    re.compile(rf"^\s*[（(]\s*([{_NUM}]+)\s*[）)]"),  # （一） rank 5
    re.compile(r"^\s*(\d{1,2})\s*[.．、](?!\d)"),  # 1. 1、 rank 6
    re.compile(r"^\s*[（(]\s*(\d{1,2})\s*[）)]"),  # （1） rank 7
)
# any numbering marker at the start of a text (the layout rules start a paragraph there)
MARKER = re.compile("|".join(f"(?:{p.pattern[1:]})" for p in _LEVELS))
HEADING_CHARS = 40  # a numbered block this short, with no sentence end in it, is a heading
LABEL_CHARS = 20  # an unnumbered heading's text as a label, at most this long
CLAUSE = 3  # the rank of 第X条
REGULATION_CLAUSES = 3  # a document with this many 第X条 is a regulation (one in running text is not)
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_WIDE_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


@dataclass(frozen=True)
class Place:
    """Where a block stands: the label of the open levels ("" before the first marker),
    and whether the block itself is a heading (a short numbered title like "第二章 总则")."""

    label: str
    heading: bool


def marker_of(text: str) -> tuple[int, str] | None:
    """(rank, marker as written in labels) of the numbering that starts ``text``, or None.
    Ranks: 0-3 第X编 or 部分/章/节/条, 4 一、, 5 （一）, 6 1., 7 （1）."""
    head = _LEVELS[0].match(text)
    if head:
        return _STATUTE[head.group(2)], re.sub(r"\s+", "", head.group(1))
    for rank, pattern in enumerate(_LEVELS[1:], start=4):
        found = pattern.match(text)
        if found:
            number = found.group(1)
            return rank, {4: f"{number}、", 5: f"（{number}）", 6: f"{number}.", 7: f"（{number}）"}[rank]
    return None


def places(blocks: Iterable[Block | str]) -> list[Place]:
    """The place of every block of a document, in order. A short numbered block is a
    heading when what follows it is not a sibling item ("一、…" then "二、…" is a list);
    an item inside a 第X条 is part of it, never a heading; a block the format marks as
    title or heading always is one."""
    items = [b if isinstance(b, Block) else Block(b) for b in blocks]
    found = [_level_of(b) for b in items]
    open_levels: list[tuple[int, str]] = []
    out = []
    for index, (block, level) in enumerate(zip(items, found, strict=True)):
        heading = block.role in (TITLE, HEADING)
        if level is not None:
            rank = level[0]
            open_levels = [kept for kept in open_levels if kept[0] < rank]
            open_levels.append(level)
            inside_clause = any(kept[0] == CLAUSE for kept in open_levels)
            item = rank == CLAUSE or (rank > CLAUSE and inside_clause)
            if not heading and not item and _is_title(block.text):
                following = found[index + 1] if index + 1 < len(found) else None
                heading = rank <= 2 or (following is not None and following[0] > rank) or (
                    index + 1 < len(found) and following is None)
        out.append(Place(label_of(open_levels), heading))
    return out


def clauses(
    blocks: Sequence[Block], where: Sequence[Place], breaks: Sequence[bool]
) -> list[tuple[Block, Place]]:
    """The blocks as units: a block that opens no level of 第X条 or above, is no heading and
    no ``breaks`` line (a 公文 field) continues the 第X条 open before it, on a new line.
    Only a regulation's blocks are joined: one with at least REGULATION_CLAUSES 第X条."""
    levels = [_level_of(b) for b in blocks]
    if sum(1 for level in levels if level is not None and level[0] == CLAUSE) < REGULATION_CLAUSES:
        return list(zip(blocks, where, strict=True))
    units: list[tuple[Block, Place]] = []
    in_clause = False
    for block, place, stop, level in zip(blocks, where, breaks, levels, strict=True):
        opens = level is not None and level[0] <= CLAUSE
        if in_clause and not opens and not place.heading and not stop and units:
            first, first_place = units[-1]
            units[-1] = (replace(first, text=f"{first.text}\n{block.text}"), first_place)
            continue
        units.append((block, place))
        in_clause = level is not None and level[0] == CLAUSE and not place.heading and not stop
    return units


def _level_of(block: Block) -> tuple[int, str] | None:
    if block.role == TITLE:
        return None
    found = marker_of(block.text)
    if block.role != HEADING or found is not None:
        return found
    words = _WIDE_GAP.sub("", " ".join(block.text.split()))  # "目  次" → "目次", "Part 1" kept
    return min(block.depth - 1, 2) if block.depth > 1 else 0, words[:LABEL_CHARS]


def label_of(levels: list[tuple[int, str]]) -> str:
    """ "第二章 第七条" for statute levels, "三、（二）" for outline levels, both joined by a space."""
    statute = " ".join(marker for rank, marker in levels if rank < 4)
    outline = "".join(marker for rank, marker in levels if rank >= 4)
    return " ".join(part for part in (statute, outline) if part)


def _is_title(text: str) -> bool:
    text = text.strip()
    return len(text) <= HEADING_CHARS and not _SENTENCE_END.search(text) and "\n" not in text
