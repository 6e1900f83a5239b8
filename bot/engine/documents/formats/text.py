"""Plain text and Markdown files: decoded whatever Chinese offices save them as.

Notepad writes UTF-8 (with or without a BOM) or UTF-16 with a BOM; older Windows tools
write GBK, which GB18030 contains. The decode order is strict: a BOM decides; then UTF-8,
which almost never decodes text written in another encoding; then UTF-16 without a BOM
when every other byte is zero; then GB18030. Blocks are split as the documents folder
splits them (``split_blocks``): at blank lines, or one per line when there are none. In
Markdown a "#" line is a heading block of its own (the first "#" one the document's title),
"#" and emphasis marks dropped, and HTML comments ("<!-- INFO END -->") are not text.
"""

from __future__ import annotations

import codecs
import re

from bot.engine.documents.formats.model import HEADING, TITLE, Block, DocumentError, Extracted
from bot.engine.text.script import is_wide

_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
_MD_HEADING = re.compile(r"^[ ]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_MD_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(name: str, data: bytes) -> str:
    """The text of ``data``; DocumentError "encoding" when no known encoding fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(name, data, encoding)
    for encoding in _guesses(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise DocumentError("encoding", name=name)


def read_text(name: str, data: bytes, kind: str) -> Extracted:
    """A .txt or .md file as blocks; DocumentError "no_text" when it is blank."""
    raw = decode(name, data)
    blocks = tuple(markdown_blocks(raw) if kind == "markdown" else (Block(b) for b in split_blocks(raw)))
    if not blocks:
        raise DocumentError("no_text", name=name, pages=None)
    return Extracted(blocks, None, kind)


def _guesses(data: bytes) -> list[str]:
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):  # ASCII-range text in UTF-16
        zeros_odd = sample[1::2].count(0) > sample[0::2].count(0)
        return ["utf-16-le" if zeros_odd else "utf-16-be"]
    return ["utf-8", "gb18030"]


def _strict(name: str, data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError("encoding", name=name) from exc
    if "\x00" in text:
        raise DocumentError("encoding", name=name)
    return text.lstrip("\ufeff")


def split_blocks(raw: str) -> list[str]:
    """Paragraph blocks of a file, as a reader sees them."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _BLANK_LINE.search(text):
        blocks = _BLANK_LINE.split(text)
        return [_join_lines(b) for b in blocks if b.strip()]
    return [line.strip() for line in text.split("\n") if line.strip()]


def _join_lines(block: str) -> str:
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    joined = ""
    for line in lines:
        if joined and not (is_wide(joined[-1]) and is_wide(line[0])):
            joined += " "
        joined += line
    return joined


def markdown_blocks(raw: str) -> list[Block]:
    """The blocks of a Markdown text: "#" lines as headings (the first level-1 one, before any
    other heading, as the title), the rest split as ``split_blocks`` splits plain text."""
    text = _MD_COMMENT.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    blocks: list[Block] = []
    pending: list[str] = []

    def flush() -> None:
        body = "\n".join(pending)
        blocks.extend(Block(_MD_EMPHASIS.sub(r"\2", b)) for b in split_blocks(body))
        pending.clear()

    for line in text.split("\n"):
        heading = _MD_HEADING.match(line)
        if heading is None:
            pending.append(line)
            continue
        flush()
        words = _MD_EMPHASIS.sub(r"\2", heading.group(2)).strip()
        if words:
            depth = len(heading.group(1))
            first = depth == 1 and not any(b.role for b in blocks)
            blocks.append(Block(words, role=TITLE if first else HEADING, depth=depth))
    flush()
    return blocks
