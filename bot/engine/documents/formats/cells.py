"""The cells of a ruled form or table: text grouped by the rules drawn around it.

A form (a 公文处理单, a permit) draws its grid as thin rules; a label and its value stand
in neighbouring cells, a value may wrap over two lines inside its cell ("府办专督〔2020〕24"
/ "号"), and cells of one row need not share a baseline. Read as lines across the page,
a value falls apart and a label runs into the next row's. Here every character whose
start (just inside its left edge: a value may run over its cell's right rule) has a rule
above and below it and a rule left and right of it belongs to that cell; the cells that
share a top rule are a row, read left to right. A box must be closed by rules on all
four sides (an underline is no cell); a "cell" holding more than MAX_CELL_LINES lines is
a frame round the text, not a cell; and where much text stands in the grid or on its
rows but in no cell (values printed over a form without regard to its cells), the page
is read as ordinary lines.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from bot.engine.documents.formats.columns import Span

THIN = 0.25  # a rule (or a piece of one) is at most this many character heights thick, and longer
MAX_CELL_LINES = 8  # more lines than this in one box: a frame, not a cell
CLOSED = 0.5  # character heights: gaps between the pieces of a cell's sides it may have
INSET = 0.15  # character heights right of a character's left edge: the point that places it
STRAYS = 0.1  # characters in the grid but in no cell, per character in a cell: past it, no cells
MIN_RULES = 2  # horizontal and vertical rules a page needs before it has cells


def cell_rows(spans: Sequence[Span], rules: Sequence[Span]) -> tuple[list[list[list[Span]]], list[Span]]:
    """The characters of ``spans`` in ruled cells, as rows (top to bottom) of cells (left
    to right) of characters, and the characters outside any cell. ``rules`` are the
    boxes of the lines and thin rectangles the page draws."""
    if not spans or not rules:
        return [], list(spans)
    height = statistics.median(s.bottom - s.top for s in spans) or 1.0
    across = [r for r in rules if r.bottom - r.top <= THIN * height < r.x1 - r.x0]
    down = [r for r in rules if r.x1 - r.x0 <= THIN * height < r.bottom - r.top]
    if len(across) < MIN_RULES or len(down) < MIN_RULES:
        return [], list(spans)
    cells: dict[tuple[float, float, float, float], list[Span]] = {}
    outside: list[Span] = []
    for span in spans:
        box = _cell(span, across, down)
        if box is None:
            outside.append(span)
        else:
            cells.setdefault(box, []).append(span)
    for box, inside in list(cells.items()):
        if _line_count(inside) > MAX_CELL_LINES:
            outside += cells.pop(box)
    if not cells or _strays(cells, outside) > STRAYS * sum(map(len, cells.values())):
        return [], list(spans)  # text filled in over a form's grid, not in its cells: read as lines
    rows: dict[float, list[tuple[float, list[Span]]]] = {}
    for (left, top, _, _), inside in cells.items():
        rows.setdefault(round(top / (THIN * height)), []).append((left, inside))
    ordered = [[inside for _, inside in sorted(row, key=lambda c: c[0])] for _, row in sorted(rows.items())]
    return ordered, outside


def _cell(
    span: Span, across: Sequence[Span], down: Sequence[Span]
) -> tuple[float, float, float, float] | None:
    """The box (left, top, right, bottom) of the rules round ``span``, or None: round its
    vertical centre and a point just inside its left edge (a value may run over its
    cell's right rule)."""
    cx, cy = span.x0 + INSET * (span.bottom - span.top), (span.top + span.bottom) / 2
    spanning_x = [r for r in across if r.x0 <= cx <= r.x1]
    spanning_y = [r for r in down if r.top <= cy <= r.bottom]
    top = max((r.top for r in spanning_x if r.bottom <= cy), default=None)
    bottom = min((r.top for r in spanning_x if r.top >= cy), default=None)
    left = max((r.x0 for r in spanning_y if r.x1 <= cx), default=None)
    right = min((r.x0 for r in spanning_y if r.x0 >= cx), default=None)
    if top is None or bottom is None or left is None or right is None:
        return None
    slack = CLOSED * (span.bottom - span.top)
    if not (_covers([(r.x0, r.x1) for r in across if abs(r.top - top) <= slack], left, right, slack)
            and _covers([(r.x0, r.x1) for r in across if abs(r.top - bottom) <= slack], left, right, slack)
            and _covers([(r.top, r.bottom) for r in down if abs(r.x0 - left) <= slack], top, bottom, slack)
            and _covers([(r.top, r.bottom) for r in down if abs(r.x0 - right) <= slack], top, bottom, slack)):
        return None  # an underline, a rule beside the text: no box closed round it
    return round(left, 1), round(top, 1), round(right, 1), round(bottom, 1)


def _covers(pieces: list[tuple[float, float]], start: float, end: float, slack: float) -> bool:
    """Whether the intervals ``pieces`` together cover start..end, gaps up to ``slack``."""
    reach = start + slack
    for lo, hi in sorted(pieces):
        if lo > reach:
            return False
        reach = max(reach, hi + slack)
        if reach >= end:
            return True
    return reach >= end


def _strays(cells: dict[tuple[float, float, float, float], list[Span]], outside: Sequence[Span]) -> int:
    """How many characters outside every cell stand inside the grid the cells make, or
    beside a cell on its row (a label left of the grid, a value past its last rule)."""
    left, right = min(box[0] for box in cells), max(box[2] for box in cells)
    top, bottom = min(box[1] for box in cells), max(box[3] for box in cells)
    bands = {(box[1], box[3]) for box in cells}
    count = 0
    for span in outside:
        cx, cy = (span.x0 + span.x1) / 2, (span.top + span.bottom) / 2
        count += (left < cx < right and top < cy < bottom) or any(lo < cy < hi for lo, hi in bands)
    return count


def _line_count(spans: Sequence[Span]) -> int:
    """How many lines of text ``spans`` stand on (distinct vertical bands)."""
    count, band_end = 0, float("-inf")
    for span in sorted(spans, key=lambda s: s.top):
        if (span.top + span.bottom) / 2 > band_end:
            count += 1
            band_end = span.bottom
    return count
