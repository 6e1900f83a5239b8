"""What an OFD page draws, as character spans in page millimetres (GB/T 33190 §9–§11).

A page's content (and a template's, and an annotation's appearance) is layers and page
blocks of graphic objects. A TextObject draws TextCodes (X, Y of the baseline in the
object's own space, DeltaX advances, "g N d" meaning N times d), its CTM maps that space
into the object's Boundary, whose origin sits at Boundary x y in the parent's space. A
CompositeObject draws a CompositeGraphicUnit kept in the document's resources
(DocumentRes.xml, PublicRes.xml) through its own CTM and Boundary, so text can live there
and not in the page. Transforms compose all the way down; every character becomes a span
for layout.py, as PDF characters do; the boxes of its paths (rules_of) are the rules of
a form's cells.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from bot.engine.documents.formats.layout import Span

Affine = tuple[float, float, float, float, float, float]  # x' = a x + c y + e, y' = b x + d y + f
IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_DEPTH = 8  # composite units drawing composite units: deeper than this is a loop
DEFAULT_SIZE = 3.5  # mm: a TextObject without Size (the standard requires one)


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def numbers(text: str) -> list[float]:
    """The numbers in an attribute such as Boundary "x y w h" or CTM "a b c d e f"."""
    return [float(t) for t in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text)]


def then(outer: Affine, inner: Affine) -> Affine:
    """The transform applying ``inner`` first, then ``outer``."""
    a, b, c, d, e, f = outer
    p, q, r, s, t, u = inner
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e, b * t + d * u + f)


def apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def spans_of(
    container: ET.Element, units: Mapping[str, ET.Element], where: Affine = IDENTITY, depth: int = 0
) -> list[Span]:
    """Every character ``container`` draws, through ``where`` into page space; ``units``
    are the document's CompositeGraphicUnits by ID."""
    spans: list[Span] = []
    for child in container:
        kind = local(child.tag)
        if kind == "TextObject":
            spans.extend(_text(child, where))
        elif kind == "CompositeObject":
            unit = units.get(child.get("ResourceID", ""))
            if unit is not None and depth < MAX_DEPTH:
                for content in (c for c in unit if local(c.tag) == "Content"):
                    spans.extend(spans_of(content, units, _placed(child, where), depth + 1))
        elif kind in ("Layer", "PageBlock", "Content"):
            spans.extend(spans_of(child, units, where, depth))
    return spans


def rules_of(container: ET.Element, where: Affine = IDENTITY) -> list[Span]:
    """The boxes of the paths ``container`` draws (a form's rules, a table's grid), from
    their Boundary through ``where``; cells.py keeps the thin ones."""
    boxes: list[Span] = []
    for child in container:
        kind = local(child.tag)
        if kind == "PathObject":
            box = [*numbers(child.get("Boundary", "")), 0.0, 0.0, 0.0, 0.0][:4]
            x0, y0 = apply(where, box[0], box[1])
            x1, y1 = apply(where, box[0] + box[2], box[1] + box[3])
            boxes.append(Span("", min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
        elif kind in ("Layer", "PageBlock", "Content"):
            boxes.extend(rules_of(child, where))
    return boxes


def _placed(obj: ET.Element, where: Affine) -> Affine:
    """``where`` after an object's Boundary origin and CTM."""
    bx, by = [*numbers(obj.get("Boundary", "")), 0.0, 0.0][:2]
    ctm = numbers(obj.get("CTM", ""))
    inner: Affine = (ctm[0], ctm[1], ctm[2], ctm[3], ctm[4], ctm[5]) if len(ctm) == 6 else IDENTITY
    return then(then(where, (1.0, 0.0, 0.0, 1.0, bx, by)), inner)


def _text(obj: ET.Element, where: Affine) -> list[Span]:
    m = _placed(obj, where)
    size = float(obj.get("Size") or DEFAULT_SIZE)
    height = size * (abs(m[3]) or abs(m[1]) or 1.0)
    scale_x = abs(m[0]) or abs(m[2]) or 1.0
    spans = []
    for code in obj:
        if local(code.tag) != "TextCode" or not code.text:
            continue
        x = float(code.get("X") or 0)
        y = float(code.get("Y") or 0)
        deltas = _deltas(code.get("DeltaX", ""))
        for i, char in enumerate(code.text):
            advance = deltas[i] if i < len(deltas) else size
            if not char.isspace():
                left, base = apply(m, x, y)
                spans.append(Span(char, left, base - height, left + advance * scale_x, base + 0.2 * height))
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
