"""Dialogue files: valid scripts load with line numbers; malformed ones give file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.texts import STRINGS
from bot.tools.dialogue.format import BUTTONS, DialogueError, is_button, load, parse
from bot.tools.dialogue.runner import admin_ids
from bot.tools.dialogue.specs import Expect, User, same_button

DIALOGUES = Path(__file__).parent / "dialogues"

EXAMPLE = """\
name: 考核与问责
user: {id: 1001, language: zh}
users:
  admin: {id: 9001, admin: true}
steps:
  - send: /start
    expect: {contains: ["属地管理"]}
  - send: 街道年终考核一共有多少项指标？
    expect: {contains: [31], cites: ["¶8", 9], cites_any: 8, max_ms: 5000}
  - send: 明天会下雨吗？
    expect: {refused: true}
  - press: 更多段落
    expect: {buttons: ["上下文"]}
  - send: /reload
    as: {id: 2002}
    expect: {contains: "无权"}
  - upload: {filename: 新.txt, content: "第一段"}
    as: admin
    timeout: 90
  - send: hello
    as: {id: 2002, language: en}
    expect: {buttons: [], regex: ['\\d+']}
"""


def _error(text: str, name: str = "bad.yaml") -> DialogueError:
    with pytest.raises(DialogueError) as info:
        parse(text, Path(name))
    return info.value


def test_the_issue_example_loads_with_line_numbers() -> None:
    d = parse(EXAMPLE, Path("x.yaml"))
    assert d.name == "考核与问责"
    assert [s.line for s in d.steps] == [6, 8, 10, 12, 14, 17, 20]
    assert [s.action for s in d.steps] == ["send", "send", "send", "press", "send", "upload", "send"]
    ask = d.steps[1].expect
    assert ask == Expect(contains=("31",), cites=frozenset({8, 9}), cites_any=frozenset({8}), max_ms=5000)
    assert d.steps[4].user == User(2002) and d.steps[4].expect.contains == ("无权",)
    upload = d.steps[5]
    assert upload.user == User(9001, admin=True) and upload.timeout == 90
    assert upload.upload is not None and upload.upload.content == "第一段".encode()
    assert upload.upload.mime_type == "text/plain" and upload.text == "新.txt"
    english = d.steps[6].user
    assert english.language == "en" and english.language_code == "en" and english.first_name == "Tester"
    assert d.steps[0].user.language_code == "zh-hans"
    assert d.steps[6].expect.buttons == ()
    assert len(d.users()) == 4


def test_every_shipped_dialogue_loads() -> None:
    files = sorted(DIALOGUES.glob("*.yaml"))
    assert len(files) >= 8
    dialogues = [load(f) for f in files]
    assert admin_ids(dialogues) == {9001}


def test_button_labels_are_the_bots() -> None:
    for lang in ("zh", "en"):
        assert STRINGS[lang]["btn_more"] in BUTTONS and STRINGS[lang]["btn_context"] in BUTTONS


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("steps:\n  - send: hi\n    expect: {contain: [x]}\n", 3,
         "unknown key 'contain' in expect (expected one of: contains, not_contains, regex, cites"),
        ("steps:\n  - send: hi\n    expect: {contain: [x]}\n", 3, "did you mean 'contains'?"),
        ("steps:\n  - send: hi\n    expext: {contains: [x]}\n", 3, "unknown key 'expext' in a step"),
        ("nmae: x\nsteps: [{send: a}]\n", 1, "unknown key 'nmae' in the dialogue"),
        ("user: {id: 1, lang: en}\nsteps: [{send: a}]\n", 1, "unknown key 'lang' in user"),
        ("steps:\n  - press: 更多\n", 2, "press: unknown button '更多' (expected one of: 更多段落, 上下文"),
        ("steps:\n  - send: a\n    expect:\n      buttons: [更多段落, 赞]\n", 4,
         "expect.buttons: unknown button '赞'"),
        ("steps:\n  - send: 12\n", 2, 'send: expected text, got a number (quote it: "12")'),
        ("steps:\n  - send: yes\n", 2, "send: expected text, got true/false"),
        ("steps:\n  - send: a\n    press: 上下文\n", 2, "upload, inline (got send, pre"),
        ("steps:\n  - expect: {refused: true}\n", 2, "exactly one of send, press, upload, inline (got none)"),
        ("steps:\n  - send: a\n    expect: {cites: [x]}\n", 3, "expect.cites: expected ¶ numbers"),
        ("steps:\n  - send: a\n    expect: {cites_any: []}\n", 3, "at least one ¶ number"),
        ("steps:\n  - send: a\n    expect: {refused: 'yes'}\n", 3, "expect.refused: expected true or false"),
        ("steps:\n  - send: a\n    expect: {max_ms: -1}\n", 3, "expect.max_ms: expected a positive number"),
        ("steps:\n  - send: a\n    expect: {regex: '('}\n", 3, "bad regular expression '('"),
        ("steps:\n  - send: a\n    expect: [contains]\n", 3, "expect: expected a mapping"),
        ("steps:\n  - send: a\n    expect: {no_reply: true, contains: [x]}\n", 3, "cannot be combined"),
        ("steps:\n  - send: a\n    expect: {refused: true, cites: [3]}\n", 3, "contradicts cites"),
        ("steps:\n  - send: a\n    as: {id: -1}\n", 3, "as.id: expected a positive number, got -1"),
        ("steps:\n  - send: a\n    as: {language: en}\n", 3, "as: missing key 'id'"),
        ("steps:\n  - send: a\n    as: boss\n", 3, "as: unknown user 'boss'"),
        ("user: {id: 1, language: chinese!}\nsteps: [{send: a}]\n", 1, "is not a language code"),
        ("steps:\n  - send: a\n    timeout: 0\n", 3, "timeout: expected seconds"),
        ("steps:\n  - upload: {content: x}\n", 2, "upload: content needs a filename"),
        ("steps:\n  - upload: {filename: a.txt}\n", 2, "exactly one of content or path"),
        ("steps:\n  - upload: {path: missing.txt}\n", 2, "upload.path: cannot read"),
        ("steps:\n  - send: a\n  - send: b\n    send: c\n", 4, "duplicate key 'send' (first at line 3)"),
        ("name: x\nsteps: [ {send: a}\n", 3, "not valid YAML"),
        ("name: x\n", 1, "missing key 'steps'"),
        ("steps: []\n", 1, "steps: expected a non-empty list"),
        ("- send: a\n", 1, "expected a mapping with name, user and steps, got a list"),
        ("", 1, "the file is empty"),
        ("steps:\n  - hello\n", 2, "a step must be a mapping"),
    ],
)
def test_malformed_scripts_name_file_line_and_problem(text: str, line: int, fragment: str) -> None:
    error = _error(text, "dlg/bad.yaml")
    assert error.line == line
    assert str(error).startswith(f"dlg/bad.yaml:{line}: ")
    assert fragment in str(error)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DialogueError, match=r"missing\.yaml:1: cannot read the file"):
        load(tmp_path / "missing.yaml")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("steps: [{send: 你好}]".encode("gbk"))
    with pytest.raises(DialogueError, match=r"gbk\.yaml:1: not UTF-8"):
        load(gbk)


def test_upload_path_is_relative_to_the_script(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "规定.md").write_text("# 规定\n\n内容", encoding="utf-8")
    script = tmp_path / "s.yaml"
    script.write_text("steps:\n  - upload: {path: files/规定.md}\n", encoding="utf-8")
    (step,) = load(script).steps
    assert step.upload is not None
    assert step.upload.filename == "规定.md" and step.upload.mime_type == "text/markdown"
    assert step.upload.content.decode() == "# 规定\n\n内容"


def test_an_id_cannot_be_admin_in_one_script_and_not_in_another() -> None:
    first = parse("steps:\n  - send: /reload\n    as: {id: 7, admin: true}\n", Path("a.yaml"))
    second = parse("user: {id: 7}\nsteps:\n  - send: /reload\n", Path("b.yaml"))
    assert admin_ids([first]) == {7}
    with pytest.raises(DialogueError) as info:
        admin_ids([first, second])
    assert str(info.value).startswith("b.yaml:3: user 7 acts as a non-admin here but is an admin at a.yaml:2")


def test_as_inherits_fields_of_an_earlier_user_with_the_same_id() -> None:
    text = "user: {id: 5, language: en, admin: true}\nsteps:\n  - send: a\n    as: {id: 5}\n"
    (step,) = parse(text, Path("x.yaml")).steps
    assert step.user == User(5, language="en", first_name="Tester", admin=True)


def test_shipped_scripts_cover_the_whole_article() -> None:
    dialogues = [load(f) for f in sorted(DIALOGUES.glob("*.yaml"))]
    cited = {
        n
        for d in dialogues
        for s in d.steps
        if s.action == "send" and s.user.language == "zh"
        for n in (s.expect.cites_any or frozenset())
    }
    assert len(cited) >= 15 and min(cited) <= 4 and max(cited) >= 34, sorted(cited)
    expects = [s.expect for d in dialogues for s in d.steps]
    assert sum(e.refused is True for e in expects) >= 5
    assert {s.text for d in dialogues for s in d.steps if s.action == "press"} >= {"更多段落", "上下文", "👍"}
    assert any(s.action == "upload" and s.user.admin for d in dialogues for s in d.steps)
    assert any(s.user.language == "en" for d in dialogues for s in d.steps)


def test_inline_steps_allow_the_empty_query() -> None:
    d = parse("steps:\n  - inline: ''\n  - inline: 问责的目的是什么？\n", Path("dlg/inline.yaml"))
    assert [(s.action, s.text) for s in d.steps] == [("inline", ""), ("inline", "问责的目的是什么？")]
    assert d.steps[0].describe() == "inline (empty query)"


def test_a_suggestion_is_pressed_by_the_start_of_its_label() -> None:
    zh, en = "您是不是想问：节假日值班电话是多少？", "Did you mean: What is the duty phone number?"
    assert is_button("您是不是想问：") and is_button(zh) and is_button("Did you mean: ")
    assert same_button("您是不是想问：", zh) and same_button("您是不是想问：节假日", zh)
    assert same_button("Did you mean: ", en) and not same_button("您是不是想问：值班人员", zh)
    assert not same_button("您是不是想问：", "¶3 节假日值班电话…")
