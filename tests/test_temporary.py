"""bot/engine/documents/temporary.py: the name a writer uses is the name a reader skips."""

from __future__ import annotations

from pathlib import Path

from bot.engine.documents.temporary import is_temporary, temporary


def test_a_temporary_name_is_hidden_beside_its_file_and_recognised() -> None:
    path = Path("/docs/问责办法.pdf")
    first, second = temporary(path), temporary(path)
    assert first.parent == path.parent and first != second
    assert first.name.startswith(".问责办法.pdf.") and is_temporary(first.name)


def test_documents_and_the_catalogue_are_not_temporary() -> None:
    assert not is_temporary("article.txt")
    assert not is_temporary(".qabot-documents.json")
    assert not is_temporary("notes.tmp")  # a visible file is a document, whatever its suffix
