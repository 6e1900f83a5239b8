"""Every script in tests/dialogues/ through the real stack (PTB + model + loopback Bot API).

One stack serves the module: the shipped scripts, a deliberately wrong one, and a recorded
console session that is then replayed.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import pytest_asyncio

from bot.engine.service import SearchService
from bot.tools.dialogue import cli
from bot.tools.dialogue.format import load
from bot.tools.dialogue.html_report import write_html
from bot.tools.dialogue.record import ADMIN_ID, Recorded, record_session
from bot.tools.dialogue.report import step_lines, write_junit
from bot.tools.dialogue.runner import DialogueResult, admin_ids, run_dialogue
from bot.tools.dialogue.stack import BotStack
from config.settings import Settings
from embeddings import Encoder

pytestmark = pytest.mark.slow
DIALOGUES = Path(__file__).parent / "dialogues"
SHIPPED = sorted(DIALOGUES.glob("*.yaml"))
WRONG = """\
name: deliberately wrong
user: {id: 1901}
steps:
  - send: 街道年终考核一共有多少项指标？
    expect: {contains: ["32"], cites: [8, 9]}
  - send: 明天会下雨吗？
    expect: {refused: false}
  - press: 上下文
    expect: {contains: ["上下文"]}
"""
SESSION = [
    "/start", "街道年终考核一共有多少项指标？", ":press 上下文", ":press 赞", "明天会下雨吗？",
    ":as 2002", "/reload", ":as 1001", ":admin", ":upload {upload}", ":quit", "never read",
]


REPORT_TAGS = frozenset(
    "html head meta title style body header h1 h2 main nav ul li a section div span b".split()
)


@dataclass(frozen=True)
class Run:
    """What the module's one stack produced."""

    results: list[DialogueResult]
    recorded: list[Recorded]
    record_file: Path
    record_output: list[str]
    replay: DialogueResult


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run(
    tmp_path_factory: pytest.TempPathFactory,
    real_settings: Settings,
    real_encoder: Encoder,
    real_service: SearchService,
) -> Run:
    tmp = tmp_path_factory.mktemp("dialogue-run")
    (tmp / "wrong.yaml").write_text(WRONG, encoding="utf-8")
    dialogues = [load(p) for p in [*SHIPPED, tmp / "wrong.yaml"]]
    (tmp / "会议纪要.txt").write_text("会议纪要\n\n例会定于每周四下午三点举行。\n", encoding="utf-8")
    lines = iter(line.format(upload=tmp / "会议纪要.txt") for line in SESSION)
    output: list[str] = []

    async def read(prompt: str) -> str | None:
        return next(lines, None)

    admins = admin_ids(dialogues) | {ADMIN_ID}
    async with BotStack(real_settings, admins, real_encoder) as stack:
        results = [await run_dialogue(stack, d) for d in dialogues]
        await stack.reset()
        recorded = await record_session(stack, tmp / "recorded.yaml", read, output.append)
        replay = await run_dialogue(stack, load(tmp / "recorded.yaml"))
    return Run(results, recorded, tmp / "recorded.yaml", output, replay)


def _result(run: Run, name: str) -> DialogueResult:
    return next(r for r in run.results if r.dialogue.path.name == name)


def _lines(result: DialogueResult) -> str:
    return "\n".join(line for step in result.steps for line in step_lines(result.dialogue, step))


@pytest.mark.parametrize("name", [p.name for p in SHIPPED])
def test_shipped_dialogue_passes(run: Run, name: str) -> None:
    result = _result(run, name)
    assert result.passed, _lines(result)


def test_every_reply_is_timed(run: Run) -> None:
    for result in run.results:
        for step in result.steps:
            if step.reply.messages or step.reply.toast:
                assert step.reply.ms is not None and step.reply.ms > 0, step.step


def test_a_wrong_expectation_fails_with_a_readable_difference(run: Run) -> None:
    result = run.results[-1]
    assert result.dialogue.name == "deliberately wrong" and result.failed == 2
    first, second, third = result.steps
    contains, cites = first.failures
    assert str(contains).startswith("contains: expected the reply to contain “32”; actual “")
    assert "31" in contains.actual
    assert cites.expected == "¶8 ¶9" and "missing ¶9" in cites.actual
    assert str(second.failures[0]).startswith("refused: expected an answer, not a refusal; actual a refusal")
    assert third.passed  # 上下文 under the first answer: the keyboard of the last reply with buttons
    text = "\n".join(step_lines(result.dialogue, first))
    assert text.startswith("  FAIL  wrong.yaml:4  send 街道年终考核一共有多少项指标？")
    assert "        ✗ contains: expected the reply to contain “32”\n            actual: “" in text
    assert "        bot replied:\n          | " in text and "31项" in text


def test_exit_codes(
    run: Run, tmp_path: Path, real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.finish(run.results[:-1], None, None) == 0
    assert cli.finish(run.results, None, None) == 1
    out = capsys.readouterr().out
    assert "wrong.yaml:4  send 街道年终考核一共有多少项指标？" in out
    assert f"FAILED: {len(run.results)} dialogue(s) (1 failed)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - press: 赞\n", encoding="utf-8")
    args = argparse.Namespace(dialogue_command="run", files=[str(bad)], junit=None, html=None)
    assert cli.main(real_settings, args) == 2
    assert f"{bad}:2: press: unknown button '赞'" in capsys.readouterr().err


def test_junit_xml(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "out" / "junit.xml"
    write_junit(run.results, path)
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.parse(path).getroot()
    steps = sum(len(r.steps) for r in run.results)
    assert root.tag == "testsuites" and root.get("tests") == str(steps) and root.get("failures") == "2"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [r.dialogue.name for r in run.results]
    wrong = suites[-1]
    case = wrong.findall("testcase")[0]
    assert case.get("name") == "line 4: send 街道年终考核一共有多少项指标？" and case.get("line") == "4"
    failure = case.find("failure")
    assert failure is not None and "“32”" in (failure.get("message") or "")
    assert "bot replied:" in (failure.text or "")
    assert all(c.find("failure") is None for s in suites[:-1] for c in s.findall("testcase"))


class _Strict(HTMLParser):
    """Checks that every opened tag is closed in order."""

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def test_html_report(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html(run.results, path)
    page = path.read_text(encoding="utf-8")
    parser = _Strict()
    parser.feed(page)
    parser.close()
    assert parser.stack == [] and set(parser.tags) <= REPORT_TAGS
    assert "&lt;script&gt;alert(1)&lt;/script&gt;明天会下雨吗？" in page
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page
    assert page.count('<section id="d') == len(run.results) and page.count('class="failed"') == 1
    assert '<div class="exp">expected: the reply to contain “32”</div>' in page
    assert 'class="row user"' in page and 'class="bubble fail"' in page
    assert "http" not in page.replace("http://", "")  # no external resources


def test_record_then_replay(run: Run) -> None:
    assert [s.action for s in run.recorded] == ["send", "send", "press", "send", "send", "upload"]
    assert any("unknown button '赞'" in line for line in run.record_output)
    text = run.record_file.read_text(encoding="utf-8")
    assert "  - send: \"街道年终考核一共有多少项指标？\"\n" in text
    assert "    expect: {cites: [" in text and "    expect: {refused: true}" in text
    assert "    as: {id: 2002, language: zh}" in text
    assert "    as: {id: 9001, language: zh, admin: true}" in text
    assert '  - upload: {filename: "会议纪要.txt", content: "会议纪要' in text
    assert "    expect: {cites: [7, 9]}" in text  # 上下文 around ¶8
    steps = load(run.record_file).steps
    assert len(steps) == 6 and steps[0].expect.contains
    assert run.replay.passed, _lines(run.replay)


