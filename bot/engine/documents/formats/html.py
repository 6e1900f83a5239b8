"""Saved web pages (.html/.htm): the main text of a government page, without the menus,
scripts, share buttons and footers around it, extracted with trafilatura (Apache-2.0).

trafilatura decodes the bytes itself (the page's <meta charset>, GB2312 included) and
writes one paragraph a line, table rows as "| cell | cell |"; consecutive rows become one
table block, every other line one paragraph block. The page's title (its <h1> or <title>
without the site name) comes first. A notice can be one sentence long: trafilatura's own
extractor runs alone (fast=True; its fallbacks, readability and jusText, took the menus or
lost the sentence on such pages) with its minimum text size lowered.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.engine.documents.formats.model import Block, DocumentError, Extracted

MIN_ARTICLE_CHARS = 10  # trafilatura's default (250) lets the menus in around a short notice


@cache
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(MIN_ARTICLE_CHARS))
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", str(MIN_ARTICLE_CHARS // 2))
    return config


def read_html(name: str, data: bytes) -> Extracted:
    """The title and main text of a web page as blocks; DocumentError "no_text" when none."""
    import trafilatura

    text = trafilatura.extract(data, fast=True, include_comments=False, include_tables=True, config=_config())
    blocks: list[Block] = []
    in_table = False
    for line in (text or "").splitlines():
        line = line.strip()
        row = line.startswith("|") and line.endswith("|") and len(line) > 1
        if row:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if all(set(cell) <= set("-: ") for cell in cells):  # a Markdown rule under the head
                continue
            line = " | ".join(cells)
        if not line:
            continue
        if row and in_table:
            blocks[-1] = Block(blocks[-1].text + "\n" + line)
        else:
            blocks.append(Block(line))
        in_table = row
    if not blocks:
        raise DocumentError("no_text", name=name, pages=None)
    metadata = trafilatura.extract_metadata(data)
    title = ((metadata.title if metadata else None) or "").strip()
    if title and title != blocks[0].text:
        blocks.insert(0, Block(title))
    return Extracted(tuple(blocks), None, "html")
