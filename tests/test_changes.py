"""Replacing a document: paragraphs added, changed and removed, by content."""

from __future__ import annotations

from bot.engine.documents.changes import Changes, compare


def test_an_identical_document_changes_nothing() -> None:
    assert compare(["a", "b", "c"], ["a", "b", "c"]) == Changes(0, 0, 0)


def test_an_insert_before_others_counts_once_and_does_not_shift_the_rest() -> None:
    assert compare(["a", "b", "c"], ["new", "a", "b", "c"]) == Changes(1, 0, 0)


def test_edits_removals_and_additions_are_told_apart() -> None:
    assert compare(["a", "b", "c", "d"], ["a", "B", "d", "e", "f"]) == Changes(added=2, changed=1, removed=1)
