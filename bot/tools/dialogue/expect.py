"""Checking a bot reply against a step's expectations; each failure reads expected vs actual."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.tools.dialogue.specs import Expect, same_button

# A cited passage is rendered as a line "¶n · document" (bot/telegram/render.py).
CITED = re.compile(r"^¶(\d+) · ", re.M)
SNIPPET = 160


@dataclass(frozen=True)
class Reply:
    """What the bot did after one step, as the user sees it."""

    messages: tuple[str, ...] = ()  # plain text of each message sent or edited
    buttons: tuple[str, ...] = ()  # labels of the inline keyboard(s)
    toast: str = ""  # answerCallbackQuery text (the pop-up after a button press)
    refused: bool = False  # the off-topic notice ("the article does not cover this")
    related: bool = False  # the "not answered directly; related paragraphs" notice
    ms: float | None = None  # from delivery of the update to the bot's first response
    timed_out: bool = False  # no response within the step's timeout

    @property
    def text(self) -> str:
        """Everything the user can read: messages, then the toast."""
        return "\n".join([*self.messages, *([self.toast] if self.toast else [])])

    @property
    def answered(self) -> bool:
        """A real answer: citations, and neither the off-topic nor the "related" notice."""
        return bool(self.cites) and not self.refused and not self.related

    @property
    def cites(self) -> tuple[int, ...]:
        """¶ numbers of the cited passages, in order of appearance, without repeats."""
        found = (int(n) for m in self.messages for n in CITED.findall(m))
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Failure:
    """One unmet expectation."""

    key: str
    expected: str
    actual: str

    def __str__(self) -> str:
        """"key: expected …; actual …" on one line."""
        return f"{self.key}: expected {self.expected}; actual {self.actual}"


def snippet(text: str, around: int | None = None, width: int = SNIPPET) -> str:
    """``text`` on one line, quoted, cut to ``width`` characters (centred on ``around``)."""
    flat = " ".join(text.split())
    if not flat:
        return "(empty)"
    if len(flat) <= width:
        return f"“{flat}”"
    start = 0 if around is None else max(0, min(around - width // 2, len(flat) - width))
    cut = flat[start : start + width]
    return f"“{'…' if start else ''}{cut}{'…' if start + width < len(flat) else ''}”"


def cite_list(numbers: Iterable[int], keep_order: bool = False) -> str:
    """"¶3 ¶8" for some ¶ numbers (sorted unless ``keep_order``), "no citations" when none."""
    ordered = list(numbers) if keep_order else sorted(numbers)
    return " ".join(f"¶{n}" for n in ordered) or "no citations"


def check(expect: Expect, reply: Reply) -> tuple[Failure, ...]:
    """Every expectation of ``expect`` that ``reply`` does not meet."""
    if expect.no_reply:
        if reply.timed_out or not reply.text:
            return ()
        return (Failure("no_reply", "no reply", snippet(reply.text)),)
    if reply.timed_out:
        return (Failure("reply", "a reply", "nothing within the step's timeout"),)
    found: list[Failure] = []
    text, flat = reply.text, " ".join(reply.text.split())
    for needle in expect.contains:
        if needle not in text and needle not in flat:
            found.append(Failure("contains", f"the reply to contain “{needle}”", snippet(text)))
    for needle in expect.not_contains:
        if needle in text:
            at = flat.find(needle)
            found.append(Failure("not_contains", f"no “{needle}”", snippet(flat, at if at >= 0 else None)))
    for pattern in expect.regex:
        if not re.search(pattern, text):
            found.append(Failure("regex", f"a match for /{pattern}/", snippet(text)))
    cites = frozenset(reply.cites)
    if expect.cites is not None and cites != expect.cites:
        found.append(Failure("cites", cite_list(expect.cites), _cite_diff(expect.cites, cites)))
    if expect.cites_any is not None and not cites & expect.cites_any:
        found.append(
            Failure("cites_any", f"any of {cite_list(expect.cites_any)}", cite_list(reply.cites, True))
        )
    if expect.refused is not None and reply.refused != expect.refused:
        want = "a refusal (the article does not cover this)" if expect.refused else "an answer, not a refusal"
        found.append(Failure("refused", want, _describe(reply)))
    if expect.related is not None and reply.related != expect.related:
        want = "the “related paragraphs” notice" if expect.related else "no “related paragraphs” notice"
        found.append(Failure("related", want, _describe(reply)))
    if expect.answered is not None and reply.answered != expect.answered:
        want = "an answer" if expect.answered else "no answer (off-topic or “related” notice)"
        found.append(Failure("answered", want, _describe(reply)))
    if expect.buttons is not None:
        found.extend(_buttons(expect.buttons, reply.buttons))
    if expect.max_ms is not None and (reply.ms is None or reply.ms > expect.max_ms):
        actual = "not measured" if reply.ms is None else f"{reply.ms:.0f} ms"
        found.append(Failure("max_ms", f"≤ {expect.max_ms:.0f} ms", actual))
    return tuple(found)


def _cite_diff(expected: frozenset[int], actual: frozenset[int]) -> str:
    notes = []
    if missing := expected - actual:
        notes.append(f"missing {cite_list(missing)}")
    if extra := actual - expected:
        notes.append(f"unexpected {cite_list(extra)}")
    return f"{cite_list(actual)} ({', '.join(notes)})"


def _describe(reply: Reply) -> str:
    if reply.refused:
        return "a refusal " + snippet(reply.text, width=60)
    if reply.related:
        return f"the “related” notice citing {cite_list(reply.cites, True)}: " + snippet(reply.text, width=60)
    if reply.cites:
        return f"an answer citing {cite_list(reply.cites, True)}: " + snippet(reply.text, width=80)
    return snippet(reply.text)


def _buttons(expected: tuple[str, ...], actual: tuple[str, ...]) -> list[Failure]:
    shown = " ".join(f"[{b}]" for b in actual) or "no buttons"
    if not expected:
        return [] if not actual else [Failure("buttons", "no buttons", shown)]
    missing = [b for b in expected if not any(same_button(b, a) for a in actual)]
    if not missing:
        return []
    want = " ".join(f"[{b}]" for b in expected)
    return [Failure("buttons", want, f"{shown} (missing {' '.join(f'[{b}]' for b in missing)})")]
