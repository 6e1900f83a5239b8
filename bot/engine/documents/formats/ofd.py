"""OFD files (GB/T 33190, the Chinese fixed-layout format many government offices issue):
a zip of XML, read with the standard library after the zip guard.

OFD.xml names the document (DocBody/DocRoot); Document.xml lists the pages (Pages/Page
BaseLoc); each page's Content.xml draws TextObjects (Boundary "x y w h" in mm, Size, an
optional CTM) holding TextCodes (X, Y of the baseline, DeltaX advances, "g N d" meaning N
times d). Every character becomes a span for layout.py, as PDF characters do. Template
pages (letterheads, running footers) are not read.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile

from bot.engine.documents.formats.layout import Page, Span, blocks_of, drop_running, lines_of
from bot.engine.documents.formats.model import DocumentError, Extracted, Limits, Progress
from bot.engine.documents.formats.zipguard import open_checked, read_member


def read_ofd(name: str, data: bytes, limits: Limits, progress: Progress | None = None) -> Extracted:
    """The blocks of an OFD document, each with its page."""
    with open_checked(name, data, limits) as archive:
        root = _xml(name, archive, "OFD.xml", limits)
        doc_root = _first_text(root, "DocRoot")
        if not doc_root:
            raise DocumentError("corrupt", name=name, detail="OFD.xml names no DocRoot")
        doc_path = _resolve("", doc_root)
        document = _xml(name, archive, doc_path, limits)
        locations = [el.get("BaseLoc", "") for el in document.iter() if _local(el.tag) == "Page"]
        locations = [loc for loc in locations if loc]
        if len(locations) > limits.max_pages:
            raise DocumentError("too_many_pages", name=name, pages=len(locations), limit=limits.max_pages)
        pages = []
        base = posixpath.dirname(doc_path)
        for number, location in enumerate(locations, start=1):
            content = _xml(name, archive, _resolve(base, location), limits)
            try:
                spans = _spans(content)
            except ValueError as exc:
                raise DocumentError("corrupt", name=name, detail=f"bad number in page {number}") from exc
            pages.append(Page(number, lines_of(spans)))
            if progress:
                progress("pages", number, len(locations))
    blocks = tuple(blocks_of(drop_running(pages)))
    if not blocks:
        raise DocumentError("no_text", name=name, pages=len(pages))
    return Extracted(blocks, len(pages), "ofd")


def _spans(page: ET.Element) -> list[Span]:
    spans = []
    for obj in page.iter():
        if _local(obj.tag) != "TextObject":
            continue
        bx, by = [*_numbers(obj.get("Boundary", "")), 0.0, 0.0][:2]
        size = float(obj.get("Size") or 3.5)
        ctm = _numbers(obj.get("CTM", ""))
        a, b, c, d, e, f = ctm if len(ctm) == 6 else [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        for code in obj:
            if _local(code.tag) != "TextCode" or not code.text:
                continue
            x = float(code.get("X") or 0)
            y = float(code.get("Y") or 0)
            deltas = _deltas(code.get("DeltaX", ""))
            for i, char in enumerate(code.text):
                advance = deltas[i] if i < len(deltas) else size
                if not char.isspace():
                    px, py = a * x + c * y + e, b * x + d * y + f
                    height = size * abs(d or 1.0)
                    width = advance * abs(a or 1.0)
                    left, base = bx + px, by + py
                    spans.append(Span(char, left, base - height, left + width, base + 0.2 * height))
                x += advance
    return spans


def _deltas(text: str) -> list[float]:
    """DeltaX "3 g 3 2.5 4" → [3, 2.5, 2.5, 2.5, 4]."""
    out: list[float] = []
    tokens = text.split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out.extend([float(tokens[i + 2])] * int(float(tokens[i + 1])))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return out


def _xml(name: str, archive: zipfile.ZipFile, member: str, limits: Limits) -> ET.Element:
    data = read_member(name, archive, member, limits)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise DocumentError("corrupt", name=name, detail=f"{member} is not well-formed XML") from exc


def _resolve(base: str, location: str) -> str:
    """A member path from a location relative to ``base`` or absolute ("/Doc_0/...")."""
    location = location.strip()
    path = location.lstrip("/") if location.startswith("/") else posixpath.join(base, location)
    return posixpath.normpath(path)


def _first_text(root: ET.Element, local: str) -> str:
    for el in root.iter():
        if _local(el.tag) == local and el.text:
            return el.text.strip()
    return ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _numbers(text: str) -> list[float]:
    return [float(t) for t in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text)]
