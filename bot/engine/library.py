"""The served documents' paragraphs, by document and ¶n: what citations, the 上下文 button and
document management look up (a paragraph, its neighbours, a document's paragraphs, the list
of documents with their sizes, titles and 公文 fields). Built from the index with the
service; read-only. A citation (``Hit``) is made here only (``cite``), with its document's
own title, so replies read 《中华人民共和国村民委员会组织法》第十一条 rather than a file name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.engine.documents.ingest import Paragraph
from bot.engine.types import DocumentSummary, Hit


class Library:
    """Paragraphs by (document, ¶n), noise paragraphs included."""

    def __init__(
        self, paragraphs: Sequence[Paragraph], documents: Sequence[str],
        fields: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Index ``paragraphs``; ``documents`` are the served names (in the catalogue even
        when they have no paragraph); ``fields``: each document's title and 公文 elements
        (documents/official.py keys)."""
        self.paragraphs = {(p.doc, p.number): p for p in paragraphs}
        self._documents = tuple(documents)
        self.fields = {doc: dict(f) for doc, f in (fields or {}).items()}

    def cite(self, p: Paragraph, score: float = 0.0) -> Hit:
        """``p`` as a citation with ``score`` and its document's title."""
        return Hit(p.doc, p.number, p.text, score, p.section, p.page, p.hash,
                   self.fields.get(p.doc, {}).get("title", ""))

    def paragraph(self, doc: str, number: int) -> Paragraph | None:
        """A paragraph by document and ¶n (noise paragraphs included)."""
        return self.paragraphs.get((doc, number))

    def hit(self, doc: str, number: int) -> Hit | None:
        """¶n of ``doc`` as a citation (noise paragraphs included), None when there is none."""
        p = self.paragraphs.get((doc, number))
        return None if p is None else self.cite(p)

    def document(self, doc: str) -> list[Paragraph]:
        """The paragraphs of ``doc`` in order (noise included; empty for an unknown name)."""
        return sorted((p for key, p in self.paragraphs.items() if key[0] == doc), key=lambda p: p.number)

    def catalogue(self) -> list[DocumentSummary]:
        """Every document served: name, paragraphs that can be cited, pages (paged formats),
        title, 文号 and date (where it has them)."""
        counts: dict[str, list[int]] = {name: [0, 0] for name in self._documents}
        for (doc, _), p in self.paragraphs.items():
            found = counts.setdefault(doc, [0, 0])
            found[0] += p.servable
            found[1] = max(found[1], p.page or 0)
        out = []
        for name, (n, pages) in sorted(counts.items()):
            f = self.fields.get(name, {})
            out.append(DocumentSummary(name, n, pages or None, title=f.get("title", ""),
                                       doc_number=f.get("doc_number", ""), date=f.get("date", "")))
        return out

    def neighbours(self, doc: str, number: int) -> list[Hit]:
        """The servable paragraphs just before and after ¶n of ``doc``."""
        around = (self.paragraphs.get((doc, n)) for n in (number - 1, number + 1))
        return [self.cite(p) for p in around if p and p.servable]

    def close(self) -> None:
        """Let the paragraphs go."""
        self.paragraphs = {}

