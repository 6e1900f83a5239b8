"""Refit the answerability model (bot/answerable.py) from the labelled question sets.

    python bench/calibrate.py                 # measure every question, fit, print the tables
    python bench/calibrate.py --cached        # refit from bench/out/calibrate-evidence.json
    python bench/calibrate.py --same dense,covered,... --cross second,...   # other features

Every question of the labelled sets is asked through the real engine (``SearchService.judge``,
the shipped models and index); a question the null model lets through has its Evidence
(bot/evidence.py). Label: in scope (gold substrings) = the documents answer it; a near miss
or off-topic question = they do not. Questions in the documents' script and in the other
one get a model each.

Fitted on the tuning sets (dev, dev2, dev_en, nearmiss, nearmiss3); held-out is only checked. The
tables: 5-fold cross-validation on the tuning sets, and leave-one-set-out (fit on the other
tuning sets, test on the one left out; held-out tested with the model fitted on all tuning
sets). "refused" counts in-scope questions not answered (the fixed rules of
``Evidence.plausible`` and the model together), "caught" near misses not answered. The
threshold printed for shipping is the highest one whose cross-validated refusals stay within
``--budget`` of the in-scope tuning questions. Paste the printed constants into
bot/answerable.py.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from typing import Any

import numpy as np
from benchkit import DEV_SET, HELDOUT_SET, OUT, ROOT, load_average, real_settings

from bot.answerable import CROSS_SCRIPT, SAME_SCRIPT, Judge, fit, rows_of
from bot.evaluate import read_cases
from bot.evidence import Evidence
from bot.service import open_service

SETS = {
    "dev": DEV_SET,
    "dev2": ROOT / "tests" / "data" / "dev2.jsonl",
    "dev_en": ROOT / "tests" / "data" / "dev_en.jsonl",
    "nearmiss": ROOT / "tests" / "data" / "nearmiss.jsonl",
    "nearmiss3": ROOT / "tests" / "data" / "nearmiss3.jsonl",
    "heldout": HELDOUT_SET,
}
TUNING = ("dev", "dev2", "dev_en", "nearmiss", "nearmiss3")
CACHE = OUT / "calibrate-evidence.json"
FOLDS = 5
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def collect() -> list[dict[str, Any]]:
    """One record per labelled question: set, question, in scope, status, evidence."""
    service = open_service(real_settings())
    records = []
    for name, path in SETS.items():
        for case in read_cases(path):
            answer, evidence = service.judge(case.q)
            records.append({
                "set": name, "q": case.q, "tag": case.tag, "in_scope": bool(case.gold),
                "status": answer.status, "evidence": None if evidence is None else asdict(evidence),
            })  # fmt: skip
    return records


class Group:
    """The judged questions of one script group, as feature rows and labels."""

    def __init__(self, records: list[dict[str, Any]], cross: bool, names: tuple[str, ...]) -> None:
        kept = [r for r in records if r["evidence"] is not None and r["evidence"]["cross"] == cross]
        evidence = [Evidence(**r["evidence"]) for r in kept]
        self.records = kept
        self.names = names
        self.rows = rows_of(evidence, names)
        self.y = np.array([r["in_scope"] for r in kept], dtype=bool)
        self.sets = np.array([r["set"] for r in kept])
        self.plausible = np.array([e.plausible for e in evidence], dtype=bool)
        self.tuning = np.isin(self.sets, TUNING)

    def cross_validated(self, l2: float) -> np.ndarray:
        """Out-of-fold probabilities for the tuning questions (NaN elsewhere)."""
        out = np.full(len(self.y), np.nan)
        order = np.flatnonzero(self.tuning)
        np.random.default_rng(0).shuffle(order)
        for f in range(FOLDS):
            test = order[f::FOLDS]
            train = np.setdiff1d(order, test)
            out[test] = fit(self.rows[train], self.y[train], self.names, l2).probabilities(self.rows[test])
        return out

    def left_out(self, l2: float) -> np.ndarray:
        """Probabilities of each set's questions by a model fitted on the other tuning sets
        (held-out: on all of them)."""
        out = np.full(len(self.y), np.nan)
        for name in SETS:
            test = self.sets == name
            train = self.tuning & ~test
            if test.any() and train.any():
                out[test] = fit(self.rows[train], self.y[train], self.names, l2).probabilities(self.rows[test])
        return out

    def counts(self, p: np.ndarray, threshold: float, mask: np.ndarray) -> tuple[int, int, int, int]:
        """In-scope refused / in scope, near misses caught / near misses, within ``mask``."""
        answered = self.plausible & (p >= threshold)
        pos, neg = mask & self.y, mask & ~self.y
        return int((pos & ~answered).sum()), int(pos.sum()), int((neg & ~answered).sum()), int(neg.sum())


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Probability that an in-scope question scores above a near miss (ties count half)."""
    a, b = p[y], p[~y]
    if not len(a) or not len(b):
        return float("nan")
    return float(((a[:, None] > b[None, :]) + 0.5 * (a[:, None] == b[None, :])).mean())


def report(group: Group, title: str, l2: float, budget: float, verbose: bool = False) -> Judge:
    """Print the CV and leave-one-set-out tables; return the judge fitted on all tuning sets."""
    cv, loso = group.cross_validated(l2), group.left_out(l2)
    t = group.tuning
    print(f"\n## {title}: {int((t & group.y).sum())} in scope, {int((t & ~group.y).sum())} near misses "
          f"judged (tuning); held-out {int((~t & group.y).sum())} / {int((~t & ~group.y).sum())}")  # fmt: skip
    print(f"AUC: 5-fold {auc(cv[t], group.y[t]):.3f}, leave-one-set-out {auc(loso[t], group.y[t]):.3f}, "
          f"held-out {auc(loso[~t], group.y[~t]):.3f}")  # fmt: skip
    none = group.counts(np.ones(len(group.y)), 0.0, t)
    print(f"fixed rules only (tuning): refused {none[0]}/{none[1]}, caught {none[2]}/{none[3]}")
    print("| threshold | 5-fold refused | 5-fold caught | " + " | ".join(f"{s} refused / caught" for s in SETS) + " |")
    print("|---|---|---|" + "---|" * len(SETS))
    allowed = budget * int((t & group.y).sum())
    chosen = THRESHOLDS[0]
    for threshold in THRESHOLDS:
        r, n, c, m = group.counts(cv, threshold, t)
        if r - none[0] <= allowed:
            chosen = threshold
        cells = []
        for name in SETS:
            rr, nn, cc, mm = group.counts(loso, threshold, group.sets == name)
            cells.append(f"{rr}/{nn} · {cc}/{mm}")
        print(f"| {threshold} | {r}/{n} | {c}/{m} | " + " | ".join(cells) + " |")
    judge = fit(group.rows[t], group.y[t], group.names, l2, chosen)
    if verbose:
        shown = np.where(t, cv, loso)
        for i in np.argsort(shown):
            r = group.records[i]
            if (group.y[i] and shown[i] < 0.6) or (not group.y[i] and shown[i] >= 0.1 and group.plausible[i]):
                flag = "in scope" if group.y[i] else "near miss"
                print(f"  {shown[i]:.2f} {flag:9s} {r['set']:9s} rules {'ok' if group.plausible[i] else 'no'} {r['q']}")
    print(f"chosen threshold {chosen} (5-fold refusals added by the model ≤ {allowed:.1f})")
    print("coefficients per unit:", {n: round(w / s, 3) for n, w, s in zip(judge.names, judge.weights, judge.scale)})
    return judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cached", action="store_true", help="reuse the evidence of the last run")
    parser.add_argument("--same", default=",".join(SAME_SCRIPT.names), help="features, documents' script")
    parser.add_argument("--cross", default=",".join(CROSS_SCRIPT.names), help="features, other script")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--verbose", action="store_true", help="list the doubtful questions")
    parser.add_argument("--budget", type=float, default=0.015, help="share of in-scope refusals allowed")
    args = parser.parse_args()
    started = time.process_time()
    if args.cached and CACHE.exists():
        records = json.loads(CACHE.read_text(encoding="utf-8"))
    else:
        records = collect()
        OUT.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    print(f"{len(records)} questions, {time.process_time() - started:.1f} s CPU, load {load_average()[0]:.2f}")
    same = report(Group(records, False, tuple(args.same.split(","))), "documents' script", args.l2, args.budget,
                  args.verbose)  # fmt: skip
    cross = report(Group(records, True, tuple(args.cross.split(","))), "other script", args.l2, args.budget,
                   args.verbose)  # fmt: skip
    print("\n# bot/answerable.py")
    for name, judge in (("SAME_SCRIPT", same), ("CROSS_SCRIPT", cross)):
        print(f"{name} = {judge!r}")


if __name__ == "__main__":
    main()
