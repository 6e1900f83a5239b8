"""Words of a question that point elsewhere than a taught answer.

A question close to a taught wording in embedding space may still ask something else: "问责
程序上存在什么问题？" is as close to the taught "问责类型上存在什么问题？" as most of its true
paraphrases are, and so is "张女士抱怨社区成了谁的下级？" to "张女士认为社区本来应该为谁服务？".
What gives such a look-alike away is a word it adds that names something the documents say
elsewhere: 程序, 下级 are in the documents, but neither in the taught wording nor in the
sentence taught as its answer, nor a near-synonym of a word of theirs. A paraphrase's own
words are the taught wording's, its answer's, their near-synonyms, or words the documents do
not have at all (头疼 for 烦恼). The same test the other way round finds a look-alike that
drops what the taught wording names: "容错要和什么相结合？" lacks the 问责 of the taught
"问责要和什么相结合？" (engine/taught.py applies both).

A word counts only when it can name a concept: rarer in general Chinese than
``SPECIFIC_IDF`` (question/concepts.py), known to the documents, not among their commonest
words (in more than 1/e of the passages, like 基层 here: the domain, not the subject), not a
word that asks or negates (a question cue such as 多长时间 or 原因, a 未 or 非: question/taught_match.py
``focus``), not led by a determiner (那名, 这位, 每人) and not a count (一间, 几块). A
near-synonym is a word of the other side at least ``KNOWN_SIMILARITY`` close (the second
model's word vectors, as Concepts uses). Only Chinese is checked: an English question's
words are not the documents' words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import numpy as np

from bot.engine.question.concepts import (
    KNOWN_SIMILARITY,
    SPECIFIC_IDF,
    content_words,
    specificity,
)
from bot.engine.question.taught_match import focus
from bot.engine.text.script import is_cjk_text

EncodeWords = Callable[[list[str]], np.ndarray]  # words → one unit-less row each (the second model)
_DETERMINER = ("这", "那", "每")  # 那名, 这位, 每人: which one, not what
_NUMERAL = re.compile(r"^[一二两三四五六七八九十几数\d]\w$")  # 一间, 几块: how many, not what


class Strays:
    """Finds the stray words of a question against a taught answer, for one index: what the
    documents know (``knows``), how many passages hold a term (``df`` of ``size``), and the
    word encoder; word vectors are kept once computed."""

    def __init__(
        self, knows: Callable[[str], bool], df: Mapping[str, int], size: int, encode: EncodeWords
    ) -> None:
        self._knows, self._df, self._common = knows, df, size / math.e
        self._encode = encode
        self._vectors: dict[str, np.ndarray] = {}

    def __call__(self, question: str, answered: str) -> list[str]:
        """The words of ``question`` that name something ``answered`` (the taught wording and
        the sentence taught as its answer) does not, while the documents do."""
        if not is_cjk_text(question):
            return []
        candidates = [w for w in content_words(question) if not _has(answered, w)]
        candidates = [w for w in candidates if self._names(w)]
        if not candidates:
            return []
        theirs = list(dict.fromkeys(content_words(answered)))
        if not theirs:
            return candidates
        near = self._unit([*candidates, *theirs])
        if near is None:  # no word vectors (no second model): near-synonyms cannot be told
            return []
        sims = near[: len(candidates)] @ near[len(candidates) :].T
        return [w for w, row in zip(candidates, sims, strict=True) if float(row.max()) < KNOWN_SIMILARITY]

    def _names(self, word: str) -> bool:
        """``word`` can name something the documents say elsewhere (see the module docstring)."""
        common = self._df.get(word, 0) > self._common
        return (specificity(word) >= SPECIFIC_IDF and self._knows(word) and not common
                and focus(word) == "what" and not word.startswith(_DETERMINER) and not _NUMERAL.match(word))

    def _unit(self, words: list[str]) -> np.ndarray | None:
        """Unit vectors of ``words`` (None: the encoder gives none)."""
        todo = [w for w in dict.fromkeys(words) if w not in self._vectors]
        if todo:
            rows = np.asarray(self._encode(todo), dtype=np.float32)
            if rows.ndim != 2 or rows.shape[0] != len(todo) or not rows.shape[1]:
                return None
            rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
            self._vectors.update(zip(todo, rows, strict=True))
        return np.stack([self._vectors[w] for w in words])


def _has(text: str, word: str) -> bool:
    """``text`` has ``word``: as such, or each two characters of it in a row (上访户 in
    "…上访…访户…"). A part of a compound is not enough: 工作人员 is not 工作."""
    return word in text or (len(word) >= 2 and all(word[i : i + 2] in text for i in range(len(word) - 1)))


__all__ = ["Strays"]
