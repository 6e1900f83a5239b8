"""Is the question about the documents at all? A null model of everyday questions decides.

Refusal compares two best matches made by the same model: the question against the
documents and against a background of everyday questions (bot/data/background.txt). A
question that the documents match no better than generic text is not covered. Comparing
against the background instead of a fixed cosine cut-off keeps the rule meaningful for
models whose cosines are compressed (e5: 0.72–0.85 off-topic).

The background is embedded in the documents' script (CJK or not), so a question in the
other language is compared cross-lingually on both sides. Cross-lingual cosines are
compressed (an English question matches a Chinese paragraph it is about at USE margins of
−0.06 and above, an everyday one at −0.16 and below), so such a question gets its own
floor on the second model's margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.engine.rank.hybrid import Query, Ranking


@dataclass(frozen=True)
class Margins:
    """The documents' best match minus the background's, per model (None: no such signal)."""

    dense: float
    sparse: float | None = None
    second: float | None = None
    cross: bool = False  # the question is not in the documents' script
    background: float | None = None  # the background's best cosine with the second model
    dense_background: float = 0.0  # ... and with the main model


@dataclass(frozen=True)
class RefusalRule:
    """Margins that decide coverage.

    Calibrated on the dev set and tests/data/nearmiss.jsonl, checked on the held-out set
    (bench/RESULTS.md): refuse when the dense margin is below ``dense_floor``, or below
    ``dense_doubt`` without learned-sparse evidence of at least ``sparse_floor``, or when
    the second model's margin is below ``second_floor`` (``cross_second_floor`` for a
    question in the other script). Without a sparse signal (the query-side sparse pass
    is optional) a dense margin below ``dense_doubt`` needs the second model's margin to
    reach ``second_doubt`` instead.
    """

    dense_floor: float = -0.01
    dense_doubt: float = 0.03
    sparse_floor: float = 4.5
    second_floor: float = -0.25
    cross_second_floor: float = -0.12
    second_doubt: float = -0.10

    def covered(self, m: Margins) -> bool:
        """True when the documents plausibly answer the question."""
        if m.dense < self.dense_floor:
            return False
        floor = self.cross_second_floor if m.cross else self.second_floor
        if m.second is not None and m.second < floor:
            return False
        if m.dense >= self.dense_doubt:
            return True
        if m.sparse is not None:
            return m.sparse >= self.sparse_floor
        return m.second is None or m.second >= self.second_doubt


@dataclass(frozen=True)
class NullModel:
    """Embedded background sentences, in the documents' script."""

    vectors: np.ndarray
    sparse: sparse.csr_matrix | None = None
    second: np.ndarray | None = None
    cjk: bool = True

    def margins(self, query: Query, ranking: Ranking) -> Margins:
        """Margins of the documents over the background: dense, sparse and second model."""
        dense_bg = float((self.vectors @ query.vector).max()) if len(self.vectors) else 0.0
        sparse_margin = second_margin = second_bg = None
        if self.sparse is not None and query.sparse is not None and ranking.sparse_top is not None:
            sparse_margin = ranking.sparse_top - float((self.sparse @ query.sparse.T).max())
        if self.second is not None and query.second is not None and len(self.second):
            second_bg = float((self.second @ query.second).max())
            if ranking.second_top is not None:
                second_margin = ranking.second_top - second_bg
        dense_margin = ranking.dense_top - dense_bg
        return Margins(dense_margin, sparse_margin, second_margin, query.cross_lingual, second_bg, dense_bg)




__all__ = ["Margins", "NullModel", "RefusalRule"]
