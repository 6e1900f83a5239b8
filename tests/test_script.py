"""bot/engine/text/script.py: the shared text rules (CJK, sentence ends, UTF-16 length, suffixes)."""

from __future__ import annotations

from bot.engine.text.script import is_cjk_ideograph, is_cjk_text, is_wide, printable, utf16_len
from bot.engine.text.sentences import split_sentences


def test_cjk_ideographs_and_wide_forms() -> None:
    assert is_cjk_ideograph("乡") and not is_cjk_ideograph("，") and not is_cjk_ideograph("a")
    assert is_wide("，") and is_wide("乡") and is_wide("Ａ") and not is_wide("a")


def test_cjk_text_needs_thirty_percent_ideographs() -> None:
    assert is_cjk_text("乡镇权责不对等")
    assert is_cjk_text("What is 属地管理?")  # 4 of 13 letters
    assert not is_cjk_text("What is the capital of France?")
    assert not is_cjk_text("12345 !!!")


def test_sentences_keep_their_end_and_closing_quote() -> None:
    text = "他说：“签了31份。”随后离开！Really? yes; 没有结尾"
    assert split_sentences(text) == ["他说：“签了31份。”", "随后离开！", "Really?", "yes;", "没有结尾"]
    assert split_sentences("「好。」然后") == ["「好。」", "然后"]
    assert split_sentences("   ") == []


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_len("乡镇") == 2
    assert utf16_len("👍") == 2
    assert utf16_len("a👍b") == 4



def test_printable_drops_controls_and_invisible_characters() -> None:
    assert printable("明天\x07上海\u202e会下雨吗\ufeff？") == "明天上海会下雨吗？"
    assert printable("a\u2066b\u2069c\u200fd\u200be") == "abcde"
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # a ZWJ emoji sequence stays whole
    assert printable(f"问{family}？") == f"问{family}？"
    assert printable("换行\n和\t制表") == "换行 和 制表"
