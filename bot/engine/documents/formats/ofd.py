"""OFD files (GB/T 33190, the Chinese fixed-layout format many government offices issue):
a zip of XML, read with the standard library after the zip guard.

OFD.xml names the document (DocBody/DocRoot); Document.xml lists the pages (Pages/Page
BaseLoc), the template pages (CommonData/TemplatePage) and the resource files
(DocumentRes, PublicRes). A page draws its templates (a form's labels, a letterhead) in
their ZOrder, Background under its own content and Foreground over it, then its content;
what they draw is ofd_draw.py's. Annotations (Annots) are read apart, each a block of its
own after its page's text; stamps and signatures are seals, not text, and are left out.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile

from bot.engine.documents.formats.layout import Page, Span, blocks_of, drop_running, lines_of
from bot.engine.documents.formats.model import Block, DocumentError, Extracted, Limits, Progress
from bot.engine.documents.formats.ofd_draw import local, numbers, rules_of, spans_of
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
        base = posixpath.dirname(doc_path)
        pages_listed = [el for el in document.iter() if local(el.tag) == "Page" and el.get("BaseLoc")]
        if len(pages_listed) > limits.max_pages:
            raise DocumentError("too_many_pages", name=name, pages=len(pages_listed), limit=limits.max_pages)
        templates = {el.get("ID", ""): el.get("BaseLoc", "") for el in document.iter()
                     if local(el.tag) == "TemplatePage" and el.get("BaseLoc")}
        units = _units(name, archive, base, document, limits)
        notes = _annotations(name, archive, base, document, limits)
        pages, annotated = [], []
        for number, listed in enumerate(pages_listed, start=1):
            content = _xml(name, archive, _resolve(base, listed.get("BaseLoc", "")), limits)
            try:
                spans, rules = _page_spans(name, archive, base, content, templates, units, limits)
                note_spans = [spans_of(n, units) for n in notes.get(listed.get("ID", ""), [])]
            except ValueError as exc:
                raise DocumentError("corrupt", name=name, detail=f"bad number in page {number}") from exc
            pages.append(Page(number, lines_of(spans, rules)))
            annotated.append([Page(number, lines_of(n)) for n in note_spans if n])
            if progress:
                progress("pages", number, len(pages_listed))
    blocks = _with_runs(drop_running(pages), annotated)
    if not blocks:
        raise DocumentError("no_text", name=name, pages=len(pages))
    return Extracted(tuple(blocks), len(pages), "ofd")


def _with_runs(pages: list[Page], annotated: list[list[Page]]) -> list[Block]:
    """The pages' blocks (a paragraph may run on across a page break), each page's
    annotations as blocks of their own after the blocks that start on it."""
    text = blocks_of(pages)
    out: list[Block] = []
    for page, page_notes in zip(pages, annotated, strict=True):
        out.extend(b for b in text if b.page == page.number)
        out.extend(b for note in page_notes for b in blocks_of([note]))
    return out


def _page_spans(
    name: str, archive: zipfile.ZipFile, base: str, content: ET.Element, templates: dict[str, str],
    units: dict[str, ET.Element], limits: Limits,
) -> tuple[list[Span], list[Span]]:
    """The characters of a page (background templates, its content, foreground templates)
    and the boxes of the paths they draw."""
    below: list[Span] = []
    above: list[Span] = []
    rules = rules_of(_content(content))
    for used in (el for el in content if local(el.tag) == "Template"):
        location = templates.get(used.get("TemplateID", ""))
        if not location:
            continue
        template = _xml(name, archive, _resolve(base, location), limits)
        drawn = spans_of(_content(template), units)
        rules += rules_of(_content(template))
        (above if used.get("ZOrder") == "Foreground" else below).extend(drawn)
    return [*below, *spans_of(_content(content), units), *above], rules


def _content(page: ET.Element) -> ET.Element:
    return next((el for el in page if local(el.tag) == "Content"), ET.Element("Content"))


def _units(
    name: str, archive: zipfile.ZipFile, base: str, document: ET.Element, limits: Limits
) -> dict[str, ET.Element]:
    """The CompositeGraphicUnits of the document's resource files, by ID."""
    units: dict[str, ET.Element] = {}
    for el in document.iter():
        if local(el.tag) not in ("DocumentRes", "PublicRes") or not (el.text or "").strip():
            continue
        member = _resolve(base, el.text or "")
        if member not in archive.namelist():
            continue
        for unit in _xml(name, archive, member, limits).iter():
            if local(unit.tag) == "CompositeGraphicUnit" and unit.get("ID"):
                units[unit.get("ID", "")] = unit
    return units


def _annotations(
    name: str, archive: zipfile.ZipFile, base: str, document: ET.Element, limits: Limits
) -> dict[str, list[ET.Element]]:
    """Each page's annotation appearances by page ID, placed on the page; stamps (seals)
    are left out."""
    index = next((el.text.strip() for el in document if local(el.tag) == "Annotations" and el.text), "")
    if not index or _resolve(base, index) not in archive.namelist():
        return {}
    listing = _xml(name, archive, _resolve(base, index), limits)
    folder = posixpath.dirname(_resolve(base, index))
    found: dict[str, list[ET.Element]] = {}
    for page in (el for el in listing.iter() if local(el.tag) == "Page"):
        location = _first_text(page, "FileLoc")
        member = _resolve(folder, location) if location else ""
        if member not in archive.namelist():
            continue
        for annot in (el for el in _xml(name, archive, member, limits).iter() if local(el.tag) == "Annot"):
            if annot.get("Type") == "Stamp" and annot.get("Subtype", "Stamp") == "Stamp":
                continue
            for appearance in (el for el in annot if local(el.tag) == "Appearance"):
                bx, by = [*numbers(appearance.get("Boundary", "")), 0.0, 0.0][:2]
                found.setdefault(page.get("PageID", ""), []).append(_shifted(appearance, bx, by))
    return found


def _shifted(content: ET.Element, x: float, y: float) -> ET.Element:
    """The objects of an annotation's appearance moved by its Boundary origin (x, y) onto
    the page (a container has no transform of its own)."""
    holder = ET.Element("Content")
    for obj in content.iter():
        if local(obj.tag) in ("TextObject", "CompositeObject"):
            moved = ET.SubElement(holder, obj.tag, dict(obj.attrib))
            moved.extend(list(obj))
            box = [*numbers(obj.get("Boundary", "")), 0.0, 0.0, 0.0, 0.0][:4]
            moved.set("Boundary", f"{box[0] + x} {box[1] + y} {box[2]} {box[3]}")
    return holder


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


def _first_text(root: ET.Element, name: str) -> str:
    for el in root.iter():
        if local(el.tag) == name and el.text:
            return el.text.strip()
    return ""
