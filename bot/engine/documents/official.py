"""The parts of a document a reader looks for before its body: the title, and in a 公文 the
elements GB/T 9704-2012 lays out around it.

The standard puts the 版头 first (发文机关标志 "…文件", 发文字号 "…〔2011〕76号", 签发人), then
the 标题 (发文机关 + 事由 + 文种: "…的通知"), 主送机关 (ending in a colon), the body, 附件说明
("附件：…"), the 署名 and 成文日期, and last the 版记 (抄送, 印发机关和印发日期 "… 2011年5月
6日印发"). Each is recognised by that layout and its pattern, never by a document's words.
The lines stay paragraphs (they answer "文号是多少", "抄送了哪些单位", quoting the line) and
their values become the document's fields; a title alone is not an answer.

Field keys: ``title``, ``issuer_mark`` (发文机关标志), ``issuer`` (the mark without 文件),
``doc_number`` (发文字号), ``signer`` (签发人), ``recipients`` (主送机关), ``date`` (成文日期),
``signature`` (署名, the line over the date), ``attachments`` (附件说明), ``cc`` (抄送),
``printed`` (印发机关和印发日期).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.engine.documents.formats.model import ROW, TITLE, Block
from bot.engine.documents.formats.structure import marker_of

HEAD_BLOCKS = 8  # the 版头, title and 主送 sit within a document's first blocks
LINE_CHARS = 80  # a field line is one line of a page, at most about this long
TITLE_CHARS = 60

# 文种 (GB/T 9704 and the 条例 on 公文处理: the kinds of 公文), and the names of regulations
_KINDS = ("决议|决定|命令|令|公报|公告|通告|意见|通知|通报|报告|请示|批复|议案|函|纪要|法|条例|规定|"
          "办法|细则|规则|规程|章程|方案|规划|纲要|要点|指引|指南|标准|守则|准则|说明")
_TITLE = re.compile(rf"^[^。！？；]{{2,{TITLE_CHARS}}}?(?:{_KINDS})(?:[（(][^）)]{{1,20}}[）)])?$")
_MARK = re.compile(r"^[\u4e00-\u9fff、\s]{2,40}文件$")
_NUMBER = re.compile(  # 机关代字〔年份〕序号号: 国办发〔2011〕76号
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（【]\s*(?:19|20)\d\d\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号")
_SIGNER = re.compile(r"签\s*发\s*人\s*[:：]\s*(\S.*)$")
_DIGITS = "0-9０-９〇○零一二三四五六七八九十"
_DATE = re.compile(rf"[{_DIGITS}]{{4}}\s*年\s*[{_DIGITS}]{{1,2}}\s*月\s*[{_DIGITS}]{{1,3}}\s*日")
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]")
_CC = re.compile(r"^抄\s*(?:送|报)\s*[:：]\s*(.+)$")
_SENTENCE = re.compile(r"[。，；！？,;]")
_PRINTED = re.compile(rf"^(.{{2,40}}?)\s*({_DATE.pattern})\s*印\s*发$")


Keep = Callable[[int, str, str], None]


@dataclass(frozen=True)
class Official:
    """The fields found (key → value), per block whether it is one of their lines, and
    which blocks are the title (``title_at`` to ``title_end``, one or two lines)."""

    fields: dict[str, str]
    lines: tuple[bool, ...]
    title_at: int | None
    title_end: int | None = None


def official_parts(blocks: Sequence[Block]) -> Official:
    """The title and 公文 elements of a document's blocks, by the standard's layout."""
    fields: dict[str, str] = {}
    lines = [False] * len(blocks)

    def keep(index: int, key: str, value: str) -> None:
        if key not in fields:
            fields[key] = value.strip()
            lines[index] = True

    title_at, title_end, joined = _wrapped_title(blocks)
    if not joined:
        title_at = title_end = title_index(blocks)
        if title_at is not None:
            joined = " ".join(blocks[title_at].text.split())
    if joined:
        fields["title"] = joined
    for index, block in enumerate(blocks[:HEAD_BLOCKS]):
        text = block.text.strip()
        if len(text) > LINE_CHARS or "\n" in text:
            continue
        if _MARK.match(text):
            keep(index, "issuer_mark", text)
            fields.setdefault("issuer", re.sub(r"\s*文件$", "", text))
        number = _NUMBER.search(text)
        if number:
            keep(index, "doc_number", re.sub(r"\s+", "", number.group(0)))
        signer = _SIGNER.search(text)
        if signer:
            keep(index, "signer", signer.group(1))
        if title_end is not None and index == title_end + 1 and text.endswith(("：", ":")):
            keep(index, "recipients", text.rstrip("：:"))
    for index in range(len(blocks) - 1, max(-1, len(blocks) - 3 * HEAD_BLOCKS), -1):
        if index >= len(blocks) // 2:  # the closing lines close the document
            _tail_line(index, blocks[index].text.strip(), keep)
    date = fields.get("date", "\0")
    dated = next((i for i, line in enumerate(lines) if line and date in _bare(blocks[i].text)), None)
    if dated is not None and dated > 0 and _title_line(signed := blocks[dated - 1].text.strip()):
        keep(dated - 1, "signature", signed)  # the 署名 stands over the 成文日期
    return Official(fields, tuple(lines), title_at, title_end)


def title_index(blocks: Sequence[Block]) -> int | None:
    """Which block is the document's title: the one its format marks, else the first of the
    opening blocks shaped like a 标题 (…的通知, …条例, …指南（征求意见稿）); None when none is."""
    for index, block in enumerate(blocks):
        if block.role == TITLE:
            return index
    for index, block in enumerate(blocks[:HEAD_BLOCKS]):
        text = block.text.strip()
        if block.role == ROW or "\n" in text or _MARK.match(text) or _NUMBER.search(text) or marker_of(text):
            continue
        if _TITLE.match(text):
            return index
    return None


def _wrapped_title(blocks: Sequence[Block]) -> tuple[int | None, int | None, str]:
    """A title set over two centred lines, which layout reads as two blocks ("关于浙江某某公司"
    / "2015年年度报告中有关事项的说明" → one 标题): its first line holds the 关于 that opens the
    事由; (first, last, joined) or (None, None, "")."""
    if any(b.role == TITLE for b in blocks):
        return None, None, ""
    for index in range(min(HEAD_BLOCKS, len(blocks)) - 1):
        first, second = blocks[index].text.strip(), blocks[index + 1].text.strip()
        if ROW in (blocks[index].role, blocks[index + 1].role):
            continue  # a row of a form ("公文标题 关于…") is no title
        if "关于" not in first or not all(_title_line(t) for t in (first, second)):
            continue
        joined = first + second
        if _TITLE.match(joined) and len(joined) <= TITLE_CHARS:
            return index, index + 1, joined
    return None, None, ""


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _title_line(text: str) -> bool:
    """A line that may be part of a title: short, one line, no sentence end, no 公文 element."""
    return (0 < len(text) <= TITLE_CHARS and "\n" not in text and not _SENTENCE.search(text)
            and not _MARK.match(text) and not _NUMBER.search(text) and not marker_of(text))


def _tail_line(index: int, text: str, keep: Keep) -> None:
    """The 版记 and closing lines, read from the end: 抄送, 印发, 成文日期, 附件说明. The
    版记's lines sit between rules, so a layout may read them as rows of one table block:
    each row is looked at, its cells joined."""
    if len(text) > 4 * LINE_CHARS:
        return
    for row in reversed(text.split("\n")):
        _closing(index, " ".join(row.split(" | ")).strip(), keep)


def _closing(index: int, text: str, keep: Keep) -> None:
    cc = _CC.match(text)
    if cc:
        keep(index, "cc", cc.group(1).rstrip("。."))
    elif _PRINTED.match(text):
        keep(index, "printed", text)
    elif _ATTACHMENT.match(text):
        keep(index, "attachments", re.sub(r"^附\s*件\s*\d*\s*[:：]\s*", "", text))
    else:
        date = _DATE.search(text)
        rest = _DATE.sub("", text)
        if date and text.endswith("日") and len(rest) <= 30 and not _SENTENCE.search(rest):
            keep(index, "date", re.sub(r"\s+", "", date.group(0)))
