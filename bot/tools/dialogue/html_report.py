"""A self-contained HTML report: each dialogue as chat bubbles, failures highlighted.

Every piece of text (scripts, bot replies, file names) is HTML-escaped; the page has
inline CSS, no scripts and no external resources.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from html import escape
from pathlib import Path

from bot.tools.dialogue.expect import cite_list
from bot.tools.dialogue.report import totals
from bot.tools.dialogue.runner import DialogueResult, StepResult

_CITE_LINE = re.compile(r"^(¶\d+ · .*)$", re.M)

CSS = """
body{font:15px/1.5 -apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC",sans-serif;
 margin:0;background:#eef1f5;color:#1c2430}
header{background:#24364b;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
main{max-width:900px;margin:0 auto;padding:16px}
nav ul{list-style:none;padding:0;margin:0 0 16px;display:flex;flex-wrap:wrap;gap:6px}
nav a{display:inline-block;padding:3px 10px;border-radius:12px;text-decoration:none;
 font-size:13px;color:#fff}
.ok{background:#2e8b57}.bad{background:#c0392b}
section{background:#fff;border-radius:10px;margin:0 0 20px;padding:12px 16px;
 box-shadow:0 1px 3px rgba(0,0,0,.12);border-left:6px solid #2e8b57}
section.failed{border-left-color:#c0392b}
section h2{margin:4px 0;font-size:17px}
.meta{color:#6b7785;font-size:12px}
.badge{font-size:12px;color:#fff;border-radius:10px;padding:1px 8px;vertical-align:middle}
.row{display:flex;margin:8px 0}.row.user{justify-content:flex-end}
.bubble{max-width:78%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;
 word-wrap:break-word;overflow-wrap:anywhere}
.user .bubble{background:#d9f2c4;border-bottom-right-radius:4px}
.bot .bubble{background:#f3f4f6;border-bottom-left-radius:4px;border:1px solid #e1e4e8}
.bot .bubble.fail{background:#fdecea;border:2px solid #c0392b}
.who{font-size:11px;color:#6b7785;margin-bottom:2px;white-space:normal}
.msg+.msg{border-top:1px dashed #ccd;margin-top:6px;padding-top:6px}
.cite{font-weight:600;color:#24364b}
.buttons{margin-top:6px;white-space:normal}
.btn{display:inline-block;border:1px solid #8aa4c0;border-radius:6px;padding:1px 8px;margin:2px;
 font-size:13px;background:#fff;color:#24364b}
.pressed{background:#24364b;color:#fff}
.toast{margin-top:4px;font-style:italic;color:#555}
.none{color:#888;font-style:italic}
.diff{margin:4px 0 10px 0;max-width:78%;background:#fff5f4;border:1px solid #e6b0aa;
 border-radius:8px;padding:6px 10px;font-size:13px;white-space:normal}
.diff div{margin:2px 0}.diff b{color:#c0392b}
.diff .exp{color:#1e6b3a}.diff .act{color:#8e2a1f}
"""


def _text(text: str) -> str:
    """Escaped text with "¶n · document" lines emphasised."""
    return _CITE_LINE.sub(r'<span class="cite">\1</span>', escape(text, quote=True))


def _user_bubble(result: StepResult) -> str:
    step = result.step
    user = step.user
    who = f"{user.first_name} · {user.id} · {user.language}" + (" · admin" if user.admin else "")
    who += f" · line {step.line}"
    if step.action == "press":
        body = f'<span class="btn pressed">{escape(step.text)}</span>'
    elif step.action == "upload" and step.upload is not None:
        body = f"📎 {escape(step.upload.filename)} ({len(step.upload.content)} bytes)"
    else:
        body = _text(step.text)
    note = f'<div class="who">{escape(step.note)}</div>' if step.note else ""
    return (
        f'<div class="row user"><div class="bubble"><div class="who">{escape(who)}</div>'
        f"{body}{note}</div></div>"
    )


def _bot_bubble(result: StepResult) -> str:
    reply, css = result.reply, "bubble" + ("" if result.passed else " fail")
    parts = [f'<div class="msg">{_text(m)}</div>' for m in reply.messages]
    if reply.buttons:
        chips = "".join(f'<span class="btn">{escape(b)}</span>' for b in reply.buttons)
        parts.append(f'<div class="buttons">{chips}</div>')
    if reply.toast:
        parts.append(f'<div class="toast">{escape(reply.toast)}</div>')
    if not parts:
        expected = result.step.expect.no_reply and result.passed
        parts.append(f'<span class="none">{"(no reply, as expected)" if expected else "(no reply)"}</span>')
    facts = []
    if reply.cites:
        facts.append(cite_list(reply.cites, keep_order=True))
    if reply.refused:
        facts.append("refused")
    if reply.ms is not None:
        facts.append(f"{reply.ms:.0f} ms")
    meta = f'<div class="who">{escape(" · ".join(facts))}</div>' if facts else ""
    return f'<div class="row bot"><div class="{css}">{"".join(parts)}{meta}</div></div>'


def _diff(result: StepResult) -> str:
    if result.passed:
        return ""
    rows = []
    if result.error:
        rows.append(f"<div><b>✗ could not run the step:</b> {escape(result.error)}</div>")
    for f in result.failures:
        rows.append(
            f"<div><b>✗ {escape(f.key)}</b></div>"
            f'<div class="exp">expected: {escape(f.expected)}</div>'
            f'<div class="act">actual: {escape(f.actual)}</div>'
        )
    return f'<div class="diff">{"".join(rows)}</div>'


def _section(index: int, result: DialogueResult) -> str:
    d = result.dialogue
    status = "passed" if result.passed else f"{result.failed} failed"
    badge = "ok" if result.passed else "bad"
    head = (
        f'<h2>{escape(d.name)} <span class="badge {badge}">{escape(status)}</span></h2>'
        f'<div class="meta">{escape(str(d.path))} · {len(result.steps)} steps · '
        f"{result.seconds:.1f} s</div>"
    )
    if d.description:
        head += f'<div class="meta">{escape(d.description)}</div>'
    body = "".join(_user_bubble(s) + _bot_bubble(s) + _diff(s) for s in result.steps)
    css = "" if result.passed else ' class="failed"'
    return f'<section id="d{index}"{css}>{head}{body}</section>'


def render_html(results: Sequence[DialogueResult], title: str = "qabot dialogue report") -> str:
    """The whole report page."""
    total = totals(results)
    links = "".join(
        f'<li><a class="{"ok" if r.passed else "bad"}" href="#d{i}">{escape(r.dialogue.name)}</a></li>'
        for i, r in enumerate(results)
    )
    verdict = "all passed" if total.passed else "FAILED"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sections = "".join(_section(i, r) for i, r in enumerate(results))
    return (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}: {verdict}</h1>"
        f'<div>{escape(total.line())} · {escape(stamp)}</div></header>'
        f"<main><nav><ul>{links}</ul></nav>{sections}</main></body></html>\n"
    )


def write_html(results: Sequence[DialogueResult], path: Path) -> None:
    """Write the report to ``path`` (UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results), encoding="utf-8")
