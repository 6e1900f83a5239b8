"""What every format reader returns and refuses with, in one place.

Readers return ``Extracted`` (paragraph-level blocks, each with its page when the format
has pages) and refuse with ``DocumentError``, whose ``reason`` is a machine key and whose
``values`` fill in a message the transport writes in the user's own language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# progress(stage, done, total): e.g. ("ocr", 3, 12) after the third of twelve scanned pages.
Progress = Callable[[str, int, int], None]

# The reasons a document is refused; each transport has one text per key.
REASONS = frozenset(
    {
        "too_large",  # name, size, limit: over Limits.max_bytes
        "too_many_pages",  # name, pages, limit: over Limits.max_pages
        "too_many_scanned_pages",  # name, pages, limit: more pages need OCR than Limits.max_ocr_pages
        "encrypted",  # name: a password is needed to open it
        "corrupt",  # name, detail: the file is damaged or truncated
        "zip_bomb",  # name, size, limit: a .docx/.ofd that unpacks past Limits.max_unpacked_bytes
        "no_text",  # name, pages: nothing readable (empty, or scans where OCR found nothing)
        "garbled",  # name, pages: a text layer of glyph soup (broken font maps) that OCR cannot read either
        "no_converter",  # name, suffix: an old Word/WPS/RTF file and no LibreOffice (soffice) to convert it
        "mismatch",  # name, suffix, content: the extension says one format, the bytes another
        "unsupported",  # name, suffix, supported: a format no reader handles
        "encoding",  # name: text in no encoding we can recognise (UTF-8/16, GB18030)
    }
)


class DocumentError(ValueError):
    """A document cannot be read: ``reason`` (one of REASONS) and ``values`` for the message.

    ``str()`` gives the key and values for logs; users see the transport's own text.
    """

    def __init__(self, reason: str, **values: object) -> None:
        """Remember the reason key and the values that fill in its message."""
        if reason not in REASONS:
            raise ValueError(f"unknown DocumentError reason {reason!r}; add it to REASONS")
        detail = ", ".join(f"{k}={v!r}" for k, v in sorted(values.items()))
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.values = values


# Block.role: what a block is besides body text. A title or heading is counted (¶n) but
# never served as an answer; it names the document or opens a level of its outline. A ROW
# (of a table or a form) is served, but is never taken for the title ("公文标题 关于…的通知").
TITLE, HEADING, ROW = "title", "heading", "row"


@dataclass(frozen=True)
class Block:
    """One paragraph-level block of text as a reader sees it (a table row is one, its
    cells joined by a space; a saved web page keeps a table's rows "cell | cell");
    ``role`` TITLE or HEADING when the format marks it so (a Markdown "#" line, a Word
    heading style), ``depth`` its heading level (1 = "#")."""

    text: str
    page: int | None = None  # 1-based page for paged formats (PDF, OFD)
    role: str = ""
    depth: int = 0


@dataclass(frozen=True)
class Extracted:
    """The blocks of a document in reading order, its page count, and how it was read:
    "text", "markdown", "docx", "pdf", "pdf-ocr" (some pages OCRed), "ofd", "html", or
    "doc", "wps", "rtf" (converted by LibreOffice)."""

    blocks: tuple[Block, ...]
    pages: int | None
    kind: str


@dataclass(frozen=True)
class Limits:
    """How much one document may cost to read; the defaults suit a Telegram upload."""

    max_bytes: int = 20 * 1024 * 1024  # Telegram bots may download files up to 20 MB
    max_pages: int = 2000
    max_unpacked_bytes: int = 50 * 1024 * 1024  # all members of a .docx/.ofd zip together
    max_zip_members: int = 10_000
    max_ocr_pages: int = 100  # at ~2 s a page on one core: ~3 minutes
    ocr_scale: float = 2.0  # render scale for OCR (144 dpi): A4 is 1190 x 1684 px; 2.4 cost +35% RSS
