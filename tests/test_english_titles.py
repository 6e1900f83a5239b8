"""bot/engine/question/english_titles.py: English questions name Chinese documents by their
English titles (the official translations' patterns), with the real dictionary and terms."""

from __future__ import annotations

import pytest

from bot.engine.question.crosslingual import Translator
from bot.engine.question.english_titles import named_in_english, title_spans
from bot.engine.question.titles import Titles, title_forms
from bot.engine.rank.bm25 import index_texts

DOCS = {
    "村民委员会组织法(2018-12-29).md": "# 中华人民共和国村民委员会组织法",
    "城市居民委员会组织法(2018-12-29).md": "# 中华人民共和国城市居民委员会组织法",
    "上海市街道办事处条例(2018-05-24).md": "# 上海市街道办事处条例",
    "浙江省乡镇人民代表大会工作条例(2016-07-29).md": "# 浙江省乡镇人民代表大会工作条例",
    "监察法(2024-12-25).md": "# 中华人民共和国监察法",
    "article.txt": "基层干部的烦恼：属地管理的边界在哪里，谁来管这些事情，怎么管好，一直说不清楚。",
}


@pytest.fixture(scope="module")
def titles() -> Titles:
    renderings = Translator(index_texts(["无关"])).renderings  # renderings need not be in the index
    return Titles({doc: title_forms(doc, first) for doc, first in DOCS.items()}, renderings)


def test_the_english_title_is_the_run_of_words_around_a_document_word() -> None:
    spans = title_spans("What does Article 24 of the Organic Law of the Villagers' Committees say?")
    assert spans == [["Organic", "Law", "of", "the", "Villagers'", "Committees"]]
    assert title_spans("what does the supervision law say about detention?") == [["supervision", "law"]]
    assert title_spans("Who pays for the office space?") == []


@pytest.mark.parametrize(
    ("question", "doc"),
    [
        ("What does Article 24 of the Organic Law of the Villagers' Committees say?", "村民委员会组织法"),
        ("Under the Organic Law of the Urban Residents' Committees of the People's Republic of China, "
         "how many members does a committee have?", "城市居民委员会组织法"),
        ("According to the Shanghai Regulations on Sub-district Offices, who appoints the director?",
         "上海市街道办事处条例"),
        ("What do the Regulations of Zhejiang Province on the Work of Township People's Congresses say "
         "about the presidium?", "浙江省乡镇人民代表大会工作条例"),
        ("Zhejiang Provincial Regulations on the Work of Township People's Congresses",
         "浙江省乡镇人民代表大会工作条例"),
        ("Under the Supervision Law, to whom are local supervisory commissions responsible?", "监察法"),
        ("Law of the People's Republic of China on Supervision", "监察法"),
        ("what does the supervision law say about detention?", "监察法"),
    ],
)
def test_an_english_title_names_its_chinese_document(titles: Titles, question: str, doc: str) -> None:
    assert {d.split("(")[0] for d in titles.named(question)} == {doc}


def test_words_that_are_no_title_name_nothing(titles: Titles) -> None:
    named = titles.named
    assert named("How many villagers must jointly propose the recall of a committee member?") == set()
    assert named("What does the law say about recall?") == set()  # 法 alone is too little of any title
    assert named("Which regulations apply to residents' committees?") == set()  # a body, not its law's title
    assert named_in_english("Organic Law", {"a.md": ("组织法",)}, lambda run: ()) == set()  # nothing renders
