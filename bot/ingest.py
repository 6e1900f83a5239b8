"""Documents folder → paragraphs (¶n) → passages.

Paragraphs are counted as a reader counts them: every non-empty block between blank lines
is one paragraph, numbered from 1 in the order of the file (a file without blank lines has
one paragraph per line). Noise (bylines, editor lines, adverts glued to a paragraph) keeps
its number but is never served. Long paragraphs become overlapping passages that keep ¶n.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.noise import clean_paragraph
from bot.text import CJK_WIDE, DOCUMENT_SUFFIXES, is_wide, split_sentences

MAX_DOCUMENT_BYTES = 5_000_000
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(rf"(?<=[{CJK_WIDE}])\s+(?=[{CJK_WIDE}])")


class IngestError(ValueError):
    """A document cannot be read; the message names the file and says what to do."""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a document: ¶n, display text, normalised text, content hash."""

    doc: str
    number: int
    text: str
    norm: str
    hash: str
    servable: bool


@dataclass(frozen=True)
class Passage:
    """The unit that is embedded and scored: a paragraph or a window of a long one."""

    doc: str
    paragraph: int
    part: int
    text: str
    norm: str
    hash: str


def normalize(text: str) -> str:
    """Matching form: NFKC (full/half width folded), lower case, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _CJK_GAP.sub("", text)
    return _SPACES.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """Stable short hash of a passage's text (decides whether it must be re-embedded)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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


def parse_document(name: str, raw: str) -> list[Paragraph]:
    """Paragraphs of one document; noise paragraphs are kept (for numbering) but not servable."""
    paragraphs = []
    for number, block in enumerate(split_blocks(raw), start=1):
        text = clean_paragraph(block)
        norm = normalize(text)
        paragraphs.append(
            Paragraph(name, number, text or block, norm, content_hash(norm), bool(norm))
        )
    return paragraphs


def read_documents(folder: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> dict[str, str]:
    """Every UTF-8 .txt/.md file in ``folder`` (sorted by name) → its text."""
    if not folder.is_dir():
        raise IngestError(f"documents folder {folder} does not exist; create it or set QABOT_DOCS_DIR")
    docs: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or not path.is_file():
            continue
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                f"{path.name} is {size:,} bytes, over the {max_bytes:,}-byte limit for one "
                "document ([ingest] max_document_bytes); split it or raise the limit"
            )
        data = path.read_bytes()
        try:
            docs[path.name] = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and reload"
            ) from exc
    if not docs:
        raise IngestError(f"no .txt or .md documents in {folder}; add at least one")
    return docs


def load_paragraphs(folder: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> list[Paragraph]:
    """All paragraphs of all documents in ``folder``."""
    docs = read_documents(folder, max_bytes)
    return [p for name, raw in docs.items() for p in parse_document(name, raw)]


def to_passages(paragraphs: list[Paragraph], max_chars: int, overlap: int) -> list[Passage]:
    """Servable paragraphs as passages; long ones split into overlapping sentence windows."""
    passages = []
    for para in paragraphs:
        if not para.servable:
            continue
        for part, chunk in enumerate(split_long(para.text, max_chars, overlap)):
            norm = normalize(chunk)
            passages.append(Passage(para.doc, para.number, part, chunk, norm, content_hash(norm)))
    return passages


def split_long(text: str, max_chars: int, overlap: int) -> list[str]:
    """``text`` if short enough, else windows of whole sentences that overlap by ~``overlap``."""
    if len(text) <= max_chars:
        return [text]
    overlap = max(0, min(overlap, max_chars // 2))
    pieces: list[str] = []
    for sentence in split_sentences(text):
        while len(sentence) > max_chars:  # a single monster sentence: hard cut
            pieces.append(sentence[:max_chars])
            sentence = sentence[max_chars - overlap :]
        pieces.append(sentence)
    windows: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and sum(map(len, current)) + len(piece) > max_chars:
            windows.append("".join(current))
            carry: list[str] = []
            for prev in reversed(current):
                if sum(map(len, carry)) + len(prev) > overlap:
                    break
                carry.insert(0, prev)
            current = carry
        current.append(piece)
    if current:
        windows.append("".join(current))
    return windows
