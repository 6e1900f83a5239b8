"""What admins taught (and what 问答 documents teach themselves): wordings linked to a paragraph.

Signals alone will not rank every fresh wording right; an admin who sees a miss in /gaps
links the wording to the paragraph that answers it (or marks it not covered). This module
is the engine's side of that: a ``Teaching`` names its paragraph by content hash (¶ numbers
shift when a document is edited), and a ``TaughtMatcher`` says whether a new question means
the same as a taught one:

- the same words (``question_key``: punctuation, spacing, case and width aside), or
- close in embedding space (the mean cosine of the e5 and the second model's vectors at
  least ``threshold``, chosen with bench/teach.py, and at least ``ANSWER_FROM``)
  *and* asking the same kind of thing (``focus``: who, when, how many, why, what effect,
  how to…, negated or not), so "惠州那个街道年终考核是谁组织的？" is not captured by
  "…一共有多少项指标？"; a plain "what" question needs a closer match unless it asks for the
  same thing by name (``head``: "什么态度" is not "哪些工作"), and without a word that
  names something the taught answer does not (question/strays.py: "问责程序上…" is not
  "问责类型上…").

The models put paraphrases no closer than look-alikes (bench/FINDINGS.md 1g): look-alikes
reach 0.974, paraphrases go down to 0.67, so no similarity answers the one and never the
other. A close wording below ``ANSWER_FROM`` is therefore never answered from its teaching:
``near`` offers it instead ("您是不是想问：…", bot/engine/taught.py), the taught wordings at
least ``SUGGEST_FROM`` and within ``SUGGEST_WITHIN`` of the closest, for the asker to choose.

The engine stays store-free: the serving layer (or a CLI command) loads the teachings from
the state store and hands them to ``SearchService.teach``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.text.script import is_cjk_text, question_key
from bot.engine.types import Teaching

# Mean cosine (e5, second model) a paraphrase must reach: SIMILAR_SPECIFIC when it asks for a
# specific kind (a number, a time, who, why…) or the same thing by name (头衔, 原则), SIMILAR
# otherwise, or SIMILAR_CHECKED for two Chinese wordings, whose match must also leave no stray word
# (question/strays.py; English words are not checked). Chosen with bench/teach.py (bench/FINDINGS.md
# 1g: similarity alone does not separate paraphrases from look-alikes).
SIMILAR = 0.90
SIMILAR_CHECKED = 0.86
SIMILAR_SPECIFIC = 0.82
# Answering from a teaching also needs ANSWER_FROM: above every look-alike of bench/data
# (the closest 0.974), so a look-alike gets at most a suggestion. Below it, the taught wordings
# at least SUGGEST_FROM and within SUGGEST_WITHIN of the closest are suggested, SUGGESTED at most
# (bench/teach.py: paraphrases answered right or suggested 0.95 or more on every set at 0.74).
ANSWER_FROM = 0.98
SUGGEST_FROM = 0.74
SUGGEST_WITHIN = 0.05
SUGGESTED = 3
_HEAD = re.compile(r"(?:什么样的?|怎样的|什么|哪些|哪个|哪条|哪类|哪种|哪项)([\u4e00-\u9fff]{2})")


_FOCUS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("how_to", r"怎么办|[怎如]样?解决|怎么处理|如何处理|怎样才能|如何才能"
                   r"|\bhow (?:to|can|could) (?:solve|fix|deal)"),
        ("time", r"什么时候|哪一年|哪年|何时|哪一天|什么时间|\bwhat (?:year|date|time)\b|\bwhich year\b"
                 r"|\bwhen (?:did|do|does|was|were|is|are|will|would|should|can|could|has|have|had)\b"),
        ("number", r"(?<![好这那十没近哪])几(?!乎)|多少|多久|多长|数量|总数|\bhow (?:many|much|long|often)\b"
                   r"|\bnumber of\b"),
        ("who", r"谁|哪个部门|哪些部门|哪个单位|哪个机构|\bwho\b"
                r"|\bwhich (?:department|body|office|organi[sz]ation|agency|authority)\b"),
        ("where", r"哪片|哪个村|哪个地方|哪个省|哪个市|哪儿|\bwhere\b"),
        ("why", r"为什么|为何|为啥|原因|目的|为了什么|怎么会|\bwhy\b|\breason|\bpurpose\b|\bhow come\b"
                r"|\bwhat (?:makes|explains|stops|causes)\b|\bmeant to\b"),
        ("effect", r"后果|影响|结果|好处|坏处|弊端|\bconsequence|\beffect\b|\bhappen|\bresult\b|\bbenefit"),
        ("condition", r"条件|补贴|待遇"),
    )
)
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"")
_NEGATION = re.compile(r"不敢|不愿|不能|不是|没有|未|非|\bnot\b|n't\b|\bno\b", re.I)


def focus(question: str) -> str:
    """The kind of thing ``question`` asks (the first that applies of: how_to, time,
    number, who, where, why, effect, condition; "what" otherwise), marked "not " when it is
    negated ("对不敢担当的干部…" does not ask what "对敢于担当的干部…" asks). Quoted words
    name something; they do not ask ("“谁主管谁负责”原则是什么意思？" asks what)."""
    question = _QUOTED.sub("", question)
    kind = next((name for name, pattern in _FOCUS if pattern.search(question)), "what")
    return f"not {kind}" if _NEGATION.search(question) else kind


def head(question: str) -> str:
    """What a "what" question asks for by name ("什么态度" → 态度, "哪条原则" → 原则; "" none)."""
    m = _HEAD.search(question)
    return m.group(1) if m else ""


def threshold(taught: str, question: str) -> float:
    """The similarity at which ``question`` means ``taught`` (2.0: never, another focus)."""
    kind = focus(taught)
    if focus(question) != kind:
        return 2.0
    named = head(taught)
    specific = kind.removeprefix("not ") != "what" or (named != "" and named == head(question))
    if specific:
        return SIMILAR_SPECIFIC
    return SIMILAR_CHECKED if checked(taught, question) else SIMILAR


def checked(taught: str, question: str) -> bool:
    """A match of ``question`` to ``taught`` is checked for stray words (question/strays.py):
    both are Chinese, the documents' words."""
    return is_cjk_text(taught) and is_cjk_text(question)


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
        self._vectors = [_unit(v) for v in vectors if v.shape[0] == len(self.teachings)]

    def __len__(self) -> int:
        return len(self.teachings)

    def match(
        self, question: str, vectors: Sequence[np.ndarray | None] = (),
        veto: Callable[[Teaching], bool] | None = None,
    ) -> Match | None:
        """The teaching ``question`` means (one vector per model, as at construction; None
        when that model is not available), or None. ``veto``: a close teaching it holds
        does not mean the same after all (question/strays.py: a word that points elsewhere);
        the next closest is tried. The same words are never vetoed."""
        exact = self._by_key.get(question_key(question))
        if exact is not None:
            return Match(exact, 1.0, True)
        if not self.teachings or not self._vectors or len(vectors) != len(self._vectors):
            return None
        scores = self.similarities(vectors)
        if scores is None:
            return None
        for i in np.argsort(-scores):
            if scores[i] < max(SIMILAR_SPECIFIC, ANSWER_FROM):
                return None
            teaching = self.teachings[int(i)]
            if scores[i] >= threshold(teaching.question, question) and not (veto and veto(teaching)):
                return Match(teaching, float(scores[i]), False)
        return None

    def near(self, vectors: Sequence[np.ndarray | None], n: int = SUGGESTED) -> list[tuple[Teaching, float]]:
        """The taught wordings (not "not covered" ones) closest to a question (its vectors, as
        for ``match``), best first: at least SUGGEST_FROM, within SUGGEST_WITHIN of the
        closest, one per wording, ``n`` at most; none when a vector is missing."""
        if not self.teachings or not self._vectors or len(vectors) != len(self._vectors):
            return []
        scores = self.similarities(vectors)
        if scores is None:
            return []
        out: list[tuple[Teaching, float]] = []
        seen: set[str] = set()
        best = float(scores.max())
        for i in np.argsort(-scores):
            score, teaching = float(scores[i]), self.teachings[int(i)]
            if len(out) == n or score < max(SUGGEST_FROM, best - SUGGEST_WITHIN):
                break
            key = question_key(teaching.question)
            if not teaching.not_covered and key not in seen:
                seen.add(key)
                out.append((teaching, score))
        return out

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

__all__ = [
    "ANSWER_FROM", "NO_TEACHINGS", "SIMILAR", "SIMILAR_CHECKED", "SIMILAR_SPECIFIC", "SUGGESTED",
    "SUGGEST_FROM", "SUGGEST_WITHIN", "Match", "TaughtMatcher", "checked", "focus", "head", "threshold",
]
