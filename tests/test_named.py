"""bot/engine/text/named.py: sentences that name a place, a body or person, a titled document or law."""

from __future__ import annotations

import pytest

from bot.engine.text.named import names_body, names_document, names_place, states_body


@pytest.mark.parametrize(("sentence", "named"), [
    ("河南省纪委监督辅导调研组在暗访时发掘。", True),  # a place opening a body's name
    ("湖州市某街道总管反映。", True),
    ("随后,福建市纪委、省府印发了文件。", True),
    ("从省到地市到县的种种考核普及应用“一票否决”。", False),  # levels, no named place
    ("上级各职能部门越多地开始展览检查监督检查。", False),
    ("梅江镇一位乡镇领导直言。", True),  # tagged as a person's name, but ends like a place
    ("Officials in Liaoning reported it.", True),
    ("officials reported it.", False),
])
def test_names_place(sentence: str, named: bool) -> None:
    assert names_place(sentence) is named


@pytest.mark.parametrize(("sentence", "named"), [
    ("近期中办特意印发了通报。", True),  # an abbreviated body
    ("河南省纪委监督辅导调研组在暗访时发掘。", True),
    ("张女士抱怨说,社区相应为社区居民服务。", True),  # a named person
    ("“很难睡个踏实觉。”那位书记表示。", False),  # a role is not a named person
    ("梅江镇一位乡镇领导直言。", False),  # a place mistagged as a person is no body
    ("有被问责的乡镇干部辩驳,领导就一句话。", False),  # 干部 ends like a body but is none
    ("上级各职能部门越多地开始展览检查监督检查。", False),  # a generic body
    ("那道出了基层干部的金玉良言。", False),  # an idiom jieba tags as a name (4 characters)
])
def test_names_body(sentence: str, named: bool) -> None:
    assert names_body(sentence) is named


@pytest.mark.parametrize(("sentence", "named"), [
    ("中办印发了《关于统筹规范督查检查考核工作的通知》。", True),
    ("依照问责条例的实施办法执行。", True),
    ("依照本法第十二条处理。", True),
    ("除了属地管理原则外,其实还有谁主管谁负责原则。", False),
    ("The Civil Servant Law provides for sanctions.", True),
    ("the rules provide for sanctions.", False),
])
def test_names_document(sentence: str, named: bool) -> None:
    assert names_document(sentence) is named


@pytest.mark.parametrize(("sentence", "stated"), [
    ("第一专门负担往往是乡镇街道。", True),
    ("总裁此项职业的政坛部门应该承担具体办理的权利。", True),
    ("由于街道未有执法权,发掘道路交通违规行为也无从遏制。", False),  # 由于: "because", no doer
    ("湖州市某街道总管反映,上级把交通安全事故数列为考核内容。", False),
])
def test_states_body(sentence: str, stated: bool) -> None:
    assert states_body(sentence) is stated
