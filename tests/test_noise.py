"""Noise rules: adverts, bylines and editor notes are recognised by general rules, text is kept."""

from __future__ import annotations

import pytest

from bot.engine.documents.noise import clean_paragraph, is_byline, strip_advert


@pytest.mark.parametrize(
    ("raw", "served"),
    [
        ("新葡京官网入口,“前段时间,任务更多了。”", "“前段时间,任务更多了。”"),
        ("澳门娱乐城官网,正文讲的是基层减负。", "正文讲的是基层减负。"),
        ("www.example.com，问责要规范。", "问责要规范。"),
        ("注册送彩金开户,考核共31项。", "考核共31项。"),
    ],
)
def test_advert_glued_to_the_front_is_stripped(raw: str, served: str) -> None:
    assert strip_advert(raw) == served
    assert clean_paragraph(raw) == served


@pytest.mark.parametrize(
    "raw",
    [
        "正文讲的是基层减负。(来源:人民日报 || 编辑 李四)",
        "正文讲的是基层减负。（责任编辑：王五）",
        "正文讲的是基层减负。(山东省纪律检查委员会监察委员会|| 责编 杨文佳)",
        "正文讲的是基层减负。【作者 赵六】",
    ],
)
def test_trailing_editor_note_is_stripped(raw: str) -> None:
    assert clean_paragraph(raw) == "正文讲的是基层减负。"


def test_advert_and_trailing_note_together() -> None:
    raw = "新葡京官网入口,正文讲的是基层减负。(来源 || 责编 某某)"
    assert clean_paragraph(raw) == "正文讲的是基层减负。"


@pytest.mark.parametrize(
    "line",
    ["刘刚", "主编:梁冰清", "责任编辑：王五", "王小明", "欧阳娜娜", "记者 张三", "来源：新华社",
     "（编辑：李四）"],
)
def test_byline_and_editor_lines_are_noise_only(line: str) -> None:
    assert is_byline(line)
    assert clean_paragraph(line) == ""


@pytest.mark.parametrize("line", ["官网", "www."])
def test_a_paragraph_that_is_a_single_spam_word_is_noise(line: str) -> None:
    assert clean_paragraph(line) == ""


@pytest.mark.parametrize("line", ["新葡京官网入口", "澳门娱乐城官网"])
def test_an_advert_on_its_own_line_is_noise(line: str) -> None:
    assert clean_paragraph(line) == ""


@pytest.mark.parametrize(
    "line",
    ["我们走吧。", "好的。", "问责不是目的。", "考核共31项。", "不要一味地对下面“打板子”",
     "Accountability matters."],
)
def test_short_normal_sentences_are_kept(line: str) -> None:
    assert not is_byline(line)
    assert clean_paragraph(line) == line


def test_brackets_in_the_middle_of_a_paragraph_are_kept() -> None:
    text = "中办印发了(关于统筹规范督查检查考核工作的通知),要求减负。"
    assert clean_paragraph(text) == text


def test_a_comma_clause_without_spam_words_is_kept() -> None:
    text = "惠州某街道工作人员反映,考核指标共有31项。"
    assert strip_advert(text) == text


@pytest.mark.parametrize(
    "line",
    ["记者调查发现，很多乡镇干部压力很大。", "来源于群众的意见必须认真对待。", "审核通过后，方案开始实施。"],
)
def test_short_sentence_starting_with_a_role_word_is_kept(line: str) -> None:
    assert clean_paragraph(line) == line


def test_ordinary_leading_clause_with_a_spam_word_is_kept() -> None:
    assert clean_paragraph("在高速入口,交警拦下了超载车辆。") == "在高速入口,交警拦下了超载车辆。"
