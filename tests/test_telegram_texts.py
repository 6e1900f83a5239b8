"""UI strings: both languages complete, placeholders consistent, language choice."""

from __future__ import annotations

import string

from telegram import User

from bot.telegram.texts import STRINGS, lang_of, t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert STRINGS["zh"].keys() == STRINGS["en"].keys()
    for key, zh in STRINGS["zh"].items():
        assert _fields(zh) == _fields(STRINGS["en"][key]), key


def test_no_markup_in_templates() -> None:
    for strings in STRINGS.values():
        for value in strings.values():
            assert "<" not in value and "&" not in value


def test_language_from_user() -> None:
    def user(code: str | None) -> User:
        return User(1, "x", False, language_code=code)

    assert lang_of(user("en")) == "en"
    assert lang_of(user("en-GB")) == "en"
    assert lang_of(user("zh-hans")) == "zh"
    assert lang_of(user(None)) == "zh"
    assert lang_of(user("de")) == "zh"
    assert lang_of(None) == "zh"


def test_refusal_wording_and_formatting() -> None:
    assert "无权" in t("zh", "not_admin")
    assert "文章没有涉及" in t("zh", "off_topic", question="天气")
    assert "31" in t("zh", "reload_done", documents=1, paragraphs=31, reembedded=0, seconds=0.5)
    assert t("xx", "stale") == t("zh", "stale")


def test_every_reason_a_document_is_refused_for_has_its_own_text() -> None:
    from bot.engine.documents.formats import REASONS
    from bot.telegram.texts import problem_text

    for table in STRINGS.values():
        assert all(f"doc_{reason}" in table for reason in REASONS)
    assert "乱码" in problem_text("zh", "garbled", {"name": "a.pdf", "pages": 1})
    assert "LibreOffice" in problem_text("en", "no_converter", {"name": "a.doc", "suffix": ".doc"})
