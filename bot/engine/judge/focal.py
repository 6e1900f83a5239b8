"""What a yes/no or "who does it" question asks about must be in the paragraph that answers it.

"候选人要不要交保证金？" finds the clause on 候选人 and its 提名, fluent and on topic, that
never says 保证金; "能不能对违法建筑直接罚款？" a clause on 处分 without 罚款; "可以请律师吗？"
a clause on 留置 without 律师. The words of such a question split in two by its structure:
what it is about (the subject before the modal: 候选人, 留置期间) and what it asks of it (the
predicate after 要不要/能不能/是否, or between 可以/能/会 and 吗: 交保证金, 请律师). The
subject finds the paragraph; only the predicate's object answers. A question that asks who
does something to a thing ("乡镇党委书记由谁任命？") names that thing before 由谁: a clause on who
elects 乡镇人民代表大会主席 does not answer it. So the *focal* words of a
yes/no question are its specific content words in that span, and the paragraph must know each
of them, lexically or by a near-synonym of the documents' vocabulary vectors (cosine at
least ``FOCAL_SIMILARITY``): a paragraph without one does not say yes or no to it.

Statistics, not word lists, say which words can be focal: a specific word (rarer in general
Chinese than ``SPECIFIC_IDF``) that is not the library's domain (in more than 1/e of its
passages, as ``anchored`` counts: 基层 in an article on 基层干部) and not a question form
itself (多长时间, 算不算). A compound of four characters or more that the vocabulary has no
vector for (专业培训) is covered as well as its best-covered part (培训 by 培养: the reposted
wording), as one known part makes such a compound known to the documents.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

import jieba
import numpy as np

from bot.engine.question.concepts import MIN_COMPOUND, Concepts, Words

# A-not-A (要不要, 能不能, 有没有, 算不算) and the written forms (是否, 能否, 可否, 有无)
_ASKS_WHETHER = re.compile(r"([\u4e00-\u9fff])[不没]\1|是否|能否|可否|有无")
# a modal and its predicate, to the question's final 吗: "可以请律师吗", "会影响年终奖金吗"
_MODAL_QUESTION = re.compile(
    r"(?:可以|能够|能|会|要|需要|应当|应该|必须|允许)([^，,。？?；;!！]*?)吗[？?!！]?\s*$"
)
# who does it to the thing named before: "X由谁任命", "X由哪个部门负责", "X归谁管", "X谁来发"
_ASKS_AGENT = re.compile(r"由谁|由哪|归谁|谁来")
_CLAUSE_END = re.compile(r"[，,。？?；;!！]")
_QUESTION_FORM = re.compile(r"多少|多久|多长|几|哪|谁|什么|怎|吗|么|([\u4e00-\u9fff])[不没]\1")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Fitted on the yes/no questions of the tuning sets (dev2, nearmiss, nearmiss3, realdocs), between
# the best-covered near miss (律师 by a clause on 留置: 0.55) and the worst-covered answered
# in-scope one (专业培训 by 培养: 0.62, the reposted text's wording); heldout only checked.
FOCAL_SIMILARITY = 0.58


def predicate(question: str) -> tuple[int, int] | None:
    """Where the predicate of a yes/no question is in ``question`` (start, end), or None when
    it asks no yes/no: after 要不要/是否 to the end of its clause, or between a modal and 吗;
    for a question that asks who does something to a thing ("乡镇党委书记由谁任命？"), the thing:
    its clause before 由谁/由哪."""
    whether = _ASKS_WHETHER.search(question)
    if whether:
        end = _CLAUSE_END.search(question, whether.end())
        return whether.end(), end.start() if end else len(question)
    modal = _MODAL_QUESTION.search(question)
    if modal:
        return modal.start(1), modal.end(1)
    agent = _ASKS_AGENT.search(question)
    if agent:
        starts = [m.end() for m in _CLAUSE_END.finditer(question, 0, agent.start())]
        return (starts[-1] if starts else 0), agent.start()
    return None


def focal(question: str, words: Words, df: Mapping[str, int], size: int) -> list[int]:
    """Indexes into ``words`` of the focal words of ``question`` (its norm): specific, in the
    yes/no predicate, not the library's domain (``df`` over ``size`` passages) nor a question
    form. Empty for a question that asks no yes/no or in another script."""
    span = predicate(question) if words.cjk else None
    if span is None:
        return []
    start, end = span
    specific = words.specific()
    common = size / math.e
    found = []
    for i, word in enumerate(words.words):
        at = question.find(word, start)
        if not specific[i] or at < 0 or at + len(word) > end or _QUESTION_FORM.search(word):
            continue
        if _CJK.search(word) and df.get(word, 0) <= common:
            found.append(i)
    return found


def focal_coverage(
    concepts: Concepts, words: Words, chosen: list[int], tokens: Collection[str]
) -> float | None:
    """How well a passage with lexical ``tokens`` covers the worst-covered of the ``chosen``
    focal words (None: no focal word). A compound (``MIN_COMPOUND`` characters or more)
    without a vector of its own (the vocabulary knows it by its parts) takes the coverage
    of its best-covered part when that is higher."""
    if not chosen:
        return None
    covered = concepts.coverage(words, tokens)
    worst = 1.0
    for i in chosen:
        value = float(covered[i])
        vectors = words.vectors
        if vectors is not None and not vectors[i].any() and len(words.words[i]) >= MIN_COMPOUND:
            value = max(value, _parts_coverage(concepts, words.words[i], tokens))
        worst = min(worst, value)
    return worst


def _parts_coverage(concepts: Concepts, word: str, tokens: Collection[str]) -> float:
    """The best coverage of a dictionary part of a compound (0.0 when none has a vector)."""
    parts = [p for p in dict.fromkeys(jieba.cut_for_search(word)) if len(p) >= 2 and p != word]
    rows = [concepts.row(p) for p in parts]
    kept = [(p, r) for p, r in zip(parts, rows, strict=True) if r is not None]
    if not kept or concepts.vectors is None:
        return 0.0
    vectors = np.stack([concepts.vectors[r] for _, r in kept])
    words = Words(tuple(p for p, _ in kept), np.ones(len(kept), dtype=np.float32), vectors, True)
    return float(concepts.coverage(words, tokens).max())


__all__ = ["FOCAL_SIMILARITY", "focal", "focal_coverage", "predicate"]
