"""`qabot report` over the question log (both backends): outcome counts, latency
percentiles, 👍/👎, the gaps grouped across punctuation and spacing, the updates that could not
be parsed (of every bot), and the CSV."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.state import Feedback, InboxUpdate, LogEntry, SqlStore, open_store
from bot.state.report import CSV_COLUMNS, build_report
from config.settings import Settings

DAY = 86400.0


def _fill(store: SqlStore, now: float, settings: Settings) -> None:
    rows = [
        (1, "乡镇有多少编制？", "not_covered", 100.0, None, now - 1 * DAY),
        (2, "乡镇有多少编制?", "not_covered", 200.0, None, now - 2 * DAY),
        (3, "乡镇 有多少 编制", "related", 300.0, None, now - 3 * DAY),
        (4, "问责的目的是什么？", "answered", 400.0, "k4", now - 4 * DAY),
        (5, "街道年终考核一共有多少项指标？", "answered", 500.0, "k5", now - 5 * DAY),
        (6, "很久以前没答上的问题", "not_covered", 900.0, None, now - 60 * DAY),
    ]
    for uid, question, status, ms, key, at in rows:
        cited = (("article.txt", 8),) if status == "answered" else ()
        store.record_answer(LogEntry(uid, 100 + uid, 100 + uid, question, status, cited, ms, key, at), None)  # type: ignore[arg-type]
    store.add_vote(Feedback(7, "k4", -1, "问责的目的是什么？", "article.txt", 8))
    store.add_vote(Feedback(8, "k5", 1, "街道年终考核一共有多少项指标？", "article.txt", 8))
    bot = open_store(settings, bot_id=7000000123)  # a bot's inbox: the report reads every bot's
    bot.add_updates([InboxUpdate(41, None, '{"update_id": 41, "future_update": {}}',
                                 "future_update: unknown update type")])
    bot.close()


def test_report_counts_percentiles_and_gaps(state_settings: Settings) -> None:
    store = open_store(state_settings)
    now = time.time()
    _fill(store, now, state_settings)
    report = build_report(store, days=30, now=now)
    store.close()
    assert len(report.rows) == 5  # the 60-day-old question is outside the period
    assert report.outcomes == {"not_covered": 2, "related": 1, "answered": 2}
    assert (report.percentile(50), report.percentile(95), report.percentile(100)) == (300.0, 500.0, 500.0)
    assert [(g.question, g.count, g.down) for g in report.gaps] == [
        ("乡镇有多少编制？", 3, 0), ("问责的目的是什么？", 1, 1),
    ]
    assert report.unparsable == 1 and report.unparsable_latest[0].update_id == 41


def test_qabot_report_prints_and_writes_csv(
    state_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(state_settings)
    _fill(store, time.time(), state_settings)
    store.close()
    config = tmp_path / "qabot.toml"
    config.write_text(
        f'[paths]\ndata_dir = "{state_settings.data_dir}"\n'
        f'[state]\ndatabase_url = "{state_settings.state.database_url}"\n',
        encoding="utf-8",
    )
    out_csv = tmp_path / "log.csv"
    assert main(["--config", str(config), "report", "--days", "10", "--csv", str(out_csv)]) == 0
    text = capsys.readouterr().out
    assert "Questions in the last 10 days: 5" in text
    assert "answered 2, related only 1, not covered 2; feedback 👍 1 / 👎 1" in text
    assert "p50 300, p95 500" in text
    assert "1.    3×  乡镇有多少编制？" in text and "很久以前" not in text
    assert "Updates that could not be parsed (kept in the inbox, not answered): 1" in text
    assert "update 41: future_update: unknown update type" in text
    with out_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 6
    assert rows[2][2:] == ["问责的目的是什么？", "answered", "article.txt¶8", "400.0", "0", "1"]
    assert main(["--config", str(config), "report", "--days", "0"]) == 2
