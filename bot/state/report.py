"""What officials asked and could not find: the question log summed up for admins.

``build_report`` reads the log of the last N days from the state store: answered / related /
not covered counts, latency percentiles, 👍/👎, and the gaps (questions not answered or voted
👎, the same question in other punctuation or spacing counted together, most frequent
first, with the reasons given for 👎), and the updates that could not be parsed (kept in
the inbox as received, bot/telegram/received.py). `qabot report` prints it (``format_report``) and can
write the rows as CSV; the bot's /gaps shows the gaps.
"""

from __future__ import annotations

import csv
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.engine.text.script import question_key
from bot.state.records import REASONS, Gap, LoggedQuestion, Unparsable
from bot.state.sql import SqlStore

GAPS_SHOWN = 20
UNPARSABLE_SHOWN = 10
CSV_COLUMNS = ("time_utc", "user_id", "question", "outcome", "cited", "latency_ms", "up", "down")


@dataclass(frozen=True)
class Report:
    """The question log of ``days`` days, summed up."""

    days: float
    rows: tuple[LoggedQuestion, ...]
    gaps: tuple[Gap, ...]
    reasons: dict[str, Counter[str]] = field(default_factory=dict)  # 👎 reasons by question_key
    unparsable: int = 0  # updates of these days that could not be parsed
    unparsable_latest: tuple[Unparsable, ...] = ()  # the latest of them

    @property
    def outcomes(self) -> Counter[str]:
        """Questions per outcome (answered, related, not_covered)."""
        return Counter(r.status for r in self.rows)

    def percentile(self, p: float) -> float:
        """Latency percentile ``p`` (0–100) in ms, nearest rank; 0 without rows."""
        ms = sorted(r.ms for r in self.rows)
        if not ms:
            return 0.0
        return ms[min(len(ms) - 1, max(0, math.ceil(p / 100 * len(ms)) - 1))]


def build_report(store: SqlStore, days: float, now: float | None = None) -> Report:
    """The report over the last ``days`` days."""
    since = (time.time() if now is None else now) - days * 86400
    unparsable, latest = store.unparsable(since, UNPARSABLE_SHOWN, every_bot=True)
    return Report(days, tuple(store.questions(since)), tuple(store.gaps(since, GAPS_SHOWN)),
                  store.reasons(since), unparsable, tuple(latest))


def format_report(report: Report) -> str:
    """Plain text for the console."""
    n, outcomes = len(report.rows), report.outcomes
    up, down = sum(r.up for r in report.rows), sum(r.down for r in report.rows)
    lines = [
        f"Questions in the last {report.days:g} days: {n}",
        f"  answered {outcomes['answered']}, related only {outcomes['related']}, "
        f"not covered {outcomes['not_covered']}; feedback 👍 {up} / 👎 {down}",
        f"  latency ms: p50 {report.percentile(50):.0f}, p95 {report.percentile(95):.0f}, "
        f"p99 {report.percentile(99):.0f}, max {report.percentile(100):.0f}",
        "",
        "Not answered or voted 👎 (most frequent first):" if report.gaps else
        "No question went unanswered or got 👎.",
    ]
    for i, gap in enumerate(report.gaps, 1):
        why = report.reasons.get(question_key(gap.question))
        given = "; " + ", ".join(f"{REASONS.get(r, r)} {n}" for r, n in why.most_common()) if why else ""
        lines.append(
            f"{i:3d}. {gap.count:4d}×  {gap.question}  "
            f"(not answered {gap.not_answered}, 👎 {gap.down}{given})"
        )
    if report.unparsable:
        lines += ["", f"Updates that could not be parsed (kept in the inbox, not answered): "
                      f"{report.unparsable}, the latest:"]
        lines += [f"  {datetime.fromtimestamp(u.received_at, UTC).isoformat(timespec='seconds')}"
                  f"  update {u.update_id}: {u.reason}" for u in report.unparsable_latest]
    return "\n".join(lines)


def write_csv(report: Report, path: Path) -> None:
    """One row per logged question (UTF-8 with BOM, so spreadsheets show the Chinese)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CSV_COLUMNS)
        for r in report.rows:
            when = datetime.fromtimestamp(r.at, UTC).isoformat(timespec="seconds")
            cited = " ".join(f"{doc}¶{n}" for doc, n in r.cited)
            out.writerow([when, r.user_id, r.question, r.status, cited, round(r.ms, 1), r.up, r.down])
