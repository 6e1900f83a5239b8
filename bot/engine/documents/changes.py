"""What replacing a document changes, in paragraphs: "新增 3 段，修改 2 段，删除 1 段".

Paragraphs are compared by content hash, in order (difflib's matching of the two
sequences), so a paragraph that moved because another was inserted before it counts as
unchanged, and its ¶ number does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from bot.engine.types import Changes


def compare(old: Sequence[str], new: Sequence[str]) -> Changes:
    """The changes from the paragraph hashes ``old`` to ``new``."""
    added = changed = removed = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "replace":
            both = min(i2 - i1, j2 - j1)
            changed += both
            added += (j2 - j1) - both
            removed += (i2 - i1) - both
        elif op == "insert":
            added += j2 - j1
        elif op == "delete":
            removed += i2 - i1
    return Changes(added, changed, removed)
