"""Word .docx files: paragraphs and tables in the order they appear, read with python-docx
only after the zip guard proved the archive unpacks within the limits. A paragraph with an
outline level (w:outlineLvl 0-8, set on it or on its style: Word's headings, and a 标准's
章标题/条标题) is a heading block of that depth."""

from __future__ import annotations

import io
from typing import Any

from bot.engine.documents.formats.model import HEADING, ROW, Block, DocumentError, Extracted, Limits
from bot.engine.documents.formats.zipguard import open_checked


def read_docx(name: str, data: bytes, limits: Limits) -> Extracted:
    """The blocks of a .docx: one per non-empty paragraph, one per table row (its cells
    joined by a space: the row header stays with its values, as layout.py reads a PDF's)."""
    import docx

    open_checked(name, data, limits).close()
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for damaged files
        raise DocumentError("corrupt", name=name, detail="not a valid .docx") from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            blocks.extend(Block(row, role=ROW) for row in _table_rows(item))
            continue
        text = item.text.strip()
        level = _outline_level(item) if text else None
        if text:
            blocks.append(Block(text, role=HEADING, depth=level + 1) if level is not None else Block(text))
    blocks = [b for b in blocks if b.text]
    if not blocks:
        raise DocumentError("no_text", name=name, pages=None)
    return Extracted(tuple(blocks), None, "docx")


BODY_LEVEL = 9  # w:outlineLvl 9 is body text; 0-8 are the outline's levels


def _outline_level(paragraph: Any) -> int | None:
    """The paragraph's outline level (0 = top), its own or its style's (styles inherit)."""
    from docx.oxml.ns import qn

    found = paragraph._p.pPr
    style = paragraph.style
    for _ in range(20):  # a style chain is short; a loop in a damaged file is not followed
        level = None if found is None else found.find(qn("w:outlineLvl"))
        if level is not None:
            value = int(level.get(qn("w:val"), BODY_LEVEL))
            return value if value < BODY_LEVEL else None
        if style is None:
            return None
        found, style = style.element.pPr, style.base_style
    return None


def _table_rows(table: Any) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:  # a merged cell comes back once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" ".join(c for c in cells if c))
    return rows
