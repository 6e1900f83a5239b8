"""Text that only knows where it is drawn (PDF text layers, OCR boxes, OFD pages) becomes
lines, then paragraphs as a reader sees them.

One home for the layout rules every paged format shares:
- a character drawn again at nearly the same place (fake bold: 建建筑筑) is one;
- a line is text whose vertical centres share a band; within a line a gap wider than
  CELL_GAP line-heights separates table cells, a smaller one over SPACE_GAP is a space
  between two Latin-script characters; next to a Chinese one only a gap over
  WIDE_SPACE_GAP is (a full-width space: "第一条　为了" keeps it, justified text does not);
- running headers and footers go: a line among the first or last EDGE_LINES of a page
  whose text recurs there on at least half of the pages (its last number the same, or in
  step with the page number), and any page number there ("3", "- 3 -", "第 3 页", "3/40");
  a page that would lose every line that way is a copy of the others, not a header;
- a paragraph ends after a line that ends a sentence, or that stops well short of the
  column (the column's edges: the page's, or the nearer edges of the lines around it, as
  in a box of notes on a form); one starts at an indented or centred line, after a wide
  vertical gap, where the font size changes, and at a heading or list marker
  (structure.MARKER). A paragraph runs on across a page break; a line in brackets under
  a contents entry ("……３") is its note;
- the characters in ruled cells (cells.py) are read cell by cell, a row one line;
- consecutive lines with several cells are a table: each row one block, its cells joined
  by a space (the row header stays with its values).
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.engine.documents.formats.cells import cell_rows
from bot.engine.documents.formats.columns import Span, in_reading_order
from bot.engine.documents.formats.model import ROW, Block
from bot.engine.documents.formats.structure import MARKER
from bot.engine.text.script import is_wide
from bot.engine.text.sentences import CLOSING_MARKS

__all__ = ["Line", "Page", "Span", "blocks_of", "drop_running", "join_lines", "lines_of"]

CELL_GAP = 1.8  # line-heights of empty space between two table cells
SPACE_GAP = 0.2  # line-heights of empty space that is a space between words
WIDE_SPACE_GAP = 0.6  # next to a Chinese character only a gap this wide is (a full-width space)
EDGE_LINES = 2  # lines at the top and at the bottom of a page where running text may be
# line-heights short of the column's right edge that make a paragraph's last line (narrow
# digits and Latin words leave a full line up to ~2 short)
SHORT_LINE = 3.0
INDENT = 1.0  # line-heights right of the column's left edge: a new paragraph's first line
OVERDRAW = 0.3  # line-heights: the same character drawn again this near is drawn once
FONT_CHANGE = 0.15  # a line this much taller or shorter than the last starts a new block
LOCAL_LINES = 3  # lines above and below a line that tell where its text's left edge is
_PARAGRAPH_END = "。！？!?"  # not "；": a clause ends there, and lines often do mid-paragraph
_TOC_ENTRY = re.compile(r"(?:[…·.．]{3,}|…{2,})\s*[\dIVXivx０-９]+$")  # "对国防问题的意见……３"
_NOTE = re.compile(r"^\s*[（(][^（()）]{2,40}[）)]\s*$")  # "（一九三七年八月四日）"
_LAST_NUMBER = re.compile(r"\d+(?=\D*$)")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_~\s]*(?:第\s*)?[\d一二三四五六七八九十百零〇]+(?:\s*页)?[-—–－_~\s]*"
    r"|第\s*\d+\s*页\s*[,，/／]?\s*共\s*\d+\s*页|共\s*\d+\s*页\s*[,，/／]?\s*第\s*\d+\s*页"
    r"|\d+\s*[/／]\s*\d+|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One visual line: its cells (one unless it is a table row) and its box."""

    cells: tuple[str, ...]
    x0: float
    top: float
    x1: float
    bottom: float
    height: float
    ruled: bool = False  # a row of ruled cells (cells.py): a table row even with one cell

    @property
    def row(self) -> bool:
        """Whether the line is a table row: several cells, or ruled ones."""
        return self.ruled or len(self.cells) > 1

    @property
    def text(self) -> str:
        """The line's text, cells separated by " | "."""
        return " | ".join(self.cells)


@dataclass(frozen=True, slots=True)
class Page:
    """The lines of one page, top to bottom; ``number`` is 1-based."""

    number: int
    lines: tuple[Line, ...]


def lines_of(spans: Iterable[Span], rules: Sequence[Span] = ()) -> tuple[Line, ...]:
    """The visual lines of a page's spans, top to bottom, each read left to right (a page
    in two columns: column by column, columns.py); where ``rules`` (the boxes of the
    lines the page draws) make cells, a row of cells is one line (cells.py)."""
    rows, rest = cell_rows(_distinct(spans), rules)
    plain = _plain_lines(rest)
    if not rows:
        return plain
    out: list[Line] = []
    pending = sorted((_row_line(row) for row in rows), key=lambda line: line.top)
    for line in plain:  # rows go in where they stand; the plain lines keep their reading order
        while pending and pending[0].top < line.top:
            out.append(pending.pop(0))
        out.append(line)
    return (*out, *pending)


def _row_line(row: list[list[Span]]) -> Line:
    """One row of ruled cells as a line: each cell's text, its lines joined."""
    cells = tuple(join_lines(" ".join(line.cells) for line in _plain_lines(cell)) for cell in row)
    spans = [s for cell in row for s in cell]
    height = statistics.median(s.bottom - s.top for s in spans) or 1.0
    return Line(tuple(c for c in cells if c), min(s.x0 for s in spans), min(s.top for s in spans),
                max(s.x1 for s in spans), max(s.bottom for s in spans), height, ruled=True)


def _plain_lines(spans: Iterable[Span]) -> tuple[Line, ...]:
    groups: list[list[Span]] = []
    band = (0.0, -1.0)
    for span in sorted(spans, key=lambda s: s.top + s.bottom):
        mid = (span.top + span.bottom) / 2
        if groups and band[0] <= mid <= band[1]:
            groups[-1].append(span)
        else:
            groups.append([span])
            band = (span.top, span.bottom)
    return tuple(_line(g) for g in in_reading_order(groups))


def _distinct(spans: Iterable[Span]) -> list[Span]:
    """``spans`` without a character repeated within OVERDRAW of its height where it was
    already drawn (a template and its page drawing it twice, bold faked by overprinting)."""
    kept: list[Span] = []
    seen: dict[tuple[str, int, int], list[Span]] = {}
    for span in spans:
        size = max(span.bottom - span.top, 0.1) * OVERDRAW
        cx, cy = round(span.x0 / size), round(span.top / size)
        near = (seen.get((span.text, cx + dx, cy + dy), []) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
        if any(abs(o.x0 - span.x0) < size and abs(o.top - span.top) < size for group in near for o in group):
            continue
        seen.setdefault((span.text, cx, cy), []).append(span)
        kept.append(span)
    return kept


def drop_running(pages: Sequence[Page]) -> list[Page]:
    """``pages`` without running headers, footers and page numbers. A line recurs when
    its text does, on at least half of the pages, in the same zone; its last number stays
    ("…2018年第一季度报告全文") or keeps step with the page number ("公报 第 7 页"): "附件1",
    "附件2" opening pages 2 and 5 are no running header."""
    seen: Counter[tuple[str, str]] = Counter()
    steps: dict[tuple[str, str], set[int]] = {}
    values: dict[tuple[str, str], set[int]] = {}
    for page in pages:
        for key, number in {(_key(zone, line), _last_number(line)) for zone, line in _edges(page.lines)}:
            seen[key] += 1
            if number is not None:
                steps.setdefault(key, set()).add(number - page.number)
                values.setdefault(key, set()).add(number)
    need = max(2, math.ceil(len(pages) / 2))
    running = {key for key, count in seen.items() if count >= need  # the same number ("2018年"), or in step
               and (len(steps.get(key, {0})) == 1 or len(values.get(key, {0})) == 1)}
    kept = []
    for page in pages:
        drop = {
            id(line)
            for zone, line in _edges(page.lines)
            if _key(zone, line) in running or _PAGE_NUMBER.match(line.text.strip())
        }
        if len(drop) == len(page.lines):  # a header runs above a body: pages that are all "header" are copies
            drop = {id(line) for line in page.lines if _PAGE_NUMBER.match(line.text.strip())}
        kept.append(Page(page.number, tuple(line for line in page.lines if id(line) not in drop)))
    return kept


def blocks_of(pages: Sequence[Page]) -> list[Block]:
    """Paragraph and table blocks of ``pages`` (headers already dropped), each with the page
    where it starts."""
    left, right = _column(pages)
    blocks: list[Block] = []
    run: list[Line] = []  # the open paragraph, or the open table
    start, last_right = 0, right
    for page in pages:
        gap = _usual_gap(page.lines)
        new_page = True
        lines = _lone_rows_joined(page.lines)
        for index, line in enumerate(lines):
            table = line.row
            edge = _local_edges(lines, index)
            here = (max(left, edge[0]), min(right, last_right))
            if run and _breaks(run[-1], line, table, *here, gap, new_page):
                blocks.extend(_blocks(run, start))
                run = []
            if not run:
                start = page.number
            run.append(line)
            last_right = edge[1]
            new_page = False
    if run:
        blocks.extend(_blocks(run, start))
    return [b for b in blocks if b.text]


def _blocks(run: list[Line], page: int) -> list[Block]:
    """The block a paragraph's lines make, or one block per row of a table: a row keeps
    its header cell with its values ("营业收入（元） 4,755,785.11 5,699,227.63"), and a
    table of many rows as one block would be found by none of them."""
    if run[0].row:
        return [Block(" ".join(line.cells), page, role=ROW) for line in run]
    return [Block(join_lines(line.text for line in run), page)]


def _local_edges(lines: Sequence[Line], index: int) -> tuple[float, float]:
    """The left and right edges of the text around line ``index``: the leftmost start and
    rightmost end among the single-cell lines within LOCAL_LINES of it that share some of
    its width (a box of notes on a form, a column beside a picture has its own edges)."""
    line = lines[index]
    near = [n for n in lines[max(0, index - LOCAL_LINES) : index + LOCAL_LINES + 1]
            if not n.row and n.x0 < line.x1 and line.x0 < n.x1] or [line]
    return min(n.x0 for n in near), max(n.x1 for n in near)


def join_lines(parts: Iterable[str]) -> str:
    """Lines of one paragraph as one text: a space only between two Latin-script ends
    ("每月" + "1200元" → "每月1200元", "total" + "amount" → "total amount")."""
    joined = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if joined and not (is_wide(joined[-1]) or is_wide(part[0])):
            joined += " "
        joined += part
    return joined


def _breaks(
    prev: Line, line: Line, table: bool, left: float, right: float, gap: float, new_page: bool
) -> bool:
    """Whether ``line`` starts a new block after ``prev``."""
    was_table = prev.row
    if table or was_table:
        return not (table and was_table and not new_page and line.top - prev.bottom < 2 * line.height)
    if _TOC_ENTRY.search(prev.text) and _NOTE.match(line.text):
        return False  # a contents entry's note (its date, its author) is part of the entry
    gap_break = not new_page and line.top - prev.bottom > max(1.0 * line.height, 1.8 * gap)
    ends = prev.text.rstrip().rstrip(CLOSING_MARKS)
    return (
        gap_break
        or (bool(ends) and ends[-1] in _PARAGRAPH_END)
        or prev.x1 < right - SHORT_LINE * prev.height
        or line.x0 > left + INDENT * line.height
        or abs(line.height - prev.height) > FONT_CHANGE * max(line.height, prev.height)
        or bool(MARKER.match(line.text))
    )


def _lone_rows_joined(lines: Sequence[Line]) -> list[Line]:
    """A line with several cells but no such neighbour is no table ("通　　知" spaced out,
    a date pushed right): its cells become one, joined by a space."""
    out = []
    for i, line in enumerate(lines):
        neighbours = [*lines[max(0, i - 1) : i], *lines[i + 1 : i + 2]]
        if len(line.cells) > 1 and not line.ruled and not any(n.row for n in neighbours):
            line = Line((join_lines(line.cells),), line.x0, line.top, line.x1, line.bottom, line.height)
        out.append(line)
    return out


def _line(spans: list[Span]) -> Line:
    spans.sort(key=lambda s: s.x0)
    height = statistics.median(s.bottom - s.top for s in spans) or 1.0
    cells: list[str] = []
    current = ""
    last_x1 = spans[0].x0
    for span in spans:
        space = span.x0 - last_x1
        if current and space > CELL_GAP * height:
            cells.append(current.strip())
            current = ""
        elif current and space > _space_gap(current[-1], span.text[0]) * height:
            current += " "
        current += span.text
        last_x1 = max(last_x1, span.x1)
    cells.append(current.strip())
    return Line(
        tuple(c for c in cells if c),
        spans[0].x0,
        min(s.top for s in spans),
        max(s.x1 for s in spans),
        max(s.bottom for s in spans),
        height,
    )


def _space_gap(before: str, after: str) -> float:
    """The gap (in line-heights) that is a space between two characters."""
    return WIDE_SPACE_GAP if is_wide(before) or is_wide(after) else SPACE_GAP


def _edges(lines: Sequence[Line]) -> list[tuple[str, Line]]:
    """The lines where running text may stand, each with its zone ("top" or "bottom")."""
    top = min(EDGE_LINES, len(lines))
    bottom = max(top, len(lines) - EDGE_LINES)
    return [("top", line) for line in lines[:top]] + [("bottom", line) for line in lines[bottom:]]


def _key(zone: str, line: Line) -> tuple[str, str]:
    """Where a line stands and its text, spaces gone and its last number folded, so that
    "第 3 页" and "第 4 页" share a key."""
    return zone, _LAST_NUMBER.sub("#", re.sub(r"\s+", "", line.text), count=1)


def _last_number(line: Line) -> int | None:
    found = _LAST_NUMBER.search(re.sub(r"\s+", "", line.text))
    return int(found.group()) if found else None


def _column(pages: Sequence[Page]) -> tuple[float, float]:
    """The text column's left and right edges: per page the leftmost start and the 90th
    percentile of the ends of single-cell lines (a title across two columns does not count),
    then the median over pages (one odd page does not move it)."""
    lefts, rights = [], []
    for page in pages:
        body = [line for line in page.lines if not line.row]
        if body:
            ends = sorted(line.x1 for line in body)
            lefts.append(min(line.x0 for line in body))
            rights.append(ends[int(0.9 * (len(ends) - 1))])
    if not lefts:
        return 0.0, 0.0
    return statistics.median(lefts), statistics.median(rights)


def _usual_gap(lines: Sequence[Line]) -> float:
    """The median empty space between consecutive lines of a page."""
    gaps = [b.top - a.bottom for a, b in itertools.pairwise(lines) if b.top > a.bottom]
    return statistics.median(gaps) if gaps else 0.0
