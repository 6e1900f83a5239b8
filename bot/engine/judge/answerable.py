"""Does the chosen evidence answer the question? A small logistic model over general features.

The ranking and the answer chooser always find *something*; a near miss from the same
domain ("公务员每年有多少天年假？" about a text on 基层干部) gets a well-ranked paragraph and
a fluent sentence that does not answer it. No single feature tells them apart: an in-scope
question about the reposted (synonym-swapped) text also shares few words with its answer,
and a near miss often shares many. Together they do: the null model's margins, how much of
the question the best paragraph and the documents cover, how close the answer sentence is,
whether it holds the kind of fact asked (bot/engine/judge/evidence.py measures them).

A ``Judge`` is a logistic regression over standardised features: probability that the
question is answered by the documents; below ``threshold`` the engine says "related"
(the documents touch the subject but do not answer). In fitting, a missing feature takes
its mean, so it counts for nothing; in serving, evidence without a feature of the judge
(no second model) is left to the fixed rules.
Questions in the documents' script and in the other one (English about a Chinese text)
have a judge each: their features mean different things (no lexical overlap across
scripts). The shipped coefficients are fitted by ``bench/calibrate.py`` on labelled
questions (in scope or near miss); it prints the cross-validated table and the constants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.judge.evidence import Evidence

L2 = 1.0  # ridge penalty on the standardised coefficients (the data are a few hundred questions)


@dataclass(frozen=True)
class Judge:
    """Logistic regression over named features of an Evidence, with a decision threshold."""

    names: tuple[str, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    def probability(self, evidence: Evidence) -> float:
        """How likely the documents answer the question, by the fitted model (0..1)."""
        return float(self.probabilities(np.array([evidence.values(self.names)], dtype=np.float64))[0])

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """``probability`` for rows of feature values (NaN: missing) in ``names`` order."""
        z = (rows - np.array(self.center)) / np.array(self.scale)
        z = np.where(np.isnan(z), 0.0, z)
        logit = z @ np.array(self.weights) + self.bias
        result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))
        return result

    def answers(self, evidence: Evidence) -> bool:
        """True when the evidence answers the question (probability ≥ ``threshold``). Not
        judged (True): a question that leans on another (its words do not name its subject)
        and evidence that lacks a feature of the judge (an index without the second model
        has no USE margin and no word vectors: the fixed rules decide alone)."""
        values = evidence.values(self.names)
        if evidence.elliptical or any(v is None for v in values):
            return True
        return self.probability(evidence) >= self.threshold


def rows_of(evidence: Sequence[Evidence], names: tuple[str, ...]) -> np.ndarray:
    """Feature rows (NaN where a feature is missing) for ``fit`` and ``probabilities``."""
    values = [[np.nan if v is None else v for v in e.values(names)] for e in evidence]
    return np.array(values, dtype=np.float64).reshape(len(values), len(names))


def fit(
    rows: np.ndarray, answered: np.ndarray, names: tuple[str, ...], l2: float = L2, threshold: float = 0.5
) -> Judge:
    """A Judge fitted by Newton's method on ``rows`` (NaN = missing) and labels (True: the
    documents answer). Both classes weigh the same in total, so the probabilities do not
    lean towards the commoner one; the penalty keeps coefficients small on little data."""
    rows = np.asarray(rows, dtype=np.float64)
    y = np.asarray(answered, dtype=np.float64)
    center = np.nanmean(rows, axis=0)
    scale = np.nanstd(rows, axis=0)
    center = np.where(np.isnan(center), 0.0, center)
    scale = np.where(np.isnan(scale) | (scale < 1e-9), 1.0, scale)
    z = np.where(np.isnan(rows), 0.0, (rows - center) / scale)
    x = np.c_[z, np.ones(len(z))]
    positive = max(float(y.mean()), 1e-9)
    balance = np.where(y == 1, 0.5 / positive, 0.5 / max(1 - positive, 1e-9))
    penalty = l2 * np.diag(np.r_[np.ones(z.shape[1]), 0.0])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (balance * (p - y)) + penalty @ w
        hessian = (x * (balance * p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return Judge(
        names, tuple(round(float(c), 6) for c in center), tuple(round(float(s), 6) for s in scale),
        tuple(round(float(c), 6) for c in w[:-1]), round(float(w[-1]), 6), threshold,
    )


# Fitted by bench/calibrate.py on the tuning sets dev, dev2, dev_en, nearmiss and nearmiss3 (the
# article) and realdocs's statute questions (a library of 16 documents, 1,516 paragraphs), only
# the questions the null model let through; held-out, dev3 and realheld never fitted. Threshold:
# the documents' script 0.12 (`--margin 0.85`: 0.85 × 0.14, the highest at which the model
# refuses no in-scope tuning question beyond the fixed rules under 5-fold cross-validation and
# leave-one-set-out; the default 0.7 gave 0.08, which let a dev2 near miss through), the other
# script 0.16 (`--margin 0.8`: 0.8 × 0.2, the highest at which it refuses no in-scope tuning
# question beyond the fixed rules, 5-fold and leave-one-set-out; 0.12 before, 0.7 ×: dev2's
# answered near misses 6 → 4, nearmiss3's 10 → 9, a wrong held-out answer held back, no right
# answer lost on any set; 0.18 also refused a right dev4 answer at p 0.17; realheld and lawheld
# unchanged). The fit's
# figures (AUC, near misses caught) are in bench/FINDINGS.md 1c and 1i.
# Documents' script:
SAME_SCRIPT = Judge(
    names=("second", "known", "said", "gap"),
    center=(0.133544, 0.911494, 0.700166, 1.813831),
    scale=(0.152812, 0.078825, 0.172937, 1.656622),
    weights=(0.985176, 0.52906, 0.821106, 0.591942),
    bias=0.156578,
    threshold=0.12,
)
# Other script (English about the Chinese text):
CROSS_SCRIPT = Judge(
    names=("second", "said", "gap"),
    center=(0.084885, 0.593393, 2.730036),
    scale=(0.110049, 0.078597, 2.410868),
    weights=(1.378934, 0.34492, 0.629045),
    bias=0.387903,
    threshold=0.16,
)


def answerable(evidence: Evidence) -> bool:
    """Does the evidence answer the question: the fixed rules pass and the judge of its
    script agrees?"""
    judge = CROSS_SCRIPT if evidence.cross else SAME_SCRIPT
    return evidence.plausible and judge.answers(evidence)


__all__ = ["CROSS_SCRIPT", "L2", "SAME_SCRIPT", "Judge", "answerable", "fit", "rows_of"]
