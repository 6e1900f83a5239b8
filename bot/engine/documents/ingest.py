"""Documents folder → paragraphs (¶n) → passages.

Paragraphs are counted as a reader counts them: every non-empty block between blank lines
is one paragraph, numbered from 1 in the order of the file (a file without blank lines has
one paragraph per line). Noise (bylines, editor lines, adverts glued to a paragraph) keeps
its number but is never served. Long paragraphs become overlapping passages that keep ¶n.

A reload re-reads every file but re-parses only files whose bytes changed
(``load_documents(folder, known=...)``): at 1,000 documents parsing is seconds, hashing
the bytes a tenth of one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.engine.documents.formats.text import split_blocks
from bot.engine.documents.noise import clean_paragraph
from bot.engine.text.normalize import content_hash, normalize
from bot.engine.text.sentences import split_sentences

DOCUMENT_SUFFIXES = (".txt", ".md")  # read from the documents folder
UPLOAD_SUFFIXES = (*DOCUMENT_SUFFIXES, ".docx")  # accepted from admins (.docx becomes .txt)
MAX_DOCUMENT_BYTES = 5_000_000


class IngestError(ValueError):
    """A document cannot be read; the message names the file and says what to do."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of a document: ¶n, display text, normalised text, content hash."""

    doc: str
    number: int
    text: str
    norm: str
    hash: str
    servable: bool


@dataclass(frozen=True, slots=True)
class Passage:
    """The unit that is embedded and scored: a paragraph or a window of a long one."""

    doc: str
    paragraph: int
    part: int
    text: str
    norm: str
    hash: str


@dataclass(frozen=True)
class Document:
    """One file of the documents folder: its name, a hash of its bytes, its paragraphs."""

    name: str
    file_hash: str
    paragraphs: tuple[Paragraph, ...]










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




def load_documents(
    folder: Path, max_bytes: int = MAX_DOCUMENT_BYTES, known: Mapping[str, Document] | None = None
) -> list[Document]:
    """Every document in ``folder``, sorted by name; a file whose bytes hash as in
    ``known`` keeps its known paragraphs without being decoded or parsed again."""
    known = known or {}
    documents = []
    for stub, data in _read_files(folder, max_bytes):
        same = known.get(stub.name)
        if same is not None and same.file_hash == stub.file_hash:
            documents.append(same)
            continue
        paragraphs = tuple(parse_document(stub.name, _decode(stub.name, data)))
        documents.append(Document(stub.name, stub.file_hash, paragraphs))
    return documents


def load_paragraphs(folder: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> list[Paragraph]:
    """All paragraphs of all documents in ``folder``."""
    return [p for d in load_documents(folder, max_bytes) for p in d.paragraphs]


def _read_files(folder: Path, max_bytes: int) -> list[tuple[Document, bytes]]:
    """(document stub with name and file hash, bytes) of every document file, by name."""
    if not folder.is_dir():
        raise IngestError(f"documents folder {folder} does not exist; create it or set QABOT_DOCS_DIR")
    found = []
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
        digest = hashlib.sha256(data).hexdigest()[:16]
        found.append((Document(path.name, digest, ()), data))
    if not found:
        raise IngestError(f"no .txt or .md documents in {folder}; add at least one")
    return found


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and reload"
        ) from exc


def to_passages(paragraphs: list[Paragraph], max_chars: int, overlap: int) -> list[Passage]:
    """Servable paragraphs as passages; long ones split into overlapping sentence windows."""
    passages = []
    for para in paragraphs:
        if not para.servable:
            continue
        chunks = split_long(para.text, max_chars, overlap)
        if len(chunks) == 1:  # the whole paragraph: share its strings and hash
            passages.append(Passage(para.doc, para.number, 0, para.text, para.norm, para.hash))
            continue
        for part, chunk in enumerate(chunks):
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
