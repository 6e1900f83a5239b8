"""PDF files, read with PDFium (pypdfium2, Apache-2.0/BSD): the text layer where a page
has one, OCR (ocr.py) on the pages that are only a scanned picture.

Every character comes with its box; layout.py turns boxes into lines, drops running
headers and page numbers and joins lines into paragraphs. The page count is checked
before any page is parsed; a page the file lists but cannot produce ends the document
there (a count that lies), and a file with no page at all is corrupt.
"""

from __future__ import annotations

from typing import Any

from bot.engine.documents.formats.layout import Line, Page, Span, blocks_of, drop_running, lines_of
from bot.engine.documents.formats.model import DocumentError, Extracted, Limits, Progress

MIN_TEXT_CHARS = 10  # a page with fewer characters in its text layer, and a picture, is a scan


def read_pdf(name: str, data: bytes, limits: Limits, progress: Progress | None = None) -> Extracted:
    """The blocks of a PDF, each with its page; kind "pdf-ocr" when a page needed OCR."""
    import pypdfium2 as pdfium

    pdf = _open(name, data)
    try:
        count = len(pdf)
        if count > limits.max_pages:
            raise DocumentError("too_many_pages", name=name, pages=count, limit=limits.max_pages)
        pages: list[Page] = []
        scanned: list[int] = []
        for index in range(count):
            try:
                page = pdf[index]
            except pdfium.PdfiumError:
                break  # the file promised more pages than it has
            try:
                spans = _spans(page)
                if len(spans) < MIN_TEXT_CHARS and _has_picture(page):
                    scanned.append(index)
                pages.append(Page(index + 1, lines_of(spans)))
            finally:
                page.close()
            if progress:
                progress("pages", index + 1, count)
        if not pages:
            raise DocumentError("corrupt", name=name, detail="no page can be read")
        if len(scanned) > limits.max_ocr_pages:
            raise DocumentError(
                "too_many_scanned_pages", name=name, pages=len(scanned), limit=limits.max_ocr_pages
            )
        for done, index in enumerate(scanned, start=1):
            pages[index] = Page(index + 1, _ocr_lines(pdf, index, limits.ocr_scale))
            if progress:
                progress("ocr", done, len(scanned))
    finally:
        pdf.close()
    blocks = tuple(blocks_of(drop_running(pages)))
    if not blocks:
        raise DocumentError("no_text", name=name, pages=len(pages))
    return Extracted(blocks, len(pages), "pdf-ocr" if scanned else "pdf")


def _open(name: str, data: bytes) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentError("encrypted", name=name) from exc
        raise DocumentError("corrupt", name=name, detail=str(exc)) from exc


def _spans(page: Any) -> list[Span]:
    """One span per visible character, with its loose (font-sized) box; y flipped downwards."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        rect = pdfium_c.FS_RECTF()
        spans = []
        pending_high = 0
        for index in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(raw, index)
            if 0xD800 <= code < 0xDC00:  # a character outside the BMP comes in two halves
                pending_high = code
                continue
            if 0xDC00 <= code < 0xE000:
                if not pending_high:
                    continue
                code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
                pending_high = 0
            char = chr(code)
            if code < 0x20 or code in (0xFFFE, 0xFFFF) or char.isspace():
                continue
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect):
                continue
            spans.append(Span(char, rect.left, -rect.top, rect.right, -rect.bottom))
        return spans
    finally:
        textpage.close()


def _has_picture(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))


def _ocr_lines(pdf: Any, index: int, scale: float) -> tuple[Line, ...]:
    """The lines OCR reads on page ``index``, in PDF units like the text-layer pages.
    (Pixel rows count down from the top as the flipped text layer does, so the two agree.)"""
    from bot.engine.documents.formats.ocr import read_image

    page = pdf[index]
    try:
        bitmap = page.render(scale=scale)
        spans = read_image(bitmap.to_numpy(), scale)
    finally:
        page.close()
    return lines_of(spans)
