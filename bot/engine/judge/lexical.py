"""The judge for a question whose best paragraph has no vectors yet: its words must say it all.

Just after an upload the new document is in the index by its words only (a staged build,
bot/engine/index/stages.py): its passages have no dense, sparse or second-model vectors, so
the null model's margins and the answerability model's ``second`` feature say nothing about
them. A hit on such a passage is *lexical-only*, and it is judged here on the lexical
evidence alone, with a stronger bar than the full judge needs: the fixed rules (the asked
kind of fact is held, a rare word shared, every specific word known) and every specific
word of the question matched at least ``LEAST`` in the best paragraph (the word itself or
its character bigrams). Less than that is "related" (the paragraphs are offered); a best
paragraph that shares no rare word with the question is not covered at all, and neither is
a question in the other script (English about a Chinese text): its words match nothing of
the paragraph until the vectors exist (off-topic English questions were all "related"
without this rule, 18 of 18 on the tuning sets, and no in-scope one could be bold).

The bar is set so that bold lexical-only answers are no less precise than the full judge's
on the same questions (bench/lexical_bar.py: each set with everything pending against the
same set fully embedded). On the tuning sets (dev, dev2, dev_en, nearmiss, nearmiss3,
realdocs) the full index's bold answers are right 148/209 (0.708); lexical-only with the
fixed rules alone 55/73 (0.753), with ``LEAST`` 0.5 37/47 (0.787; 0.4 the same, 0.6 and up
34/44). Checked on dev3, dev4, heldout, realheld and lawheld: full 135/181 (0.746), fixed
rules alone 61/83 (0.735, below), ``LEAST`` 0.5 43/54 (0.796). Bars on the mean coverage of
the question by the paragraph or by the answer sentence (tried too) cut right answers faster
than wrong ones.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bot.engine.judge.evidence import Evidence
from bot.engine.rank.hybrid import Ranking

LEAST = 0.5  # the worst-covered specific word's match in the best paragraph (0..1)

Verdict = Literal["answered", "related", "not_covered"]


def lexical_only(ranking: Ranking, pending: np.ndarray | None) -> bool:
    """The best paragraph of ``ranking`` has no vectors yet (``pending``: IndexArrays.pending)."""
    return pending is not None and bool(ranking.items) and bool(pending[ranking.items[0].passage])


def verdict(evidence: Evidence) -> Verdict:
    """What a lexical-only hit may be: a bold answer only on strong lexical evidence."""
    if evidence.cross or not evidence.anchored:
        return "not_covered"
    least = 1.0 if evidence.least is None else evidence.least
    strong = evidence.plausible and least >= LEAST
    return "answered" if strong else "related"


__all__ = ["LEAST", "lexical_only", "verdict"]
