"""Admin handlers: /reload, /stats, /gaps (admin ids from settings). Uploads, /docs and
/remove: documents.py.

A reload (``ServedEngine.reload``) runs in a worker thread under the reload lock; questions
keep being answered from the old index until the new one is swapped in. A failed reload
leaves the old index serving.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from telegram import Update

from bot.engine.types import ReloadReport
from bot.serving.documents import ReloadError
from bot.serving.text import question_key
from bot.telegram import reasons, teach
from bot.telegram.reply import Ctx, reply_text, typing
from bot.telegram.texts import lang_of, problem_text, t

log = logging.getLogger(__name__)
GAPS_SHOWN = 20
UNPARSABLE_SHOWN = 3  # the latest updates that could not be parsed, in /stats


async def admin_and_ready(update: Update, context: Ctx, command: str) -> bool:
    """True for an admin while an index is loaded; otherwise the refusal, or "still loading"."""
    if not await require_admin(update, context, command):
        return False
    if not context.runtime.engine.ready:
        await reply_text(update, context, t(lang_of(update.effective_user), "not_ready"))
        return False
    return True


async def require_admin(update: Update, context: Ctx, command: str) -> bool:
    """True for admins; everyone else gets a refusal, and the attempt is logged."""
    user = update.effective_user
    if context.runtime.is_admin(user.id if user else None):
        return True
    log.warning("non-admin user %s tried /%s", user.id if user else None, command)
    await reply_text(update, context, t(lang_of(user), "not_admin"))
    return False


def done_text(lang: str, report: ReloadReport, stale: int = 0) -> str:
    """What a reload did, each document it had to leave out with the reason, and how many
    teachings need confirming again (their paragraph changed or vanished)."""
    lines = [t(
        lang, "reload_done", documents=report.documents, paragraphs=report.paragraphs,
        reembedded=report.reembedded, seconds=report.seconds,
    )]
    if report.skipped:
        lines.append(t(lang, "reload_skipped", count=len(report.skipped)))
        lines += [problem_text(lang, s.reason, {**dict(s.values), "name": s.name}) for s in report.skipped]
    if stale:
        lines.append(t(lang, "teach_stale", n=stale))
    return "\n".join(lines)


async def reload_command(update: Update, context: Ctx) -> None:
    """/reload (admins): re-read the documents folder and swap in the new index."""
    if not await require_admin(update, context, "reload"):
        return
    rt, lang, chat = context.runtime, lang_of(update.effective_user), update.effective_chat
    if not rt.engine.ready or chat is None:
        await reply_text(update, context, t(lang, "not_ready"))
        return
    try:
        async with typing(context, chat.id, delay=0):  # a reload takes seconds
            report = await rt.engine.reload()
    except ReloadError as exc:
        log.warning("reload failed: %s", exc)
        await reply_text(update, context, t(lang, "reload_failed", error=str(exc)))
        return
    await reply_text(update, context, done_text(lang, report, len(rt.engine.stale)))


async def stats_command(update: Update, context: Ctx) -> None:
    """/stats (admins): documents, paragraphs, model, build time, counters, feedback, uptime."""
    if not await admin_and_ready(update, context, "stats"):
        return
    rt, lang = context.runtime, lang_of(update.effective_user)
    info = rt.engine.info
    up, down = await rt.state.run(rt.state.store.votes)
    text = t(
        lang, "stats", documents=len(info.documents), paragraphs=info.paragraphs,
        model=info.model, built_at=info.built_at, answered=rt.stats.answered,
        refused=rt.stats.refused, up=up, down=down, uptime=rt.stats.uptime(),
    )
    days = rt.settings.state.gaps_days
    since = time.time() - days * 86400
    count, latest = await rt.state.run(rt.state.store.unparsable, since, UNPARSABLE_SHOWN)
    if count:  # updates kept as received because they could not be parsed (received.py)
        text += "\n" + "\n".join(
            [t(lang, "stats_unparsable", days=f"{days:g}", count=count)]
            + [t(lang, "stats_unparsable_line", update_id=u.update_id, reason=u.reason) for u in latest]
        )
    await reply_text(update, context, text)


async def gaps_command(update: Update, context: Ctx) -> None:
    """/gaps [days] (admins): the questions most often not answered or voted 👎 lately, and
    teachings to confirm again; the first few with buttons to teach (bot/telegram/teach.py)."""
    if not await require_admin(update, context, "gaps"):
        return
    rt, lang, message = context.runtime, lang_of(update.effective_user), update.effective_message
    days = rt.settings.state.gaps_days
    words = (message.text or "").split() if message is not None else []
    if len(words) > 1 and words[1].isdigit() and int(words[1]) > 0:
        days = float(words[1])
    since = time.time() - days * 86400
    gaps = await rt.state.run(rt.state.store.gaps, since, GAPS_SHOWN)
    gaps = teach.open_gaps(gaps, rt.engine.taught)
    why = await rt.state.run(rt.state.store.reasons, since)
    chosen = await rt.state.run(rt.state.store.choices, since)
    stale = [s.question for s in rt.engine.stale] if rt.engine.ready else []
    shown = f"{days:g}"
    if not gaps and not stale:
        await reply_text(update, context, t(lang, "gaps_none", days=shown))
        return
    lines = [t(lang, "teach_stale", n=len(stale))] if stale else []
    if gaps:
        lines += [t(lang, "gaps_header", days=shown)] + [
            t(lang, "gaps_line", rank=i, question=g.question, count=g.count,
              not_answered=g.not_answered, down=g.down)
            + reasons.shown(lang, why.get(question_key(g.question)))
            + _chosen(lang, chosen.get(question_key(g.question)))
            for i, g in enumerate(gaps, 1)
        ]
    await reply_text(update, context, "\n".join(lines))
    if rt.engine.ready and update.effective_chat is not None:
        questions = stale + [g.question for g in gaps]
        await teach.offer(rt, context, update.effective_chat.id, lang, questions, len(stale))


def _chosen(lang: str, picks: Counter[tuple[str, int]] | None) -> str:
    """The paragraphs askers chose among the candidates, as a suggestion ("" none)."""
    if not picks:
        return ""
    return t(lang, "gaps_choices", choices="，".join(f"¶{n} ×{k}" for (_, n), k in picks.most_common()))
