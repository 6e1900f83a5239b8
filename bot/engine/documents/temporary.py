"""The one naming rule for a file being written into a folder before its rename: a hidden
sibling ".NAME.<random>.tmp". Uploads write documents this way (bot/engine/documents/folder.py), a
fetch writes index and document files this way (bot/state/blobs.py), and a documents folder's
files are published without such leftovers (bot/state/published.py).
"""

from __future__ import annotations

import secrets
from pathlib import Path


def temporary(path: Path) -> Path:
    """A fresh hidden name beside ``path`` to write it under before renaming it to ``path``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def is_temporary(name: str) -> bool:
    """Whether ``name`` is such a file (one a writer left behind, or is still writing)."""
    return name.startswith(".") and name.endswith(".tmp")


__all__ = ["is_temporary", "temporary"]
