"""Where each block of a document stands in its outline: "第二章 第七条", "三、（二）".

Chinese policy documents number their parts in two families. Statutes nest 第X编 (or a
plan's 第X部分) > 第X章 > 第X节 > 第X条; notices and plans nest 一、 > （一） > 1. > （1）,
also inside an article.
A block that starts with a marker opens that level and closes every level at or below it;
every block takes the label of the levels open where it stands. Citations ("第二章 第七条，
¶12") and questions such as "第七条讲了什么？" use the labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NUM = "一二三四五六七八九十百千零〇两"
_STATUTE = {"编": 0, "部分": 0, "章": 1, "节": 2, "条": 3}
_LEVELS = (
    re.compile(rf"^\s*(第\s*[{_NUM}\d]+\s*(编|部分|章|节|条))"),
    re.compile(rf"^\s*([{_NUM}]+)\s*、"),  # 一、 rank 4
    re.compile(rf"^\s*[（(]\s*([{_NUM}]+)\s*[）)]"),  # （一） rank 5
    re.compile(r"^\s*(\d{1,2})\s*[.．、](?!\d)"),  # 1. 1、 rank 6
    re.compile(r"^\s*[（(]\s*(\d{1,2})\s*[）)]"),  # （1） rank 7
)
# any numbering marker at the start of a text (the layout rules start a paragraph there)
MARKER = re.compile("|".join(f"(?:{p.pattern[1:]})" for p in _LEVELS))
HEADING_CHARS = 40  # a numbered block this short, with no sentence end in it, is a heading
_SENTENCE_END = re.compile(r"[。！？；!?;]")


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


def places(texts: Iterable[str]) -> list[Place]:
    """The place of every block of a document, in order."""
    open_levels: list[tuple[int, str]] = []
    out = []
    for text in texts:
        found = marker_of(text)
        heading = False
        if found is not None:
            rank = found[0]
            open_levels = [level for level in open_levels if level[0] < rank]
            open_levels.append(found)
            heading = (rank <= 2 or rank >= 4) and _is_title(text)
        out.append(Place(label_of(open_levels), heading))
    return out


def label_of(levels: list[tuple[int, str]]) -> str:
    """ "第二章 第七条" for statute levels, "三、（二）" for outline levels, both joined by a space."""
    statute = " ".join(marker for rank, marker in levels if rank < 4)
    outline = "".join(marker for rank, marker in levels if rank >= 4)
    return " ".join(part for part in (statute, outline) if part)


def _is_title(text: str) -> bool:
    text = text.strip()
    return len(text) <= HEADING_CHARS and not _SENTENCE_END.search(text) and "\n" not in text
