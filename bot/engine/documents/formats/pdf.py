"""PDF files, read with PDFium (pypdfium2, Apache-2.0/BSD): the text layer where a page
has one and it can be trusted, OCR (ocr.py) on the others: pages that are only a scanned
picture, pages whose text is glyph soup (a broken font map: textlayer.py), and scans whose
text layer is invisible (someone else's OCR, often wrong: 天健会菱箩务所 for 天健会计师事务所).
A page OCR cannot read either is left out, never indexed as soup; a document left with no
text is refused ("garbled" when soup was all it had). A scan under an invisible layer is
re-read only within the OCR budget (max_ocr_pages): past it, its hidden layer is kept, as
it is where our OCR reads nothing.

Every character comes with its box; layout.py turns boxes into lines, drops running
headers and page numbers and joins lines into paragraphs. The page count is checked
before any page is parsed; a page the file lists but cannot produce ends the document
there (a count that lies), and a file with no page at all is corrupt. PDFium is not
thread-safe, so every call into it holds PDFIUM (the lead's other PDFium users must too).
"""

from __future__ import annotations

import threading
from typing import Any

from bot.engine.documents.formats.layout import Line, Page, Span, blocks_of, drop_running, lines_of
from bot.engine.documents.formats.model import DocumentError, Extracted, Limits, Progress
from bot.engine.documents.formats.textlayer import is_soup

MIN_TEXT_CHARS = 10  # a page with fewer characters in its text layer, and a picture, is a scan
INVISIBLE_SHARE = 0.5  # a page with a picture and this share of its text objects invisible is a scan
TEXT, SCAN, SOUP, HIDDEN = "text", "scan", "soup", "hidden"  # what a page is (_read_page)
# PDFium is not thread-safe: every call into it, from any thread, holds this lock
PDFIUM = threading.Lock()


def read_pdf(name: str, data: bytes, limits: Limits, progress: Progress | None = None) -> Extracted:
    """The blocks of a PDF, each with its page; kind "pdf-ocr" when a page needed OCR."""
    with PDFIUM:
        pdf = _open(name, data)
    try:
        with PDFIUM:
            count = len(pdf)
        if count > limits.max_pages:
            raise DocumentError("too_many_pages", name=name, pages=count, limit=limits.max_pages)
        pages: list[Page] = []
        scanned: list[int] = []  # pages that must be OCRed: no text layer, or soup
        hidden: list[int] = []  # scans under an invisible text layer: OCRed when the budget allows
        soup: set[int] = set()
        for index in range(count):
            with PDFIUM:
                read = _read_page(pdf, index)
            if read is None:
                break  # the file promised more pages than it has
            spans, kind, rules = read
            if kind in (SCAN, SOUP):
                scanned.append(index)
            if kind == SOUP:
                soup.add(index)
            if kind == HIDDEN:
                hidden.append(index)
            pages.append(Page(index + 1, lines_of(spans, rules)))
            if progress:
                progress("pages", index + 1, count)
        if not pages:
            raise DocumentError("corrupt", name=name, detail="no page can be read")
        if len(scanned) > limits.max_ocr_pages:
            raise DocumentError(
                "too_many_scanned_pages", name=name, pages=len(scanned), limit=limits.max_ocr_pages
            )
        if len(scanned) + len(hidden) <= limits.max_ocr_pages:  # else their hidden layers are kept
            scanned = sorted(scanned + hidden)
        for done, index in enumerate(scanned, start=1):
            lines = _ocr_lines(pdf, index, limits.ocr_scale)
            if is_soup("".join(line.text for line in lines)):
                lines = ()
            if lines or index not in hidden:  # OCR that reads nothing leaves a hidden layer as it was
                pages[index] = Page(index + 1, lines)
            if progress:
                progress("ocr", done, len(scanned))
    finally:
        with PDFIUM:
            pdf.close()
    blocks = tuple(blocks_of(drop_running(pages)))
    if not blocks:
        reason = "garbled" if soup else "no_text"
        raise DocumentError(reason, name=name, pages=len(pages))
    return Extracted(blocks, len(pages), "pdf-ocr" if scanned else "pdf")


def _read_page(pdf: Any, index: int) -> tuple[list[Span], str, list[Span]] | None:
    """The character spans of page ``index`` and what the page is: SOUP (its text maps to no
    real characters, or to glyph soup), SCAN (a picture and next to no text), HIDDEN (a
    picture under an invisible text layer) or TEXT; None when it cannot load."""
    import pypdfium2 as pdfium

    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return None
    try:
        spans, unmapped = _spans(page)
        rules = _rules(page)
        soup = bool(spans) and is_soup("".join(s.text for s in spans))
        if soup or (len(spans) < MIN_TEXT_CHARS and unmapped >= MIN_TEXT_CHARS):
            return spans, SOUP, rules
        if not _has_picture(page):
            return spans, TEXT, rules
        if len(spans) < MIN_TEXT_CHARS:
            return spans, SCAN, rules
        return spans, HIDDEN if _invisible_share(page) >= INVISIBLE_SHARE else TEXT, rules
    finally:
        page.close()


def _open(name: str, data: bytes) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentError("encrypted", name=name) from exc
        raise DocumentError("corrupt", name=name, detail=str(exc)) from exc


def _spans(page: Any) -> tuple[list[Span], int]:
    """One span per visible character, with its loose (font-sized) box, y flipped downwards;
    and the number of garbled characters (private-use or replacement: a font without a
    Unicode map), which are left out."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        rect = pdfium_c.FS_RECTF()
        spans = []
        garbled = 0
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
            if not 0 <= code <= 0x10FFFF:  # a broken map can give any 32-bit number: no character
                garbled += 1
                continue
            char = chr(code)
            if 0xE000 <= code < 0xF900 or code == 0xFFFD:
                garbled += 1
                continue
            if code < 0x20 or code in (0xFFFE, 0xFFFF) or char.isspace():
                continue
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect):
                continue
            spans.append(Span(char, rect.left, -rect.top, rect.right, -rect.bottom))
        return spans, garbled
    finally:
        textpage.close()


def _invisible_share(page: Any) -> float:
    """The share of the page's text objects drawn invisibly (render mode 3: a hidden OCR layer)."""
    import pypdfium2.raw as pdfium_c

    texts = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=3))
    if not texts:
        return 0.0
    hidden = sum(1 for t in texts if pdfium_c.FPDFTextObj_GetTextRenderMode(t.raw)
                 == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
    return hidden / len(texts)


def _rules(page: Any) -> list[Span]:
    """The boxes of the paths the page draws (a table's rules), y flipped downwards."""
    import pypdfium2.raw as pdfium_c

    boxes = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        boxes.append(Span("", left, -top, right, -bottom))
    return boxes


def _has_picture(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))


def _ocr_lines(pdf: Any, index: int, scale: float) -> tuple[Line, ...]:
    """The lines OCR reads on page ``index``, in PDF units like the text-layer pages.
    (Pixel rows count down from the top as the flipped text layer does, so the two agree.)
    Only the rendering holds the PDFium lock; recognition runs without it."""
    from bot.engine.documents.formats.ocr import read_image

    with PDFIUM:
        page = pdf[index]
        try:
            image = page.render(scale=scale).to_numpy().copy()  # the bitmap's buffer goes with it
        finally:
            page.close()
    return lines_of(read_image(image, scale))
