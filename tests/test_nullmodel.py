"""bot/engine/judge/nullmodel.py: the refusal rule on margins, cross-lingual floors, the background file."""

from __future__ import annotations

from bot.engine.index.background import BACKGROUND_FILE, load_background
from bot.engine.judge.nullmodel import Margins, RefusalRule
from bot.engine.text.script import documents_are_cjk, has_content

RULE = RefusalRule()


def test_clear_margins_decide_alone() -> None:
    assert RULE.covered(Margins(0.08, 20.0, 0.2))
    assert not RULE.covered(Margins(-0.05, 20.0, 0.2))  # below the dense floor
    assert not RULE.covered(Margins(0.08, 20.0, -0.4))  # everyday question by the second model


def test_doubtful_dense_margin_needs_sparse_or_second_model_evidence() -> None:
    assert RULE.covered(Margins(0.01, 8.0, 0.0))
    assert not RULE.covered(Margins(0.01, 2.0, 0.0))
    # without the query-side sparse signal the second model's margin decides
    assert RULE.covered(Margins(0.01, None, 0.0))
    assert not RULE.covered(Margins(0.01, None, -0.2))


def test_cross_lingual_questions_have_their_own_second_model_floor() -> None:
    same = Margins(0.05, 10.0, -0.17)
    assert RULE.covered(same)
    assert not RULE.covered(Margins(0.05, 10.0, -0.17, cross=True))  # "capital of France"
    assert RULE.covered(Margins(0.05, 10.0, -0.06, cross=True))


def test_background_is_package_data_in_both_scripts() -> None:
    assert BACKGROUND_FILE.is_file()
    zh, en = load_background(True), load_background(False)
    assert zh and en and documents_are_cjk(zh) and not documents_are_cjk(en)


def test_content_free_input_asks_nothing() -> None:
    assert not has_content("？？") and not has_content("👍") and has_content("考核")
