"""bot/engine/question/titles.py: which documents a question names."""

from __future__ import annotations

from bot.engine.question.titles import Titles, is_title, title_forms

DOCS = {
    "村民委员会组织法(2018-12-29).md": "# 中华人民共和国村民委员会组织法",
    "城市居民委员会组织法(2018-12-29).md": "# 中华人民共和国城市居民委员会组织法",
    "上海市街道办事处条例(2018-05-24).md": "# 上海市街道办事处条例",
    "浙江省乡镇人民代表大会工作条例(2016-07-29).md": "# 浙江省乡镇人民代表大会工作条例",
    "监察法(2024-12-25).md": "# 中华人民共和国监察法",
    "article.txt": "基层干部的烦恼：属地管理的边界在哪里，谁来管这些事情，怎么管好，一直说不清楚。",
}


def titles() -> Titles:
    return Titles({doc: title_forms(doc, first) for doc, first in DOCS.items()})


def test_title_forms_drop_the_date_the_marks_and_the_national_prefix() -> None:
    forms = title_forms("监察法(2024-12-25).md", "# 中华人民共和国监察法")
    assert forms == ("监察法", "中华人民共和国监察法")
    assert is_title("# 中华人民共和国监察法", forms)
    assert not is_title("第一条 为了深化国家监察体制改革，制定本法。", ("监察法",))
    assert title_forms("南湾社区.txt", "南湾社区有志愿者一百五十人。") == ("南湾社区",)  # a sentence


def test_a_question_names_a_document_by_its_title_or_a_short_form() -> None:
    named = titles().named
    assert named("村民委员会组织法第二十四条讲了什么？") == {"村民委员会组织法(2018-12-29).md"}
    assert named("《监察法》规定监察委员会对谁负责？") == {"监察法(2024-12-25).md"}
    assert named("上海街道办事处条例第十二条说的是什么？") == {"上海市街道办事处条例(2018-05-24).md"}
    assert named("浙江乡镇人大条例怎么说？") == {"浙江省乡镇人民代表大会工作条例(2016-07-29).md"}
    assert named("居民委员会组织法第十条") == {"城市居民委员会组织法(2018-12-29).md"}  # no 城市 before it
    assert named("居民委员会由几个人组成？") == frozenset()  # a body, not a title
    assert named("组织法怎么说？") == frozenset()  # too little of any title


def test_the_title_words_are_taken_out_of_the_question() -> None:
    assert titles().strip("《监察法》是从哪天开始施行的？").strip() == "是从哪天开始施行的？"
