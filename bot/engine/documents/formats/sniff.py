"""Which reader a file goes to: its extension, checked against its first bytes.

A file whose extension lies (a PDF named .txt, a zip named .pdf, a .docx that is not a
Word document) is refused as "mismatch" rather than read as garbage.
"""

from __future__ import annotations

import io
import re
import zipfile

from bot.engine.documents.formats.model import DocumentError

# extension → format key; one home for the extensions the readers accept
FORMATS = {
    ".txt": "text",
    ".md": "markdown",
    ".docx": "docx",
    ".pdf": "pdf",
    ".ofd": "ofd",
    ".html": "html",
    ".htm": "html",
    ".doc": "doc",  # the legacy formats, converted by LibreOffice (legacy.py)
    ".wps": "wps",
    ".rtf": "rtf",
}
SUPPORTED = tuple(FORMATS)

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .doc, .wps, .xls …
_RTF_MAGIC = b"{\\rtf"
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)
_ANY_TAG = re.compile(rb"<(p|div|body|table|span|h[1-6])\b", re.I)  # a page saved without <html>
_ZIP_MEMBER = {"docx": "word/document.xml", "ofd": "OFD.xml"}
# what a legacy file may hold: Word and WPS save .doc as a compound file, or RTF, or a web
# page (Word's "save as web page" named .doc); LibreOffice reads them all
_LEGACY = {"doc": {"ole", "rtf", "html"}, "wps": {"ole", "rtf"}, "rtf": {"rtf"}}


def suffix_of(name: str) -> str:
    """The lower-case extension of ``name`` ("" when none)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def content_of(data: bytes) -> str:
    """What the first bytes say the file is: "pdf", "zip", "ole", "rtf", "html" or "text"."""
    head = data[:1024]
    if _PDF_MAGIC in head:  # readers accept a little junk before the header, as Acrobat does
        return "pdf"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_RTF_MAGIC):
        return "rtf"
    probe = head.lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(probe) or _HTML_START.match(_ascii_of_utf16(probe)):
        return "html"
    return "text"


def format_of(name: str, data: bytes) -> str:
    """The format key for ``name``; DocumentError "unsupported" or "mismatch" when the
    extension is unknown or disagrees with the content."""
    suffix = suffix_of(name)
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise DocumentError("unsupported", name=name, suffix=suffix, supported=SUPPORTED)
    content = content_of(data)
    expected = {"pdf": "pdf", "docx": "zip", "ofd": "zip"}.get(fmt)
    if expected is not None and content != expected:
        raise DocumentError("mismatch", name=name, suffix=suffix, content=content)
    if fmt in _LEGACY and content not in _LEGACY[fmt]:
        raise DocumentError("mismatch", name=name, suffix=suffix, content=content)
    if fmt == "html" and content != "html" and (content != "text" or not _ANY_TAG.search(data[:4096])):
        raise DocumentError("mismatch", name=name, suffix=suffix, content=content)
    if fmt in ("text", "markdown") and content != "text":  # a PDF, zip or web page renamed
        raise DocumentError("mismatch", name=name, suffix=suffix, content=content)
    member = _ZIP_MEMBER.get(fmt)
    if member is not None and member not in _zip_names(name, data):
        raise DocumentError("mismatch", name=name, suffix=suffix, content="zip")
    return fmt


def _zip_names(name: str, data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("corrupt", name=name, detail="not a readable zip archive") from exc


def _ascii_of_utf16(head: bytes) -> bytes:
    """The ASCII bytes of a UTF-16 head (BOM or not), so "<html" is seen there too."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head[2:]
    return head.replace(b"\x00", b"")
