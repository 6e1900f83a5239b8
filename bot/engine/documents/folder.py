"""The documents folder's rules: safe names, atomic writes with rollback, who added what when.

An upload is read by the format readers first (bot/engine/documents/formats: PDF, scans by
OCR, OFD, HTML, Word, text in UTF-8/UTF-16/GB18030); only a document they can read is written
into the documents folder (bot/serving/documents.py), under a safe name that keeps its
extension, and the folder is reloaded. Who added a document and when is kept beside the
documents in ``.qabot-documents.json`` (a hidden file no reader picks up), so it travels with
the folder and every replica that shares the folder sees it.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.engine.documents.formats.sniff import suffix_of
from bot.engine.documents.temporary import temporary
from bot.engine.types import DocumentSummary

MAX_STEM = 80
CATALOGUE = ".qabot-documents.json"
_KEEP = frozenset("-_.()（）《》【】 ")

__all__ = ["CATALOGUE", "Placed", "added_by", "place", "remove", "target_name", "with_who_added",
           "write_atomic"]


def target_name(name: str) -> str:
    """A safe file name for ``name``: Chinese kept, no path parts, no leading dot, the
    extension kept (".txt" when there is none)."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    suffix = suffix_of(base)
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]+", suffix) else ""
    stem = base[: -len(suffix)] if suffix else base
    cleaned = "".join(c if c.isalnum() or c in _KEEP else "_" for c in stem)
    cleaned = re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", cleaned)).strip(" ._")[:MAX_STEM]
    cleaned = cleaned.rstrip(" .") or "document"
    return cleaned + (suffix or ".txt")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a hidden temporary file and one rename."""
    tmp = temporary(path)
    try:
        with tmp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Placed:
    """A change to the documents folder, with what was there before (for rollback)."""

    path: Path
    previous: bytes | None
    catalogue: bytes | None

    def rollback(self) -> None:
        """Restore the folder: the file as it was (or gone), and the catalogue as it was."""
        if self.previous is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomic(self.path, self.previous)
        _restore(self.path.parent / CATALOGUE, self.catalogue)


def place(folder: Path, name: str, data: bytes, user_id: int | None = None) -> Placed:
    """Write ``data`` as ``folder``/``name`` (``name`` from target_name) atomically and note
    who added it and when."""
    path = _inside(folder, name)
    folder.mkdir(parents=True, exist_ok=True)
    previous = path.read_bytes() if path.is_file() else None
    catalogue = _read_bytes(folder / CATALOGUE)
    write_atomic(path, data)
    entries = _entries(catalogue)
    entries[name] = {"added_by": user_id, "added_at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_atomic(folder / CATALOGUE, _dump(entries))
    return Placed(path, previous, catalogue)


def remove(folder: Path, name: str) -> Placed:
    """Delete ``folder``/``name`` and its catalogue entry; ``rollback`` puts both back."""
    path = _inside(folder, name)
    if not path.is_file():
        raise FileNotFoundError(name)
    previous = path.read_bytes()
    catalogue = _read_bytes(folder / CATALOGUE)
    path.unlink()
    entries = _entries(catalogue)
    if entries.pop(name, None) is not None:
        write_atomic(folder / CATALOGUE, _dump(entries))
    return Placed(path, previous, catalogue)


def added_by(folder: Path) -> dict[str, dict[str, Any]]:
    """name → {"added_by": user id or None, "added_at": ISO time} for documents added here."""
    return _entries(_read_bytes(folder / CATALOGUE))


def with_who_added(documents: Sequence[DocumentSummary], folder: Path) -> list[DocumentSummary]:
    """``documents`` with who added each and when, as the catalogue of ``folder`` says."""
    who = added_by(folder)
    out = []
    for d in documents:
        entry = who.get(d.name)
        if entry is None:
            out.append(d)
            continue
        user, when = entry.get("added_by"), entry.get("added_at")
        out.append(replace(d, added_by=user if isinstance(user, int) else None, added_at=str(when or "?")))
    return out


def _inside(folder: Path, name: str) -> Path:
    path = folder / name
    if path.parent != folder or name.startswith(".") or not name:
        raise ValueError(f"unsafe document name {name!r}")
    return path


def _read_bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _entries(data: bytes | None) -> dict[str, dict[str, Any]]:
    try:
        found = json.loads(data or b"{}")
    except ValueError:
        return {}  # a damaged catalogue loses who added what, never a document
    return {str(k): v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def _dump(entries: dict[str, dict[str, Any]]) -> bytes:
    return json.dumps(entries, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _restore(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, data)
