"""`qabot teach`: link a wording to the paragraph that answers it, from the command line.

    qabot teach "问题" --doc NAME --paragraph N [--sentence TEXT]
    qabot teach --not-covered "问题"
    qabot teach --list [--json] | --remove ID | --import FILE | --export FILE   (CSV or JSONL)

A paragraph is named as the bot cites it (document name and ¶n) and kept by its content
hash, read from the index (or the documents folder before there is one; no models load). What is taught
goes to the configured state store (SQLite in the data folder, or PostgreSQL), where every
replica, `qabot ask`, `qabot chat` and `qabot eval` read it.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.documents.ingest import Paragraph, load_documents
from bot.engine.index.store_parts import read_paragraphs
from bot.engine.lifecycle import document_limits
from bot.engine.taught import sentence_with
from bot.engine.types import Teaching
from bot.state import SqlStore, TeachingRecord
from config.settings import Settings

FIELDS = ("id", "question", "doc", "paragraph", "sentence", "not_covered", "paragraph_hash", "by", "at")


class TeachError(ValueError):
    """A teaching cannot be made as asked; the message says how to fix it."""


@dataclass(frozen=True)
class Paragraphs:
    """The documents folder's paragraphs, by (document, ¶n) and by content hash."""

    by_number: dict[tuple[str, int], Paragraph]
    hashes: frozenset[str]

    @classmethod
    def read(cls, settings: Settings) -> Paragraphs:
        """The paragraphs as the serving index cites them (its paragraphs.json); the documents
        folder parsed when there is no index yet."""
        try:
            paragraphs, _ = read_paragraphs(settings.index_dir / "paragraphs.json")
        except (OSError, ValueError, KeyError):
            documents = load_documents(settings.docs_dir, document_limits(settings))
            paragraphs = [p for d in documents for p in d.paragraphs]
        return cls({(p.doc, p.number): p for p in paragraphs}, frozenset(p.hash for p in paragraphs))

    def teaching(self, question: str, doc: str, number: int, sentence: str = "") -> Teaching:
        """A teaching of ``question`` to ¶``number`` of ``doc`` (TeachError when there is none)."""
        if not question.strip():
            raise TeachError("the question is empty; write it as officials ask it")
        p = self.by_number.get((doc, number))
        if p is None:  # "article" for "article.txt"
            p = next((q for (d, n), q in self.by_number.items() if n == number and Path(d).stem == doc), None)
        if p is None:
            names = sorted({d for d, _ in self.by_number})
            raise TeachError(f"no ¶{number} in document {doc!r}; documents: {', '.join(names)} "
                             "(name the document and ¶n as the bot cites them)")
        if not p.servable:
            raise TeachError(f"¶{number} of {doc!r} is a byline or advert the bot never serves; "
                             "teach another paragraph")
        if sentence and not sentence_with(p.text, sentence):
            raise TeachError(f"¶{number} of {doc!r} has no sentence containing {sentence!r}; "
                             "copy a piece of the sentence to bold from the paragraph")
        return Teaching("", question.strip(), p.doc, number, p.hash, sentence.strip())


def who() -> str:
    """Who teaches from this command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def rows(records: Iterable[TeachingRecord], hashes: frozenset[str]) -> list[dict[str, Any]]:
    """One dict per teaching (the export and --list --json shape), with ``stale``: its
    paragraph is no longer in the documents."""
    out = []
    for r in records:
        t = r.teaching
        out.append({
            "id": t.id, "question": t.question, "doc": t.doc, "paragraph": t.paragraph,
            "sentence": t.sentence, "not_covered": t.not_covered, "paragraph_hash": t.paragraph_hash,
            "by": r.by, "at": r.at, "stale": not t.not_covered and t.paragraph_hash not in hashes,
        })
    return out


def format_rows(items: list[dict[str, Any]]) -> str:
    """The --list text: one line per teaching."""
    if not items:
        return "nothing taught yet (qabot teach \"问题\" --doc NAME --paragraph N)"
    lines = []
    for r in items:
        where = "文章未涉及 (not covered)" if r["not_covered"] else f"→ ¶{r['paragraph']} ({r['doc']})"
        bold = f" «{r['sentence']}»" if r["sentence"] else ""
        stale = "  [需要重新确认: paragraph changed]" if r["stale"] else ""
        lines.append(f"{r['id']}  {r['question']}  {where}{bold}  by {r['by']}{stale}")
    return "\n".join(lines)


def export(records: list[TeachingRecord], hashes: frozenset[str], path: Path) -> int:
    """Write the teachings to ``path`` (.csv, else JSONL); returns how many."""
    items = [{k: r[k] for k in FIELDS} for r in rows(records, hashes)]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(items)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return len(items)


def parse(path: Path) -> list[dict[str, Any]]:
    """FAQ pairs from a CSV (header: question, doc, paragraph[, sentence, not_covered]) or
    JSONL file."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(io.StringIO(text)))
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                items.append(dict(json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise TeachError(f"{path}:{number}: not a JSON object ({exc})") from exc
    return items


def imported(items: list[dict[str, Any]], paragraphs: Paragraphs, source: str) -> list[Teaching]:
    """Teachings from imported rows; a paragraph is found by its hash when the row has one
    that is still in the documents, else by document and ¶n."""
    by_hash = {p.hash: p for p in paragraphs.by_number.values()}
    out = []
    for number, item in enumerate(items, 1):
        question = str(item.get("question") or "").strip()
        if _yes(item.get("not_covered")):
            out.append(Teaching("", question, not_covered=True))
            continue
        try:
            known = by_hash.get(str(item.get("paragraph_hash") or ""))
            if known is not None:
                doc, n = known.doc, known.number
            else:
                doc, n = str(item.get("doc") or ""), int(item.get("paragraph") or 0)
            out.append(paragraphs.teaching(question, doc, n, str(item.get("sentence") or "")))
        except (TeachError, ValueError) as exc:
            raise TeachError(f"{source} row {number}: {exc}") from exc
    return out


def _yes(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "y")


def teach_all(store: SqlStore, teachings: Iterable[Teaching], by: str) -> list[Teaching]:
    """Keep every teaching; returns them as kept."""
    return [store.teach(t, by) for t in teachings]


__all__ = [
    "Paragraphs", "TeachError", "export", "format_rows", "imported", "parse", "rows", "teach_all", "who",
]
