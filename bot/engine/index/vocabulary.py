"""The documents' own words and their vectors, built with the index.

Questions are checked against them at question time (bot/engine/question/concepts.py: is a
question's word known to the documents, by itself or by a near-synonym?).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

from bot.engine.text.script import CJK_WORD

VOCABULARY_ARRAY = "vocabulary"  # one vector per word of ``vocabulary(...)``, in order


def vocabulary(tokens: Collection[str]) -> list[str]:
    """The documents' words among lexical ``tokens`` (bigram/character tokens and non-CJK
    words left out), sorted: row i of the vocabulary vectors is word i."""
    return sorted(t for t in tokens if CJK_WORD.fullmatch(t))


def vocabulary_vectors(
    words: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    previous: dict[str, np.ndarray] | None = None,
    batch: int = 256,
) -> np.ndarray:
    """One vector per word; words embedded for a previous index keep their vectors."""
    previous = previous or {}
    todo = [i for i, w in enumerate(words) if w not in previous]
    rows: list[np.ndarray] = [previous[w] for w in words if w in previous]
    dim = rows[0].shape[0] if rows else 0
    fresh = [encode([words[i] for i in todo[s : s + batch]]) for s in range(0, len(todo), batch)]
    if fresh:
        dim = fresh[0].shape[1]
    out = np.zeros((len(words), dim), dtype=np.float32)
    for i, w in enumerate(words):
        if w in previous:
            out[i] = previous[w]
    if fresh:
        out[todo] = np.concatenate(fresh)
    return out
