"""Word .docx files: paragraphs and tables in the order they appear, read with python-docx
only after the zip guard proved the archive unpacks within the limits."""

from __future__ import annotations

import io
from typing import Any

from bot.engine.documents.formats.model import Block, DocumentError, Extracted, Limits
from bot.engine.documents.formats.zipguard import open_checked


def read_docx(name: str, data: bytes, limits: Limits) -> Extracted:
    """The blocks of a .docx: one per non-empty paragraph, one per table (rows "a | b")."""
    import docx

    open_checked(name, data, limits).close()
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for damaged files
        raise DocumentError("corrupt", name=name, detail="not a valid .docx") from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        text = _table_text(item) if hasattr(item, "rows") else item.text.strip()
        if text:
            blocks.append(Block(text))
    if not blocks:
        raise DocumentError("no_text", name=name, pages=None)
    return Extracted(tuple(blocks), None, "docx")


def _table_text(table: Any) -> str:
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
            rows.append(" | ".join(cells))
    return "\n".join(rows)
