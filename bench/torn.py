"""Would offering candidates instead of a bold answer pay when the evidence is torn? (issue 16)

A bold answer is a guess when the evidence is torn: the first two paragraphs of the ranking
are near-tied (a small fused-score ``gap``), or the best sentence among the first three
paragraphs is not in the first one (``sentence margin`` < 0: the sentence evidence and the
paragraph ranking disagree). Each rule below would turn such a bold answer into *related*
with candidate buttons. This bench measures, per question set, what each rule would do to
``precision`` (of all bold answers given, near misses included, the share holding a gold
substring) and ``coverage`` (share of in-scope questions answered), as `qabot eval` counts
them, and how many of the bold answers it would withdraw were right or wrong. Nothing in the
engine changes: the answers are the shipped ones, the rules are applied afterwards.

    python bench/torn.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchkit import OUT, ROOT, real_settings, table, write_result

from bot.engine.lifecycle import open_service
from bot.engine.service import EVIDENCE_PARAGRAPHS, SearchService
from bot.engine.text.normalize import normalize
from bot.tools.evaluate import RANKS, Case, read_cases

SETS = (ROOT.parent / "shared" / "eval" / "dev.jsonl",
        *(ROOT / "tests" / "data" / f"{n}.jsonl"
          for n in ("dev2", "dev3", "dev_en", "heldout", "nearmiss", "nearmiss3", "dev4")))
NONE = 9.0  # a feature that cannot be measured (one paragraph, one sentence group)


@dataclass(frozen=True)
class Asked:
    """One question of a set as the shipped engine answers it, with the torn-evidence features."""

    in_scope: bool
    answered: bool
    right: bool  # the bold answer holds a gold substring
    offered: bool  # a gold substring is in one of the first three paragraphs (the candidates)
    gap: float  # fused score of the first paragraph minus the second's
    sentence_margin: float  # best sentence score of the first paragraph minus that of the next two


def ask(service: SearchService, case: Case) -> Asked:
    """``case`` answered, and its features measured as the service's _decide sees them."""
    answer = service.ask(case.q, k=RANKS)
    offered = any(any(g in h.text for g in case.gold) for h in answer.hits[:3])
    right = bool(case.gold) and answer.answered and any(g in answer.answer for g in case.gold)
    if not answer.answered:
        return Asked(bool(case.gold), False, False, offered, NONE, NONE)
    text = case.q.strip()
    queries, _ = service.reader.read([text], [normalize(text)])
    query = queries[0]
    items = service.retriever.rank(query).items
    gap = items[0].fused - items[1].fused if len(items) > 1 else NONE
    groups = [service.sentences.rows(*service._key(r.passage)) for r in items[:EVIDENCE_PARAGRAPHS]]
    rows = [row for group in groups for row in group]
    scores = service.picker.scores(query, rows)
    first = len(groups[0])
    margin = float(scores[:first].max() - scores[first:].max()) if first and len(scores) > first else NONE
    return Asked(bool(case.gold), True, right, offered, gap, margin)


Rule = Callable[[Asked], bool]  # True: withdraw the bold answer (related with candidates)


def gap_below(limit: float) -> Rule:
    return lambda a: a.gap < limit


def sentence_below(limit: float) -> Rule:
    return lambda a: a.sentence_margin < limit


SHIPPED = "shipped (no rule)"
RULES: dict[str, Rule] = {
    SHIPPED: lambda a: False,
    **{f"gap < {g}": gap_below(g) for g in (0.1, 0.2, 0.3, 0.5)},
    **{f"sentence margin < {m}": sentence_below(m) for m in (0.0, -0.5, -1.0)},
    "gap < 0.2 and sentence margin < 0": lambda a: a.gap < 0.2 and a.sentence_margin < 0,
}


def figures(asked: list[Asked], rule: Rule) -> tuple[float, float]:
    """(precision, coverage) of ``asked`` with ``rule`` applied."""
    given = [a for a in asked if a.answered and not rule(a)]
    in_scope = [a for a in asked if a.in_scope]
    precision = sum(a.right for a in given) / len(given) if given else 1.0
    coverage = sum(a.answered and not rule(a) for a in in_scope) / max(len(in_scope), 1)
    return round(precision, 3), round(coverage, 3)


def main() -> None:
    started = time.perf_counter()
    service = open_service(real_settings())
    sets = {path.stem: [ask(service, c) for c in read_cases(path)] for path in SETS}
    data: dict[str, Any] = {}
    rows = []
    for name, rule in RULES.items():
        per_set = {s: figures(asked, rule) for s, asked in sets.items()}
        withdrawn = [a for asked in sets.values() for a in asked if a.answered and rule(a)]
        wrong = [a for a in withdrawn if not a.right]
        data[name] = {"sets": per_set, "withdrawn_right": len(withdrawn) - len(wrong),
                      "withdrawn_wrong": len(wrong),
                      "wrong_in_scope_offered": sum(a.in_scope and a.offered for a in wrong)}
        base = data[SHIPPED]["sets"]
        paying = [s for s, (p, c) in per_set.items() if p - base[s][0] > base[s][1] - c]
        rows.append([name, *(f"{p:.3f} / {c:.3f}" for p, c in per_set.values()),
                     f"{len(withdrawn) - len(wrong)} / {len(wrong)} ({data[name]['wrong_in_scope_offered']})",
                     len(paying)])
    md = "\n".join([
        "## Candidates when the evidence is torn (bench/torn.py)", "",
        "Precision / coverage per set if a bold answer turned *related* with candidates under each rule; "
        "withdrawn: bold answers turned related that were right / wrong (of the wrong ones, in scope with "
        "the gold paragraph among the three candidates); paying: sets where precision rose more than "
        "coverage fell.", "",
        table(["rule", *sets, "withdrawn right / wrong (offered)", "sets paying"], rows),
    ])
    write_result("torn", data, md, started)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()
