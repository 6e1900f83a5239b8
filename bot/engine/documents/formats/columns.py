"""Two-column pages (government gazettes, 公报) read column by column, not across.

Without this, every visual line of a two-column page would be two table cells. Lines
are in two columns where a vertical gutter in the page's middle (30-70% of its width)
is crossed by none of a run of at least MIN_LEFT_LINES consecutive lines, both sides carry
text, and the left column's lines run up to the gutter holding unbroken running text (a
table's or a form's left cells stop short of it, hold a label and a number apart, or are
labels of a few characters). The longest such
run is read left column first, then right; the lines above and below it (a title, an
introduction across the page) are read the same way again, and so is each side, so a
magazine's three columns read one by one. Right-column text is shifted onto the left
column's x so paragraph rules see one column.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

MIN_LEFT_LINES = 6  # lines a left column needs before a page counts as two columns
MIN_RIGHT_LINES = 2  # and a right one (the last page of a gazette may end early)
GUTTER_CROSSING = 0.15  # share of a run's lines that may cross the gutter (one at a time)
OVERHANG = 2.0  # line-heights: a crossing line reaching no further past the gutter is split
MIN_COLUMN_CHARS = 8  # characters a left-column line holds (median): fewer are labels of a form
UNBROKEN = 0.8  # share of left-column lines with no gap inside (table rows have cells)
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
    found = _gutter(groups, covers, height)
    if found is None:
        return groups
    gutter, start, end = found
    run = groups[start:end]
    shift = _start(run, gutter, right=True) - _start(run, gutter, right=False)
    out: list[list[Span]] = in_reading_order(groups[:start])
    lefts: list[list[Span]] = []
    rights: list[list[Span]] = []
    for group, cover in zip(run, covers[start:end], strict=True):
        if _crosses(cover, gutter) and not _overhangs(cover, gutter, height):
            out += in_reading_order(lefts) + in_reading_order(rights)  # a heading across both columns
            lefts, rights = [], []
            out.append(group)
            continue
        left = [s for s in group if s.x0 + s.x1 <= 2 * gutter]
        right = [Span(s.text, s.x0 - shift, s.top, s.x1 - shift, s.bottom) for s in group
                 if s.x0 + s.x1 > 2 * gutter]
        if left:
            lefts.append(left)
        if right:
            rights.append(right)
    # below the columns (a footer, another section) may have columns of its own
    return out + in_reading_order(lefts) + in_reading_order(rights) + in_reading_order(groups[end:])


def _start(run: list[list[Span]], gutter: float, right: bool) -> float:
    """Where one side's column of text starts: the lower quartile of the starts of its
    lines of running text (a caption beside a picture, drawn into a line, does not count)."""
    sides = [[s for s in g if (s.x0 + s.x1 > 2 * gutter) == right] for g in run]
    sides = [side for side in sides if side]
    starts = sorted(min(s.x0 for s in side) for side in
                    ([side for side in sides if len(side) >= MIN_COLUMN_CHARS] or sides))
    return starts[len(starts) // 4]


def _gutter(
    groups: list[list[Span]], covers: list[list[tuple[float, float]]], height: float
) -> tuple[float, int, int] | None:
    """The x of the gutter between two columns and the run of lines (start, end) it
    divides, or None for a one-column page: the longest run of consecutive lines that
    cross that x at most one at a time and at most GUTTER_CROSSING of them, with text on
    both sides, whose left parts fill up to it (fewest crossings break a tie)."""
    x0 = min(lo for cover in covers for lo, _ in cover)
    x1 = max(hi for cover in covers for _, hi in cover)
    best: tuple[int, int, float, int, int] | None = None
    x = x0 + 0.3 * (x1 - x0)
    while x <= x0 + 0.7 * (x1 - x0):
        crossing = [_crosses(cover, x) for cover in covers]
        for start, end in _runs(crossing):
            crossed = sum(crossing[start:end])
            key = (end - start, -crossed)
            if end - start < MIN_LEFT_LINES or crossed > GUTTER_CROSSING * (end - start):
                continue
            if (best is None or key > best[:2]) and _columns(groups[start:end], x, height):
                best = (key[0], key[1], x, start, end)
        x += height / 2
    return None if best is None else (best[2], best[3], best[4])


def _runs(crossing: list[bool]) -> list[tuple[int, int]]:
    """Runs (start, end) of lines without two crossing lines in a row, none at either end."""
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(len(crossing) + 1):
        double = index + 1 < len(crossing) and crossing[index] and crossing[index + 1]
        if index < len(crossing) and not double:
            continue
        lo, hi = start, min(index, len(crossing))
        while lo < hi and crossing[lo]:
            lo += 1
        while hi > lo and crossing[hi - 1]:
            hi -= 1
        if hi > lo:
            runs.append((lo, hi))
        start = index + 1
        while start < len(crossing) and crossing[start]:
            start += 1
    return runs


def _overhangs(cover: list[tuple[float, float]], gutter: float, height: float) -> bool:
    """Whether a line crossing ``gutter`` only reaches into it (a closing mark past a
    column's edge), not across it."""
    return all(min(gutter - lo, hi - gutter) < OVERHANG * height for lo, hi in cover if lo <= gutter <= hi)


def _columns(run: list[list[Span]], gutter: float, height: float) -> bool:
    """Whether lines ``run`` are two columns of text: enough lines on each side, the left
    ones filled up to the gutter (a table's left cells stop short of it, each where its
    text ends), unbroken (not cells) and holding running text, not a form's labels."""
    left_parts = [[s for s in g if s.x1 <= gutter] for g in run]
    left_parts = [part for part in left_parts if part]
    right_count = sum(any(s.x0 >= gutter for s in g) for g in run)
    if len(left_parts) < MIN_LEFT_LINES or right_count < MIN_RIGHT_LINES:
        return False
    left_ends = [max(s.x1 for s in part) for part in left_parts]
    if max(left_ends) - statistics.median(left_ends) > FILL * height:
        return False  # left parts stop short of the gutter: table cells, not a column of text
    if statistics.median(len(part) for part in left_parts) < MIN_COLUMN_CHARS:
        return False
    whole = sum(len(_covered(part, height)) == 1 for part in left_parts)
    return whole >= UNBROKEN * len(left_parts)  # a table's left part is a label, a gap, a number


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
