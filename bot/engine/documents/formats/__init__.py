"""Documents in the formats people send (text, Markdown, Word — .docx, and .doc/.wps/.rtf
through LibreOffice —, PDF with or without a text layer, OFD, saved web pages) as
paragraph blocks, safely.

``extract(name, data)`` is the one entry point: it checks the size, matches the extension
against the content, and hands the bytes to the format's reader. Everything a reader
refuses comes out as DocumentError with a machine ``reason``; so does any other error a
parser raises on a damaged file ("corrupt", the original chained for the log). A block of
glyph soup (textlayer.py) is never returned.
"""

from __future__ import annotations

from bot.engine.documents.formats.model import (
    REASONS,
    Block,
    DocumentError,
    Extracted,
    Limits,
    Progress,
)
from bot.engine.documents.formats.sniff import SUPPORTED, format_of
from bot.engine.documents.formats.textlayer import is_soup

__all__ = [
    "DEFAULT_LIMITS", "REASONS", "SUPPORTED", "Block", "DocumentError", "Extracted", "Limits", "Progress",
    "extract",
]

DEFAULT_LIMITS = Limits()


def extract(
    name: str, data: bytes, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
) -> Extracted:
    """The blocks of the document ``name`` whose bytes are ``data``.

    ``progress(stage, done, total)`` hears of slow work: ("pages", n, total) as pages are
    read, ("ocr", n, scanned) as scanned pages are recognised.
    """
    if len(data) > limits.max_bytes:
        raise DocumentError("too_large", name=name, size=len(data), limit=limits.max_bytes)
    fmt = format_of(name, data)
    try:
        found = _read(fmt, name, data, limits, progress)
    except (DocumentError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a parser choking on a hostile or damaged file
        raise DocumentError("corrupt", name=name, detail=f"{type(exc).__name__}: {exc}") from exc
    return _without_soup(name, found)


def _without_soup(name: str, found: Extracted) -> Extracted:
    """``found`` without the blocks that are glyph soup (a font with no real map, in a format
    with nothing to re-read it by: OFD, Word); "garbled" when soup was most of its text (a
    few readable headings are no document)."""
    kept = tuple(b for b in found.blocks if not is_soup(b.text))
    if len(kept) == len(found.blocks):
        return found
    if 2 * sum(len(b.text) for b in kept) < sum(len(b.text) for b in found.blocks):
        raise DocumentError("garbled", name=name, pages=found.pages)
    return Extracted(kept, found.pages, found.kind)


def _read(fmt: str, name: str, data: bytes, limits: Limits, progress: Progress | None) -> Extracted:
    if fmt in ("text", "markdown"):
        from bot.engine.documents.formats.text import read_text

        return read_text(name, data, fmt)
    if fmt == "docx":
        from bot.engine.documents.formats.docx import read_docx

        return read_docx(name, data, limits)
    if fmt == "pdf":
        from bot.engine.documents.formats.pdf import read_pdf

        return read_pdf(name, data, limits, progress)
    if fmt in ("doc", "wps", "rtf"):
        from bot.engine.documents.formats.legacy import read_legacy

        return read_legacy(name, data, limits, fmt)
    if fmt == "ofd":
        from bot.engine.documents.formats.ofd import read_ofd

        return read_ofd(name, data, limits, progress)
    from bot.engine.documents.formats.html import read_html

    return read_html(name, data)
