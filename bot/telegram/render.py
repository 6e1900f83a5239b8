"""Telegram HTML rendering: every text escaped, long replies split into valid messages.

A reply is built as a list of ``Seg`` (plain text plus at most one tag). ``split_html``
packs segments into messages of at most ``LIMIT`` UTF-16 units of *HTML source* (a bound
on what Telegram counts after parsing); a segment that does not fit is cut at Chinese
sentence ends (。！？；, then line breaks, then anywhere) and each piece gets its own
opening and closing tag, so every message is valid HTML by itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.types import Answer, Hit, IndexInfo
from bot.serving.text import CLOSING_MARKS, SENTENCE_END, printable, utf16_len
from bot.telegram.texts import Lang, t

LIMIT = 4096
SENTENCE = re.compile(rf".*?(?:[{SENTENCE_END}]+[{CLOSING_MARKS}]*|\n+|$)", re.S)
MAX_NAMES = 5
ECHO_CHARS = 100


@dataclass(frozen=True)
class Seg:
    """A run of plain text, optionally wrapped in one HTML tag (b, i, code, blockquote)."""

    text: str
    tag: str | None = None


def escape(text: str) -> str:
    """Escape &, < and > for parse_mode HTML."""
    return html.escape(text, quote=False)


def _wrap(seg: Seg, text: str) -> str:
    body = escape(text)
    return f"<{seg.tag}>{body}</{seg.tag}>" if seg.tag else body


def sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end (。！？； and ASCII !?;) or run of line breaks."""
    return [s for s in SENTENCE.findall(text) if s]


def _units(text: str, budget: int) -> list[str]:
    """Sentences of ``text``, any longer than ``budget`` (escaped) cut into smaller runs."""
    out: list[str] = []
    for sentence in sentences(text):
        if utf16_len(escape(sentence)) <= budget:
            out.append(sentence)
            continue
        piece, size = "", 0
        for char in sentence:
            width = utf16_len(escape(char))
            if size + width > budget:
                out.append(piece)
                piece, size = "", 0
            piece, size = piece + char, size + width
        if piece:
            out.append(piece)
    return out


def split_html(segs: Sequence[Seg], limit: int = LIMIT) -> list[str]:
    """Render ``segs`` as HTML messages of at most ``limit`` UTF-16 units each."""
    chunks: list[str] = []
    parts: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        text = "".join(parts).strip()
        if text:
            chunks.append(text)
        parts.clear()
        size = 0

    def add(seg: Seg, text: str) -> None:
        nonlocal size
        if seg.tag and not text.strip():
            return
        rendered = _wrap(seg, text.strip() if seg.tag else text)
        parts.append(rendered)
        size += utf16_len(rendered)

    for seg in segs:
        whole = utf16_len(_wrap(seg, seg.text))
        if size + whole <= limit:
            add(seg, seg.text)
            continue
        overhead = utf16_len(_wrap(seg, ""))
        if whole <= limit:
            flush()
            add(seg, seg.text)
            continue
        piece, piece_size = "", 0
        for unit in _units(seg.text, limit - overhead):
            width = utf16_len(escape(unit))
            if size + overhead + piece_size + width > limit:
                if piece:
                    add(seg, piece)
                flush()
                piece, piece_size = "", 0
            piece, piece_size = piece + unit, piece_size + width
        if piece:
            add(seg, piece)
    flush()
    return chunks


def shorten(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), cut to ``limit`` characters
    with "…" when cut: for button labels, inline titles and echoed questions."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unique_hits(hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` without repeats of the same paragraph."""
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits:
        if (hit.doc, hit.paragraph) not in seen:
            seen.add((hit.doc, hit.paragraph))
            out.append(hit)
    return out


def passage_segs(hits: Sequence[Hit], lang: Lang) -> list[Seg]:
    """Each hit as "¶n · 《document》 · 第二章 第七条 · 第3页" followed by the quoted paragraph."""
    segs: list[Seg] = []
    for hit in unique_hits(hits):
        where = f" · {hit.source(lang)}"
        segs += [Seg("\n\n"), Seg(f"¶{hit.paragraph}", "b"), Seg(where + "\n")]
        segs.append(Seg(hit.text, "blockquote"))
    return segs


def examples_segs(lang: Lang, examples: Sequence[str]) -> list[Seg]:
    """A "try these" list of up to three example questions."""
    if not examples:
        return []
    lines = "".join(f"\n• {q}" for q in examples[:3])
    return [Seg("\n\n" + t(lang, "try_these")), Seg(lines)]


def related_notice(answer: Answer, lang: Lang) -> str:
    """"related" in the words that fit the library: 文章 for a single article, the document's
    name when every paragraph offered is from one of several, else 资料中."""
    if answer.library <= 1:
        return t(lang, "related")
    docs = {h.title or document_name(h.doc) for h in answer.hits}
    if len(docs) == 1:
        return t(lang, "related_document", doc=next(iter(docs)))
    return t(lang, "related_library")


def off_topic_notice(answer: Answer, lang: Lang, question: str) -> str:
    """"not covered" in the words that fit the library (文章 only for a single article)."""
    return t(lang, "off_topic" if answer.library <= 1 else "off_topic_library", question=question)


def document_name(doc: str) -> str:
    """A document's name as a reply says it: the file name without its folder, date and
    extension ("村民委员会组织法(2018-12-29).md" → 村民委员会组织法)."""
    stem = doc.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return re.sub(r"[(（][^)）]*[)）]$", "", stem).strip() or stem


def answer_html(answer: Answer, lang: Lang, examples: Sequence[str]) -> list[str]:
    """The reply to a question: bold answer and cited passages; for a "related" outcome a
    plain notice and the closest paragraphs (no bold answer); else the off-topic notice."""
    if answer.status == "related" and answer.hits:
        return split_html([Seg(related_notice(answer, lang), "i"), *passage_segs(answer.hits, lang)])
    if not answer.answered:
        question = shorten(printable(answer.question), ECHO_CHARS)
        notice = Seg(off_topic_notice(answer, lang, question), "b")
        return split_html([notice, *examples_segs(lang, examples)])
    segs = [Seg(answer.answer, "b"), Seg("\n\n"), Seg(t(lang, "sources"), "i")]
    return split_html(segs + passage_segs(answer.hits, lang))


def more_html(hits: Sequence[Hit], first: int, lang: Lang) -> list[str]:
    """Further passages for a question, numbered from ``first`` (1-based)."""
    header = t(lang, "more_header", first=first, last=first + len(hits) - 1)
    return split_html([Seg(header, "i"), *passage_segs(hits, lang)])


def context_html(hits: Sequence[Hit], doc: str, paragraph: int, lang: Lang) -> list[str]:
    """The paragraphs around ¶``paragraph`` of ``doc``."""
    header = t(lang, "context_header", n=paragraph, doc=doc)
    return split_html([Seg(header, "i"), *passage_segs(hits, lang)])


def intro_html(
    info: IndexInfo,
    lang: Lang,
    bot_username: str,
    examples: Sequence[str],
    admin: bool,
    about: str = "",
) -> list[str]:
    """The /start and /help text: what the bot knows, how to ask, two examples."""
    names = "、".join(info.documents[:MAX_NAMES]) + ("…" if len(info.documents) > MAX_NAMES else "")
    intro = t(lang, "intro", documents=len(info.documents), names=names, paragraphs=info.paragraphs)
    if about:
        intro += "\n" + about
    how = t(lang, "how_private") + "\n" + t(lang, "how_group", bot=bot_username)
    segs = [Seg(intro + "\n\n" + how)]
    if examples:
        segs += [Seg("\n\n" + t(lang, "examples")), Seg("".join(f"\n• {q}" for q in examples[:2]))]
    if admin:
        segs.append(Seg("\n\n" + t(lang, "admin_help"), "i"))
    return split_html(segs)


def plain_html(text: str) -> list[str]:
    """Plain text (escaped), split like any reply."""
    return split_html([Seg(text)])
