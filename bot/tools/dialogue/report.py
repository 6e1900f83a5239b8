"""Reports of a dialogue run: console lines per step, JUnit XML for CI, totals."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.tools.dialogue.expect import cite_list
from bot.tools.dialogue.format import Dialogue
from bot.tools.dialogue.runner import DialogueResult, StepResult

REPLY_CHARS = 1200
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Totals:
    """Counts over a run."""

    dialogues: int
    dialogues_failed: int
    steps: int
    steps_failed: int
    seconds: float

    @property
    def passed(self) -> bool:
        """Every step of every dialogue passed."""
        return self.steps_failed == 0

    def line(self) -> str:
        """"3 dialogues (1 failed), 40 steps (2 failed), 31.2 s"."""
        return (
            f"{self.dialogues} dialogue(s) ({self.dialogues_failed} failed), {self.steps} steps "
            f"({self.steps_failed} failed), {self.seconds:.1f} s"
        )


def totals(results: Sequence[DialogueResult]) -> Totals:
    """Totals of ``results``."""
    return Totals(
        len(results), sum(not r.passed for r in results), sum(len(r.steps) for r in results),
        sum(r.failed for r in results), sum(r.seconds for r in results),
    )


def header(dialogue: Dialogue) -> str:
    """The console line that opens a dialogue."""
    return f"{dialogue.name}  ({dialogue.path})"


def who(dialogue: Dialogue, result: StepResult) -> str:
    """"[9001] " when a script has several users, else ""."""
    return f"[{result.step.user.id}] " if len(dialogue.users()) > 1 else ""


def step_lines(dialogue: Dialogue, result: StepResult) -> list[str]:
    """PASS/FAIL line of one step; for a failure, each difference and the bot's actual reply."""
    step, reply = result.step, result.reply
    facts = []
    if reply.cites:
        facts.append(cite_list(reply.cites, keep_order=True))
    if reply.refused:
        facts.append("refused")
    if reply.ms is not None:
        facts.append(f"{reply.ms:.0f} ms")
    mark = "PASS" if result.passed else "FAIL"
    lines = [f"  {mark}  {dialogue.path.name}:{step.line}  {who(dialogue, result)}{step.describe()}"
             + (f"  ({', '.join(facts)})" if facts else "")]
    if result.passed:
        return lines
    if result.error:
        lines.append(f"        ✗ could not run the step: {result.error}")
    for failure in result.failures:
        lines.append(f"        ✗ {failure.key}: expected {failure.expected}")
        lines.append(f"            actual: {failure.actual}")
    if result.error:
        return lines
    body = reply.text if reply.text else "(no reply)"
    if len(body) > REPLY_CHARS:
        body = body[:REPLY_CHARS] + f"… ({len(reply.text)} characters)"
    lines.append("        bot replied:")
    lines.extend("          | " + line for line in body.splitlines() or [""])
    return lines


def _clean(text: str) -> str:
    return _XML_BAD.sub("\ufffd", text)


def junit_xml(results: Sequence[DialogueResult]) -> ET.Element:
    """The JUnit XML root: a testsuite per dialogue, a testcase per step."""
    total = totals(results)
    root = ET.Element(
        "testsuites", name="qabot dialogues", tests=str(total.steps),
        failures=str(sum(len([s for s in r.steps if s.failures]) for r in results)),
        errors=str(sum(len([s for s in r.steps if s.error]) for r in results)),
        time=f"{total.seconds:.3f}",
    )
    for result in results:
        d = result.dialogue
        suite = ET.SubElement(
            root, "testsuite", name=_clean(d.name), file=str(d.path), tests=str(len(result.steps)),
            failures=str(sum(bool(s.failures) for s in result.steps)),
            errors=str(sum(bool(s.error) for s in result.steps)), time=f"{result.seconds:.3f}",
        )
        for step in result.steps:
            case = ET.SubElement(
                suite, "testcase", classname=f"dialogues.{d.path.stem}",
                name=_clean(f"line {step.step.line}: {step.step.describe()}"), file=str(d.path),
                line=str(step.step.line), time=f"{(step.reply.ms or 0) / 1000:.3f}",
            )
            if step.error:
                ET.SubElement(case, "error", message=_clean(step.error), type="StepError").text = (
                    _clean(step.error)
                )
            elif step.failures:
                detail = "\n".join(f"{f.key}: expected {f.expected}\n  actual: {f.actual}"
                                   for f in step.failures)
                failure = ET.SubElement(
                    case, "failure", message=_clean(str(step.failures[0])), type="ExpectationFailed"
                )
                failure.text = _clean(detail + "\n\nbot replied:\n" + (step.reply.text or "(no reply)"))
            if step.reply.text:
                ET.SubElement(case, "system-out").text = _clean(step.reply.text)
    ET.indent(root)
    return root


def write_junit(results: Sequence[DialogueResult], path: Path) -> None:
    """Write JUnit XML (UTF-8, with declaration) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(junit_xml(results)).write(path, encoding="utf-8", xml_declaration=True)
