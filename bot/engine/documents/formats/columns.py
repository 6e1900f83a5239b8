"""Two-column pages (government gazettes, 公报) read column by column, not across.

Without this, every visual line of a two-column page would be two table cells. A page is
in two columns when a vertical gutter in its middle (30-70% of its width) is crossed by
at most GUTTER_CROSSING of its lines while both sides carry text, and the left column's
lines run up to the gutter (a table's left cells stop short of it). Between lines that
cross the gutter (a title, a running header), the left column is read before the right;
right-column text is shifted onto the left column's x so paragraph rules see one column.
Each side is read the same way again, so a magazine's three columns read one by one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

MIN_LEFT_LINES = 6  # lines a left column needs before a page counts as two columns
MIN_RIGHT_LINES = 2  # and a right one (the last page of a gazette may end early)
GUTTER_CROSSING = 0.15  # share of lines that may cross the gutter (titles, headers)
FILL = 3.0  # line-heights: a left-column line ends at most this far before the gutter (median)
WORD_GAP = 1.0  # line-heights: a narrower gap inside a line does not interrupt it


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text and its box; y grows downwards (top < bottom)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


def in_reading_order(groups: list[list[Span]]) -> list[list[Span]]:
    """Line groups (the spans of one visual line each, top to bottom) in reading order."""
    if len(groups) < MIN_LEFT_LINES:
        return groups
    height = statistics.median(s.bottom - s.top for g in groups for s in g) or 1.0
    covers = [_covered(g, height) for g in groups]
    gutter = _gutter(groups, covers, height)
    if gutter is None:
        return groups
    sides = [g for g, cover in zip(groups, covers, strict=True) if not _crosses(cover, gutter)]
    right_x0 = min(s.x0 for g in sides for s in g if s.x0 >= gutter)
    shift = right_x0 - min(s.x0 for g in sides for s in g)
    out: list[list[Span]] = []
    lefts: list[list[Span]] = []
    rights: list[list[Span]] = []
    for group, cover in zip(groups, covers, strict=True):
        if _crosses(cover, gutter):
            out += in_reading_order(lefts) + in_reading_order(rights)
            lefts, rights = [], []
            out.append(group)
            continue
        left = [s for s in group if s.x1 <= gutter]
        right = [Span(s.text, s.x0 - shift, s.top, s.x1 - shift, s.bottom) for s in group if s.x0 >= gutter]
        if left:
            lefts.append(left)
        if right:
            rights.append(right)
    return out + in_reading_order(lefts) + in_reading_order(rights)  # either side may have columns too


def _gutter(groups: list[list[Span]], covers: list[list[tuple[float, float]]], height: float) -> float | None:
    """The x of the gutter between two columns, or None for a one-column page."""
    x0 = min(lo for cover in covers for lo, _ in cover)
    x1 = max(hi for cover in covers for _, hi in cover)
    best: tuple[int, float] | None = None
    x = x0 + 0.3 * (x1 - x0)
    while x <= x0 + 0.7 * (x1 - x0):
        crossing = sum(_crosses(cover, x) for cover in covers)
        if crossing <= GUTTER_CROSSING * len(groups) and (best is None or crossing < best[0]):
            best = (crossing, x)
        x += height / 2
    if best is None:
        return None
    gutter = best[1]
    sides = [g for g, cover in zip(groups, covers, strict=True) if not _crosses(cover, gutter)]
    left_ends = [max(s.x1 for s in g if s.x1 <= gutter) for g in sides if any(s.x1 <= gutter for s in g)]
    right_count = sum(any(s.x0 >= gutter for s in g) for g in sides)
    if len(left_ends) < MIN_LEFT_LINES or right_count < MIN_RIGHT_LINES:
        return None
    if max(left_ends) - statistics.median(left_ends) > FILL * height:
        return None  # left parts stop short of the gutter: table cells, not a column of text
    return gutter


def _covered(group: list[Span], height: float) -> list[tuple[float, float]]:
    """The x-intervals a line covers, gaps narrower than WORD_GAP line-heights bridged."""
    out: list[tuple[float, float]] = []
    for span in sorted(group, key=lambda s: s.x0):
        if out and span.x0 - out[-1][1] < WORD_GAP * height:
            out[-1] = (out[-1][0], max(out[-1][1], span.x1))
        else:
            out.append((span.x0, span.x1))
    return out


def _crosses(cover: list[tuple[float, float]], x: float) -> bool:
    return any(lo <= x <= hi for lo, hi in cover)
