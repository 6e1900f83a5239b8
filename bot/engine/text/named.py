"""What a sentence names: a place, a body or person, a titled document or law.

A question that asks "哪个省", "哪个部门", "哪部法律" (which province, which department, which law) is
only answered by a sentence that names such a thing ("谁", who, also by one that states a
generic body as the doer: "第一责任往往是乡镇街道"); a sentence about the same subject that names none is
related, not an answer (bot/engine/question/asking.py decides what is asked, ``holds`` there
calls these). The means are general: jieba's part-of-speech tags (ns place, nr person, nt
organisation, j abbreviation), the suffixes Chinese gives administrative units (省/市/县…) and
bodies (部/委/局/厅/办/组…), the abbreviations of Party and government bodies (中办, 省委, 市府), title
marks 《…》 and article numbers 第…条; for text in Latin script, a capitalised name inside the
sentence. Generic words that merely end like a body (干部 "cadre", 全部 "all") are not bodies.
Nothing here names any document's content."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import jieba.posseg as posseg

from bot.engine.text.script import is_cjk_text

jieba.setLogLevel(logging.WARNING)

PLACE_SUFFIXES = "省市县区州旗盟镇乡村国"
BODY_SUFFIXES = ("部", "委", "局", "厅", "办", "组", "院", "署", "府", "委员会", "办公室", "公司", "报", "社")
# words that end like a body but name none: people in general, quantities, outcomes
NOT_BODIES = frozenset(
    "干部 全部 内部 外部 局部 部分 一部 大部 细部 格局 布局 结局 大局 当局 开办 举办 兴办 创办 "
    "承办 督办 包办 主办 代办 合办 查办 首办 难办 好办 怎么办 小组 分组 改组 重组 编组 一组 各组 "
    "学院 医院 法院 庭院 寺院 政府 社会 机会 大会 开会 会议 领会 体会 误会 一会 只会 不会 将会 学会 "
    "报告 汇报 通报 举报 上报 回报 情报 预报 报道 见报 公社".split()
)
# 中办, 国办, 省委, 市府, 镇委: the two-character names of Party and government bodies
_ABBREVIATED_BODY = re.compile(r"[中国省市县区镇乡][办委府]|纪委|党委|党组|人大|政协")
_NAMED_BODY = ("nt", "j")
_NAMED_PERSON = ("nr", "nrfg", "nrt")  # a Chinese personal name has 2-3 characters (金玉良言/nr: no)
_GENERIC_BODY = r"(?:部门|机关|政府|单位|街道|乡镇|社区|基层)"
_STATED_BODY = re.compile(
    rf"(?<![作成认以因])(?:是|为|由(?!于))[^，。,；;]{{0,4}}{_GENERIC_BODY}"
    rf"|{_GENERIC_BODY}(?:应该|应当|应|要|须|负责|承担)"
)
_TITLE = re.compile(r"《[^》]{2,}》")
_ARTICLE = re.compile(r"第[0-9０-９零〇一二两三四五六七八九十百千]+条")
_LAW_WORD = re.compile(r"[\u4e00-\u9fff]{2,}(?:条例|法典|宪法)|[\u4e00-\u9fff]{2,6}法(?=[第规中的，,。、])")
_LATIN_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+")
_LATIN_TITLE = re.compile(r"\b(?:Law|Act|Regulations?|Code|Constitution|Notice|Opinions?)\b")


@lru_cache(maxsize=8192)
def _tagged(sentence: str) -> tuple[tuple[str, str], ...]:
    """jieba's words and part-of-speech tags of one sentence (cached: the same sentences
    are candidates for many questions)."""
    return tuple((p.word, p.flag) for p in posseg.cut(sentence))


def names_place(sentence: str) -> bool:
    """True when ``sentence`` names a place: a place name with its administrative suffix
    (河南省, 湖州市, 郁南县), followed by one (福建 市), or opening a body's name (河南省纪委)."""
    if not is_cjk_text(sentence):
        return _LATIN_NAME.search(sentence) is not None
    words = _tagged(sentence)
    for i, (word, flag) in enumerate(words):
        if len(word) < 2:
            continue
        if not flag.startswith("ns") and not _mistagged_place(word, flag):
            if _opens_with_place(word):
                return True
            continue
        nxt = words[i + 1][0] if i + 1 < len(words) else ""
        if (len(word) >= 3 and word[-1] in PLACE_SUFFIXES) or (nxt[:1] in PLACE_SUFFIXES and nxt[:1]):
            return True
    return False


def _mistagged_place(word: str, flag: str) -> bool:
    """A name jieba tags as a person's that ends like a place (梅江镇/nr): a place."""
    return flag.startswith("nr") and len(word) >= 3 and word[-1] in PLACE_SUFFIXES


def _opens_with_place(word: str) -> bool:
    """A word that starts with a place name and its suffix (河南省纪委: 河南 + 省 + 纪委)."""
    tags = posseg.dt.word_tag_tab
    ends = range(2, min(len(word) - 1, 5))
    return any(word[i] in PLACE_SUFFIXES and tags.get(word[:i], "").startswith("ns") for i in ends)


def names_body(sentence: str) -> bool:
    """True when ``sentence`` names a body or a person: a named organisation or person
    (jieba nt/nr/j), a word ending in a body's suffix (调研组, 纪委, 办公室), or the
    abbreviation of a Party or government body (中办, 省委). Roles in general (书记, 领导,
    干部) and generic bodies (职能部门, 街道) are not named ones."""
    if not is_cjk_text(sentence):
        return _LATIN_NAME.search(sentence) is not None
    if _ABBREVIATED_BODY.search(sentence):
        return True
    for word, flag in _tagged(sentence):
        if len(word) < 2 or word in NOT_BODIES or word.endswith("干部"):  # 乡镇干部: township cadres
            continue
        if _mistagged_place(word, flag):
            continue
        if flag in _NAMED_BODY or (flag in _NAMED_PERSON and len(word) <= 3):
            return True
        if flag.startswith("n") and word.endswith(BODY_SUFFIXES):
            return True
    return False


def names_person(sentence: str) -> bool:
    """True when ``sentence`` names a person: a personal name (jieba nr, 2-3 characters), or a
    capitalised name inside a sentence in Latin script."""
    if not is_cjk_text(sentence):
        return _LATIN_NAME.search(sentence) is not None
    return any(
        flag in _NAMED_PERSON and 2 <= len(word) <= 3 and not _mistagged_place(word, flag)
        for word, flag in _tagged(sentence)
    )


def states_body(sentence: str) -> bool:
    """True when ``sentence`` says a body, even a generic one, is the one that does or is
    something: "第一责任往往是乡镇街道", "职能部门应该承担具体办理", "由街道负责" — an answer
    to "谁" (who), though not to "哪个部门" (which department). A body merely mentioned
    ("由于街道未有执法权") is not stated."""
    return _STATED_BODY.search(sentence) is not None


def names_document(sentence: str) -> bool:
    """True when ``sentence`` names a titled document or law: 《…》, 第…条, a word ending in
    条例 or 法 ("问责条例", "公务员法")."""
    if not is_cjk_text(sentence):
        return _LATIN_TITLE.search(sentence) is not None
    return any(p.search(sentence) for p in (_TITLE, _ARTICLE, _LAW_WORD))


__all__ = [
    "BODY_SUFFIXES", "NOT_BODIES", "PLACE_SUFFIXES", "names_body", "names_document", "names_person",
    "names_place", "states_body",
]
