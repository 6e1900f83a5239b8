"""What admins taught (and what 问答 documents teach themselves): wordings linked to a paragraph.

Signals alone will not rank every fresh wording right; an admin who sees a miss in /gaps
links the wording to the paragraph that answers it (or marks it not covered). This module
is the engine's side of that: a ``Teaching`` names its paragraph by content hash (¶ numbers
shift when a document is edited), and a ``TaughtMatcher`` says whether a new question means
the same as a taught one:

- the same words (``question_key``: punctuation, spacing, case and width aside), or
- close in embedding space (the mean cosine of the e5 and the second model's vectors at
  least ``SIMILAR``, calibrated in bench/teach.py on bench/data/teach_pairs.jsonl)
  *and* asking the same kind of thing (``focus``: who, when, how many, why, what effect,
  how to…), so "惠州那个街道年终考核是谁组织的？" is not captured by "…一共有多少项指标？".

The engine stays store-free: the serving layer (or a CLI command) loads the teachings from
the state store and hands them to ``SearchService.teach``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.text.script import question_key
from bot.engine.types import Teaching

SIMILAR = 0.90  # mean cosine (e5, second model) a paraphrase reaches: bench/teach.py, FINDINGS there


_FOCUS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("how_to", r"怎么办|怎样解决|如何解决|怎么解决|怎么处理|如何处理|该怎么|应该怎么|怎样才能|如何才能"
                   r"|\bhow (?:to|should|can|could)\b"),
        ("time", r"什么时候|哪一年|哪年|何时|哪一天|什么时间|\bwhen\b|\bwhat (?:year|date|time)\b"),
        ("number", r"(?<![好这那十没近])几(?!乎)|多少|多久|多长|数量|总数|\bhow (?:many|much|long|often)\b"
                   r"|\bnumber of\b"),
        ("who", r"谁|哪个部门|哪些部门|哪个单位|哪个机构|\bwho\b|\bwhich (?:department|body|office)\b"),
        ("where", r"哪片|哪个村|哪个地方|哪个省|哪个市|哪儿|\bwhere\b"),
        ("cause", r"为什么|为何|为啥|原因|怎么会|\bwhy\b|\breason"),
        ("effect", r"后果|影响|\bconsequence|\beffect|\bhappen"),
        ("condition", r"条件|补贴|待遇|\brequire"),
    )
)


def focus(question: str) -> str:
    """The kind of thing ``question`` asks (the first that applies of: how_to, time,
    number, who, where, cause, effect, condition; "what" otherwise)."""
    for name, pattern in _FOCUS:
        if pattern.search(question):
            return name
    return "what"


@dataclass(frozen=True)
class Match:
    """A taught wording a question was matched to, and how (``exact`` or by ``similarity``)."""

    teaching: Teaching
    similarity: float
    exact: bool


class TaughtMatcher:
    """The teachings in force and their question vectors (rows of ``vectors``: unit vectors
    of each model, concatenated per model in ``parts``); ``match`` finds the one a question
    means, if any."""

    def __init__(self, teachings: Sequence[Teaching], vectors: Sequence[np.ndarray] = ()) -> None:
        self.teachings = tuple(teachings)
        self._by_key = {question_key(t.question): t for t in self.teachings}
        self._focus = [focus(t.question) for t in self.teachings]
        self._vectors = [_unit(v) for v in vectors if v.shape[0] == len(self.teachings)]

    def __len__(self) -> int:
        return len(self.teachings)

    def match(self, question: str, vectors: Sequence[np.ndarray | None] = ()) -> Match | None:
        """The teaching ``question`` means (one vector per model, as at construction; None
        when that model is not available), or None."""
        exact = self._by_key.get(question_key(question))
        if exact is not None:
            return Match(exact, 1.0, True)
        if not self.teachings or not self._vectors or len(vectors) != len(self._vectors):
            return None
        scores = self.similarities(vectors)
        if scores is None:
            return None
        asked = focus(question)
        for i in np.argsort(-scores):
            if scores[i] < SIMILAR:
                return None
            if self._focus[i] == asked:
                return Match(self.teachings[int(i)], float(scores[i]), False)
        return None

    def similarities(self, vectors: Sequence[np.ndarray | None]) -> np.ndarray | None:
        """Mean cosine of the question with every taught wording (None: a vector missing)."""
        total = np.zeros(len(self.teachings), dtype=np.float32)
        for taught, vector in zip(self._vectors, vectors, strict=True):
            if vector is None:
                return None
            total += taught @ _unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        return total / len(self._vectors)


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = rows / np.maximum(norms, 1e-12)
    return unit


NO_TEACHINGS = TaughtMatcher(())

__all__ = ["NO_TEACHINGS", "SIMILAR", "Match", "TaughtMatcher", "focus"]
