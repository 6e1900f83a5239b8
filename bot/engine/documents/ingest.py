"""Documents folder → paragraphs (¶n) → passages.

Every file the format readers know (bot/engine/documents/formats: .txt, .md, .docx, .pdf,
.ofd, .html) becomes paragraph blocks; paragraphs are counted as a reader counts them,
from 1 in the order of the file (in a text file every non-empty block between blank lines
is one paragraph, one per line if the file has none). Each paragraph keeps its page (paged
formats) and where it stands in the document's outline ("第二章 第七条", "三、（二）",
formats/structure.py). The title and the headings (Markdown "#" lines, "第二章 总则", "一、总体
要求") are counted but never served: they are the outline of the paragraphs under them.
One 第X条 is one paragraph even when its 款 and 项 are separate blocks. The title and the
公文 elements (发文字号, 主送, 抄送, …: official.py) are the document's ``fields``.
Noise (bylines, editor lines, adverts glued to a paragraph) keeps its
number but is never served. Long paragraphs become overlapping passages that keep ¶n.

A file that cannot be read (damaged, encrypted, a scan with no text, over a limit) does not
stop the others: it comes back as a Document with no paragraphs and the reason
(``Document.problem``), and reloads report it by name.

A reload re-reads every file but re-parses only files whose bytes changed
(``load_documents(folder, known=...)``): at 1,000 documents parsing is seconds, hashing
the bytes a tenth of one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.engine.documents.formats import (
    DEFAULT_LIMITS,
    SUPPORTED,
    Block,
    DocumentError,
    Extracted,
    Limits,
    Progress,
    extract,
)
from bot.engine.documents.formats.model import TITLE
from bot.engine.documents.formats.structure import Place, clauses, places
from bot.engine.documents.formats.text import split_blocks
from bot.engine.documents.noise import clean_paragraph
from bot.engine.documents.official import official_parts
from bot.engine.text.normalize import content_hash, normalize
from bot.engine.text.sentences import split_sentences

DOCUMENT_SUFFIXES = SUPPORTED  # read from the documents folder, accepted from admins
# bump when the readers give other paragraphs, or paragraphs other passages, for the same
# bytes: an index built before re-reads its files (embeddings of unchanged passage texts are
# kept). 1: structure (#25); 2: columns by runs of lines, table rows as blocks; 3: running
# headers with a fixed number; 5: ruled cells of forms and tables (#25)
READING = 5


class IngestError(ValueError):
    """The documents folder cannot be used at all; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of a document: ¶n, display text, normalised text, content hash (what
    identifies it when ¶ numbers shift), its page and its place in the outline."""

    doc: str
    number: int
    text: str
    norm: str
    hash: str
    servable: bool
    page: int | None = None  # 1-based, for paged formats (PDF, OFD)
    section: str = ""  # "第二章 第七条", "三、（二）": the outline levels open where it stands


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
    """One file of the documents folder: its name, a hash of its bytes, its paragraphs, how
    it was read ("text", "pdf", "pdf-ocr", …) and its pages; ``problem`` when it could not
    be read (then it has no paragraphs); ``fields``: its title and 公文 elements (keys in
    official.py: "title", "doc_number", "issuer", "recipients", "date", "cc", …)."""

    name: str
    file_hash: str
    paragraphs: tuple[Paragraph, ...]
    kind: str = "text"
    pages: int | None = None
    problem: DocumentError | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The document's own title ("中华人民共和国村民委员会组织法"), "" when it has none."""
        return self.fields.get("title", "")


def paragraphs_of(name: str, blocks: Sequence[Block]) -> list[Paragraph]:
    """Paragraphs of one document's blocks; noise paragraphs, the title and headings are
    kept (for numbering) but not servable."""
    return document_parts(name, blocks)[0]


def document_parts(name: str, blocks: Sequence[Block]) -> tuple[list[Paragraph], dict[str, str]]:
    """The paragraphs of one document's blocks, and its fields (title, 公文 elements)."""
    found = official_parts(blocks)
    cleaned = [replace(b, text=clean_paragraph(b.text)) for b in blocks]
    if found.title_at is not None:
        for index in range(found.title_at, (found.title_end or found.title_at) + 1):
            cleaned[index] = replace(cleaned[index], role=TITLE)
    noise = [not b.text for b in cleaned]
    shown = [c if c.text else b for b, c in zip(blocks, cleaned, strict=True)]
    # a 公文 element (文号, 署名, 成文日期, 抄送 …) stands outside the outline: cited by itself
    where = [Place("", p.heading) if line else p for p, line in zip(places(shown), found.lines, strict=True)]
    units = clauses(shown, where, [a or b for a, b in zip(found.lines, noise, strict=True)])
    paragraphs = []
    for number, (block, place) in enumerate(units, start=1):
        norm = "" if not clean_paragraph(block.text) else normalize(block.text)
        digest, servable = content_hash(norm), bool(norm) and not place.heading
        paragraph = Paragraph(name, number, block.text, norm, digest, servable, block.page, place.label)
        paragraphs.append(paragraph)
    return paragraphs, found.fields


def parse_document(name: str, raw: str) -> list[Paragraph]:
    """Paragraphs of a plain-text document."""
    return paragraphs_of(name, [Block(b) for b in split_blocks(raw)])


def read_document(name: str, data: bytes, limits: Limits, progress: Progress | None = None) -> Document:
    """One file's bytes as a Document; a file that cannot be read has ``problem`` set."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        found: Extracted = extract(name, data, limits, progress)
    except DocumentError as exc:
        return Document(name, digest, (), problem=exc)
    paragraphs, fields = document_parts(name, found.blocks)
    return Document(name, digest, tuple(paragraphs), found.kind, found.pages, fields=fields)


def load_documents(
    folder: Path,
    limits: Limits = DEFAULT_LIMITS,
    known: Mapping[str, Document] | None = None,
    progress: Progress | None = None,
) -> list[Document]:
    """Every document in ``folder``, sorted by name; a file whose bytes hash as in
    ``known`` keeps its known paragraphs without being read again."""
    known = known or {}
    documents = []
    for path in _document_files(folder):
        size = path.stat().st_size
        if size > limits.max_bytes:  # not even read into memory
            problem = DocumentError("too_large", name=path.name, size=size, limit=limits.max_bytes)
            documents.append(Document(path.name, f"size:{size}", (), problem=problem))
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:16]
        same = known.get(path.name)
        if same is not None and same.file_hash == digest:
            documents.append(same)
            continue
        documents.append(read_document(path.name, data, limits, progress))
    return documents


def unreadable(documents: Sequence[Document]) -> list[DocumentError]:
    """Why each document that could not be read was skipped."""
    return [d.problem for d in documents if d.problem is not None]


def load_paragraphs(folder: Path, limits: Limits = DEFAULT_LIMITS) -> list[Paragraph]:
    """All paragraphs of all documents in ``folder``."""
    return [p for d in load_documents(folder, limits) for p in d.paragraphs]


def _document_files(folder: Path) -> list[Path]:
    """The files of ``folder`` a reader knows, by name; IngestError when there are none."""
    if not folder.is_dir():
        raise IngestError(f"documents folder {folder} does not exist; create it or set QABOT_DOCS_DIR")
    found = [p for p in sorted(folder.iterdir()) if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file()]
    if not found:
        kinds = ", ".join(DOCUMENT_SUFFIXES)
        raise IngestError(f"no documents ({kinds}) in {folder}; add at least one")
    return found


def to_passages(paragraphs: list[Paragraph], max_chars: int, overlap: int) -> list[Passage]:
    """Servable paragraphs as passages; long ones split into overlapping sentence windows.
    (A clause is scored whole: its 款 as passages of their own did not pay, bench FINDINGS.)"""
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
