"""Admin document uploads: validate, decode, name safely, write atomically, roll back.

.txt and .md must be UTF-8 (a BOM is fine); .docx is read with python-docx and stored as
a .txt next to the others (one paragraph per block), because the index reads .txt/.md.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.engine.documents.ingest import UPLOAD_SUFFIXES

MAX_STEM = 80
_KEEP = frozenset("-_.()（）《》【】 ")


class UploadError(ValueError):
    """An upload cannot be used; ``key`` names the UI text, ``values`` fill it in."""

    def __init__(self, key: str, **values: object) -> None:
        """Remember the text key and its values."""
        super().__init__(key)
        self.key = key
        self.values = values


def suffix_of(name: str) -> str:
    """The lower-case extension of ``name`` ("" when none)."""
    return Path(name.replace("\\", "/")).suffix.lower()


def target_name(name: str) -> str:
    """A safe file name for ``name``: Chinese kept, no path parts, no leading dot, .docx → .txt."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    suffix = suffix_of(base)
    stem = base[: -len(suffix)] if suffix else base
    cleaned = "".join(c if c.isalnum() or c in _KEEP else "_" for c in stem)
    cleaned = re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", cleaned)).strip(" ._")[:MAX_STEM]
    cleaned = cleaned.rstrip(" .") or "document"
    return cleaned + (".txt" if suffix in ("", ".docx") else suffix)


def document_text(name: str, data: bytes) -> str:
    """The text of an uploaded document; UploadError when it is not usable."""
    suffix = suffix_of(name)
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError("upload_type")
    if suffix == ".docx":
        text = _docx_text(name, data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UploadError("upload_encoding", name=name) from exc
        if "\x00" in text:
            raise UploadError("upload_encoding", name=name)
    if not text.strip():
        raise UploadError("upload_empty", name=name)
    return text


def _docx_text(name: str, data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for damaged files
        raise UploadError("upload_unreadable", name=name, error="not a valid .docx") from exc
    blocks = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    return "\n\n".join(blocks) + "\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a hidden temporary file and one rename."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
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
    """A document written into the folder, with what was there before (for rollback)."""

    path: Path
    previous: bytes | None

    def rollback(self) -> None:
        """Restore the folder: remove the new file, or put the replaced one back."""
        if self.previous is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomic(self.path, self.previous)


def place(folder: Path, name: str, text: str) -> Placed:
    """Write ``text`` as ``folder``/``name`` (``name`` from target_name) atomically."""
    path = folder / name
    if path.parent != folder or name.startswith("."):
        raise ValueError(f"unsafe document name {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    previous = path.read_bytes() if path.is_file() else None
    write_atomic(path, text.encode("utf-8"))
    return Placed(path, previous)
