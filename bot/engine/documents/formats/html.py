"""Saved web pages (.html/.htm): the main text of a government page, without the menus,
scripts, share buttons and footers around it, extracted with trafilatura (Apache-2.0).

trafilatura decodes the bytes itself (the page's <meta charset>, GB2312 included) and
writes one paragraph a line, table rows as "cell | cell"; consecutive rows become one
table block, every other line one paragraph block.
"""

from __future__ import annotations

from bot.engine.documents.formats.model import Block, DocumentError, Extracted


def read_html(name: str, data: bytes) -> Extracted:
    """The main text of a web page as blocks; DocumentError "no_text" when none is found."""
    import trafilatura

    text = trafilatura.extract(
        data, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
    )
    blocks: list[Block] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        row = " | " in line
        if row and blocks and " | " in blocks[-1].text:
            blocks[-1] = Block(blocks[-1].text + "\n" + line)
        else:
            blocks.append(Block(line))
    if not blocks:
        raise DocumentError("no_text", name=name, pages=None)
    return Extracted(tuple(blocks), None, "html")
