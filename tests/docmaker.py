"""Test documents made on the spot: Chinese PDFs with running headers and tables, scanned
pages, encrypted and broken PDFs, OFD, .docx (and a .docx zip bomb), web pages.

No binary fixture is stored or fetched: each maker draws its document from text, so a test
says what the document contains. The format tests use them, and so can later tests
(Telegram uploads). The one font file needed (for scanned pages) is found by font_path().
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CJK_FONT_FILES = ("wqy-zenhei.ttc", "wqy-microhei.ttc", "NotoSansCJK-Regular.ttc")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
PDF_FONT = "STSong-Light"  # a reportlab built-in CID font: PDF readers supply the glyphs
A4 = (595.0, 842.0)


def font_path() -> Path:
    """The CJK TrueType font scanned pages are drawn with (Debian: fonts-wqy-zenhei)."""
    for folder in FONT_DIRS:
        for name in CJK_FONT_FILES:
            found = sorted(folder.rglob(name)) if folder.is_dir() else []
            if found:
                return found[0]
    raise FileNotFoundError(
        "no CJK font for drawing scanned pages; install it with "
        "`apt-get install fonts-wqy-zenhei` (make .venv/.installed does so as root)"
    )


@dataclass(frozen=True)
class Table:
    """A table for chinese_pdf: rows of cells, drawn in columns with ruling lines."""

    rows: tuple[tuple[str, ...], ...]


def chinese_pdf(
    items: Sequence[str | Table],
    *,
    header: str | None = "某某市人民政府办公厅文件",
    page_number: str | None = "第 {n} 页 共 {total} 页",
    size: float = 12.0,
    lines_per_page: int = 30,
    indent: bool = True,
    columns: int = 1,
) -> bytes:
    """A text-layer PDF: paragraphs wrapped to the column (first line indented two
    characters), flowing over pages; each page gets ``header`` on top and ``page_number``
    at the bottom ({n}, {total} filled in). Tables are drawn as aligned cells. With
    ``columns=2`` the text runs down the left column, then the right (a gazette page)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    left, right, top = 72.0, A4[0] - 72.0, A4[1] - 90.0
    gutter = 2 * size
    column_width = (right - left - gutter * (columns - 1)) / columns
    per_line = int(column_width // size)
    right = left + column_width
    pages: list[list[list[tuple[float, str]]]] = [[]]  # page → visual lines → (x, text)

    def put(line: list[tuple[float, str]]) -> None:
        if len(pages[-1]) >= lines_per_page * columns:
            pages.append([])
        pages[-1].append(line)

    for item in items:
        if isinstance(item, Table):
            width = (right - left) / max(len(r) for r in item.rows)
            for cells in item.rows:
                put([(left + col * width, cell) for col, cell in enumerate(cells)])
            continue
        first = per_line - 2 if indent else per_line
        put([(left + (per_line - first) * size, item[:first])])
        for start in range(first, len(item), per_line):
            put([(left, item[start : start + per_line])])
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(PDF_FONT, size)
        for slot, line in enumerate(lines):
            column, row = divmod(slot, lines_per_page)
            for x, text in line:
                pdf.drawString(x + column * (column_width + gutter), top - row * size * 1.6, text)
        pdf.setFont(PDF_FONT, 9)
        if header:
            pdf.drawCentredString(A4[0] / 2, A4[1] - 50, header)
        if page_number:
            pdf.drawCentredString(A4[0] / 2, 40, page_number.format(n=number, total=len(pages)))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scanned_pdf(pages: Sequence[Sequence[str]], *, dpi: int = 150, size_pt: float = 14.0) -> bytes:
    """An image-only PDF: each page is a picture of its lines, drawn with the CJK TTF font,
    as a scanner would deliver it (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 72.0
    font = ImageFont.truetype(str(font_path()), int(size_pt * scale))
    images = []
    for lines in pages:
        image = Image.new("L", (int(A4[0] * scale), int(A4[1] * scale)), 255)
        draw = ImageDraw.Draw(image)
        y = 80 * scale
        for line in lines:
            draw.text((72 * scale, y), line, font=font, fill=0)
            y += size_pt * 1.8 * scale
        images.append(image.convert("RGB"))
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def encrypted_pdf(password: str = "secret", owner_password: str = "") -> bytes:
    """A text PDF that opens only with ``password`` ("" opens it with restrictions only)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(chinese_pdf(["第一条 本办法自发布之日起施行。"]))))
    # RC4: pypdf does it alone (AES would need the cryptography package)
    owner = owner_password or password + "-owner"
    writer.encrypt(user_password=password, owner_password=owner, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_page_count(pdf: bytes, count: int) -> bytes:
    """``pdf`` with its page tree claiming ``count`` pages (a count that lies)."""
    import re

    return re.sub(rb"/Count \d+", b"/Count %d" % count, pdf, count=1)


def docx(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    """A Word document: the paragraphs, then the table when given."""
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, cells in enumerate(table):
            for c, cell in enumerate(cells):
                grid.cell(r, c).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb(unpacked: int = 180 * 1024 * 1024, *, lie: bool = False) -> bytes:
    """A small .docx whose word/document.xml unpacks to ``unpacked`` bytes; with ``lie``
    the archive declares the member 1 KB (the sizes in the header cannot be trusted)."""
    source = zipfile.ZipFile(io.BytesIO(docx(["正文"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, source.read(info))
        with out.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            for _ in range(unpacked // len(chunk)):
                member.write(chunk)
            member.write(b"</w:body></w:document>")
    data = buffer.getvalue()
    if lie:
        data = _declare_size(data, "word/document.xml", 1024)
    return data


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with the central directory's uncompressed size of ``member`` set to ``size``."""
    import struct

    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(member)
    out = bytearray(data)
    start = -1
    name = member.encode()
    position = data.find(b"PK\x01\x02", 0)
    while position != -1:
        name_len = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_len] == name:
            start = position
            break
        position = data.find(b"PK\x01\x02", position + 4)
    extra_len = struct.unpack_from("<H", data, start + 30)[0]
    if info.file_size >= 0xFFFFFFFF or extra_len:  # zip64: the real size sits in the extra field
        extra = start + 46 + len(name)
        struct.pack_into("<I", out, start + 24, 0xFFFFFFFF)
        struct.pack_into("<Q", out, extra + 4, size)
    else:
        struct.pack_into("<I", out, start + 24, size)
    return bytes(out)


def ofd(
    pages: Sequence[Sequence[str]], *, size: float = 4.2, template_footer: str | None = "内部资料"
) -> bytes:
    """An OFD document (GB/T 33190): each page draws its lines as TextObjects with TextCodes
    (one character per DeltaX step), on A4 in millimetres. Long lines are wrapped."""
    ns = "http://www.ofdspec.org/2016"
    per_line = int(170 // size)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{ns}" Version="1.1" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        page_refs = "".join(
            f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
        )
        out.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{ns}"><ofd:CommonData>'
            "<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
            '</ofd:PageArea><ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
            f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>",
        )
        if template_footer:
            footer = _ofd_content(ns, [(20.0, 285.0, template_footer)], size)
            out.writestr("Doc_0/Tpls/Tpl_0/Content.xml", footer)
        for i, lines in enumerate(pages):
            placed: list[tuple[float, float, str]] = []
            for text in lines:
                for start in range(0, len(text), per_line):
                    x = 20.0 + (2 * size if start == 0 else 0.0)
                    placed.append((x, 30.0 + len(placed) * size * 1.6, text[start : start + per_line]))
            out.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", _ofd_content(ns, placed, size))
    return buffer.getvalue()


def _ofd_content(ns: str, placed: Sequence[tuple[float, float, str]], size: float) -> str:
    objects = "".join(
        f'<ofd:TextObject ID="{100 + k}" '
        f'Boundary="{x:.2f} {y - size:.2f} {size * len(t):.2f} {size * 1.4:.2f}" '
        f'Font="3" Size="{size}"><ofd:TextCode X="0" Y="{size:.2f}" DeltaX="g {len(t) - 1} {size}">'
        f"{t}</ofd:TextCode></ofd:TextObject>"
        for k, (x, y, t) in enumerate(placed)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{ns}"><ofd:Content>'
        f'<ofd:Layer ID="5">{objects}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def government_page(title: str, paragraphs: Sequence[str], *, charset: str = "utf-8") -> bytes:
    """A saved government web page: navigation menu, script, the article, a share bar and a
    site footer around it, encoded in ``charset`` as its <meta> says."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}_某某市人民政府</title>
<script>var _hmt = _hmt || []; function track() {{ console.log("统计代码"); }}</script>
<style>.nav {{ color: red; }}</style></head>
<body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>
<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政策文件</div>
<div class="article"><h1>{title}</h1>
<div class="info">发布时间：2026-03-01 来源：市政府办公厅</div>
<div class="content">{body}</div></div>
<div class="share">分享到：微信 微博</div>
<div class="footer"><p>主办单位：某某市人民政府办公厅 版权所有</p>
<p>网站标识码 1234567890 京ICP备12345678号</p></div>
<script>track();</script>
</body></html>"""
    return page.encode(charset)
