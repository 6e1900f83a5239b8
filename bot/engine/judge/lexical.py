"""The judge for a question whose best paragraph has no vectors yet: its words must say it all.

Just after an upload the new document is in the index by its words only (a staged build,
bot/engine/index/stages.py): its passages have no dense, sparse or second-model vectors, so
the null model's margins and the answerability model's ``second`` feature say nothing about
them. A hit on such a passage is *lexical-only*, and it is judged here on the lexical
evidence alone, with a stronger bar than the full judge needs: the fixed rules (the asked
kind of fact is held, a rare word shared, every specific word known), and the question's
words covered by the best paragraph and by the chosen answer sentence, the worst-covered
specific word included. Less than that is "related" (the paragraphs are offered); a best
paragraph that shares no rare word with the question is not covered at all.

The bars are set so that bold lexical-only answers are no less precise than the full
judge's on the same questions (bench/lexical_bar.py: every set with everything pending
against the same sets fully embedded; figures in bench/RESULTS.md, block lexical_bar).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bot.engine.judge.evidence import Evidence
from bot.engine.rank.hybrid import Ranking

COVERED = 0.9  # the best paragraph's coverage of the question's words (weighted mean)
SAID = 0.8  # ... and the answer sentence's
LEAST = 0.75  # the worst-covered specific word's match in the best paragraph

Verdict = Literal["answered", "related", "not_covered"]


def lexical_only(ranking: Ranking, pending: np.ndarray | None) -> bool:
    """The best paragraph of ``ranking`` has no vectors yet (``pending``: IndexArrays.pending)."""
    return pending is not None and bool(ranking.items) and bool(pending[ranking.items[0].passage])


def verdict(evidence: Evidence) -> Verdict:
    """What a lexical-only hit may be: a bold answer only on strong lexical evidence."""
    if not evidence.anchored:
        return "not_covered"
    strong = (
        evidence.plausible
        and (evidence.covered or 0.0) >= COVERED
        and (evidence.said or 0.0) >= SAID
        and (evidence.least if evidence.least is not None else 1.0) >= LEAST
    )
    return "answered" if strong else "related"


__all__ = ["COVERED", "LEAST", "SAID", "lexical_only", "verdict"]
