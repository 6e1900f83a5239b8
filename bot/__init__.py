"""qabot: answers questions about a folder of documents, citing paragraphs (¶n)."""

from __future__ import annotations

__version__ = "0.1.0"
