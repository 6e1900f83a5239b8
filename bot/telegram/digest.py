"""A weekly digest for admins: questions asked, share answered, the top unanswered
questions, answers voted 👎 with the reasons given, and the change since the week before.

``[ops] digest_day`` ("mon" … "sun"; "" = off) at ``digest_hour`` in ``digest_timezone``,
scheduled on python-telegram-bot's JobQueue by every replica; the first replica to claim
the week in the state store (``claim_once``, key "digest:<ISO year>-W<week>") sends it to
each admin, the others skip it, so it goes out once however many replicas run.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import TelegramError
from telegram.ext import Application, Job

from bot.serving.text import question_key
from bot.state import LoggedQuestion
from bot.telegram import reasons
from bot.telegram.context import BotContext, runtime_of
from bot.telegram.runtime import Runtime
from bot.telegram.texts import t

log = logging.getLogger(__name__)
WEEK = 7 * 86400.0
DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}  # JobQueue's numbering
TOP = 5
LANG = "zh"  # admins read the digest in the default UI language


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> Job[Any] | None:
    """Put the weekly digest on the app's JobQueue (None when off or without a JobQueue)."""
    ops = runtime_of(app).settings.ops
    day = ops.digest_day.strip().lower()[:3]
    if not day:
        return None
    if day not in DAYS:
        raise ValueError(f'[ops] digest_day = "{ops.digest_day}" is not one of {", ".join(DAYS)}')
    if app.job_queue is None:
        log.warning("no JobQueue (python-telegram-bot[job-queue] missing): no weekly digest")
        return None
    at = clock_time(hour=ops.digest_hour, tzinfo=ZoneInfo(ops.digest_timezone))
    return app.job_queue.run_daily(send_digest, at, days=(DAYS[day],), name="digest")


async def send_digest(context: BotContext) -> None:
    """The job: claim this week's digest in the store, then send it to every admin."""
    rt = context.runtime
    now = time.time()
    year, week, _ = datetime.fromtimestamp(now, ZoneInfo(rt.settings.ops.digest_timezone)).isocalendar()
    if not await rt.state.run(rt.state.store.claim_once, f"digest:{year}-W{week:02d}"):
        log.info("the digest of %d-W%02d went out from another replica", year, week)
        return
    text = await compose(rt, now)
    for admin in sorted(rt.settings.telegram.admin_ids):
        try:
            await context.bot.send_message(admin, text)
        except TelegramError as exc:
            log.warning("could not send the digest to admin %s: %s", admin, exc)
    log.info("sent the digest of %d-W%02d to %d admins", year, week, len(rt.settings.telegram.admin_ids))


def _share(rows: list[LoggedQuestion]) -> float:
    return 100.0 * sum(r.status == "answered" for r in rows) / len(rows) if rows else 0.0


async def compose(rt: Runtime, now: float) -> str:
    """The digest of the seven days before ``now``, compared with the seven before those."""
    store = rt.state.store
    rows = await rt.state.run(store.questions, now - 2 * WEEK)
    week = [r for r in rows if r.at >= now - WEEK]
    before = [r for r in rows if r.at < now - WEEK]
    gaps = await rt.state.run(store.gaps, now - WEEK, TOP)
    unanswered = [g for g in gaps if g.not_answered]
    down = [r for r in week if r.down]
    why = await rt.state.run(store.reasons, now - WEEK)
    fmt = "%m-%d"
    lines = [
        t(LANG, "digest_header", start=time.strftime(fmt, time.localtime(now - WEEK)),
          end=time.strftime(fmt, time.localtime(now))),
        t(LANG, "digest_counts", asked=len(week), share=_share(week)),
        t(LANG, "digest_change", asked=len(week) - len(before), share=_share(week) - _share(before),
          asked_before=len(before)),
        t(LANG, "digest_gaps"),
        *([t(LANG, "digest_gap_line", rank=i, question=g.question, count=g.not_answered)
           for i, g in enumerate(unanswered, 1)] or [t(LANG, "digest_none")]),
        t(LANG, "digest_down"),
        *([t(LANG, "digest_down_line", question=r.question, down=r.down,
             cited="、".join(f"{doc} ¶{n}" for doc, n in r.cited) or "—")
           + reasons.shown(LANG, why.get(question_key(r.question))) for r in down[:TOP]]
          or [t(LANG, "digest_none")]),
    ]
    return "\n".join(lines)
