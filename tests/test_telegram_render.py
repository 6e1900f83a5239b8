"""HTML rendering: escaping, splitting at sentence ends, tag balance, the 4096 limit."""

from __future__ import annotations

import pytest

from bot.engine.text.script import utf16_len
from bot.engine.types import Answer, Hit, IndexInfo
from bot.telegram.render import (
    LIMIT,
    Seg,
    answer_html,
    context_html,
    escape,
    intro_html,
    more_html,
    sentences,
    split_html,
)
from bot.tools.botapi.html_check import parse_html


def _valid(chunks: list[str], limit: int = LIMIT) -> str:
    """Every chunk parses as Telegram HTML and fits; return the visible text joined."""
    shown = []
    for chunk in chunks:
        assert utf16_len(chunk) <= limit
        assert chunk.strip()
        shown.append(parse_html(chunk))
    return "".join(shown)


def test_escape_user_text() -> None:
    assert escape("<b>x</b> & <script>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"
    html = split_html([Seg("<b>x</b> & <script>", "b")])
    assert html == ["<b>&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;</b>"]
    assert parse_html(html[0]) == "<b>x</b> & <script>"


def test_sentences_keep_punctuation_and_rejoin() -> None:
    text = "第一句。第二句！第三句？第四句；“引号。”最后没有标点"
    parts = sentences(text)
    assert "".join(parts) == text
    assert parts[:4] == ["第一句。", "第二句！", "第三句？", "第四句；"]
    assert parts[4] == "“引号。”"


def test_short_message_is_one_chunk() -> None:
    assert split_html([Seg("答案", "b"), Seg("\n\n"), Seg("正文")]) == ["<b>答案</b>\n\n正文"]


def test_long_quote_splits_at_sentence_ends_with_balanced_tags() -> None:
    sentence = "基层干部反映考核指标太多而且与属地责任有关。"  # 22 characters
    text = sentence * 400  # 8800 characters
    chunks = split_html([Seg("标题", "b"), Seg("\n"), Seg(text, "blockquote")])
    assert len(chunks) >= 3
    shown = _valid(chunks)
    assert shown.replace("\n", "").count(sentence) == 400
    for chunk in chunks:
        body = parse_html(chunk).strip()
        assert body.endswith("。") or body == "标题"
        assert chunk.count("<blockquote>") == chunk.count("</blockquote>")


def test_split_prefers_whole_segments() -> None:
    para = "段落内容。" * 500  # 2500 characters each
    chunks = split_html([Seg(para, "blockquote"), Seg("\n\n"), Seg(para, "blockquote")])
    assert len(chunks) == 2
    assert all(c.startswith("<blockquote>") and c.endswith("</blockquote>") for c in chunks)


def test_sentence_longer_than_limit_is_cut_hard() -> None:
    text = "字" * 10_000
    chunks = split_html([Seg(text, "b")])
    assert _valid(chunks) == text
    assert all(c.startswith("<b>") and c.endswith("</b>") for c in chunks)


def test_limit_counts_utf16_and_escapes() -> None:
    text = ("😀<&>" * 2000) + "。"
    chunks = split_html([Seg(text, "i")], limit=500)
    assert _valid(chunks, 500) == text
    # an escape sequence is never cut in half
    assert all("&l" not in c.replace("&lt;", "") for c in chunks)


@pytest.mark.parametrize("limit", [64, 200, 4096])
def test_mixed_segments_any_limit(limit: int) -> None:
    segs = [Seg("粗体答案。", "b"), Seg("\n\n"), Seg("出处", "i")]
    for n in range(1, 30):
        segs += [Seg("\n\n"), Seg(f"¶{n}", "b"), Seg(" · 《文章.txt》\n"), Seg("引文<x>。" * n, "blockquote")]
    chunks = split_html(segs, limit)
    shown = _valid(chunks, limit)
    assert "¶29" in shown and "引文<x>。" in shown


def _hit(n: int, text: str = "段落。") -> Hit:
    return Hit("article.txt", n, text, 1.0)


def test_answer_bold_first_then_cited_paragraphs() -> None:
    answer = Answer("q", "answered", "共有考核指标31项。", (_hit(8, "共有<31>项。"), _hit(9)), 12.0)
    (html,) = answer_html(answer, "zh", ["例子？"])
    assert html.startswith("<b>共有考核指标31项。</b>")
    shown = parse_html(html)
    assert "¶8 · 《article.txt》" in shown and "共有<31>项。" in shown and "¶9" in shown


def test_repeated_paragraph_cited_once() -> None:
    answer = Answer("q", "answered", "答。", (_hit(8), _hit(8), _hit(3)), 1.0)
    shown = parse_html(answer_html(answer, "zh", [])[0])
    assert shown.count("¶8") == 1


def test_off_topic_echoes_question_escaped_and_offers_examples() -> None:
    answer = Answer("<b>x</b> & <script>", "not_covered", "", (_hit(1),), 1.0)
    (html,) = answer_html(answer, "zh", ["问一？", "问二？", "问三？", "问四？"])
    assert "&lt;script&gt;" in html and "<script>" not in html
    shown = parse_html(html)
    assert "文章没有涉及" in shown and "<b>x</b> & <script>" in shown
    assert "问三？" in shown and "问四？" not in shown and "¶1" not in shown
    (en,) = answer_html(answer, "en", ["Q1?"])
    assert "does not cover" in parse_html(en)


def test_the_echoed_question_loses_control_and_bidi_characters() -> None:
    answer = Answer("明天\x1b上海会下雨吗\u202e？", "not_covered", "", (), 1.0)
    (html,) = answer_html(answer, "zh", [])
    assert "明天上海会下雨吗？" in parse_html(html)
    assert "\u202e" not in html and "\x1b" not in html


def test_more_context_and_intro() -> None:
    assert "第 4–5 条" in parse_html(more_html([_hit(2), _hit(5)], 4, "zh")[0])
    shown = parse_html(context_html([_hit(7), _hit(9)], "article.txt", 8, "zh")[0])
    assert "¶8" in shown and "¶7" in shown and "¶9" in shown
    info = IndexInfo(("a<b>.txt",), 36, 40, "model", "2026-01-01T00:00:00")
    (intro,) = intro_html(info, "zh", "qa_bot", ["问一？", "问二？", "问三？"], admin=True)
    shown = parse_html(intro)
    assert "36 段" in shown and "a<b>.txt" in shown and "@qa_bot" in shown
    assert "问二？" in shown and "问三？" not in shown and "/reload" in shown
    (user_intro,) = intro_html(info, "en", "qa_bot", ["Q1?", "Q2?"], admin=False)
    assert "/reload" not in user_intro and "36 paragraphs" in parse_html(user_intro)


def test_related_reply_says_so_and_lists_paragraphs_without_a_bold_answer() -> None:
    hits = (
        Hit("article.txt", 34, "有的问责尺度宽严不一。", 1.0),
        Hit("article.txt", 19, "在问责类型上…", 0.5),
    )
    chunks = answer_html(Answer("《公务员法》第几条？", "related", "", hits), "zh", ["问责的目的是什么？"])
    html = "".join(chunks)
    assert html.startswith("<i>文章没有直接回答这个问题，以下段落可能相关：</i>")
    assert "<b>¶34</b>" in html and "<b>¶19</b>" in html and "您可以试试" not in html
    assert html.count("<b>") == 2  # the ¶ labels only: no bold answer
    for chunk in chunks:
        parse_html(chunk)
    english = "".join(answer_html(Answer("q", "related", "", hits), "en", []))
    assert "does not answer this directly" in english


def test_replies_over_many_documents_do_not_say_article() -> None:
    law = "村民委员会组织法(2018-12-29).md"
    one = (Hit(law, 31, "村民委员会每届任期五年。", 1.0), Hit(law, 55, "村民委员会成员…", 0.5))
    many = (Hit(law, 31, "村民委员会每届任期五年。", 1.0), Hit("监察法.md", 5, "监察委员会…", 0.5))
    named = "".join(answer_html(Answer("q", "related", "", one, library=16), "zh", []))
    assert named.startswith("<i>《村民委员会组织法》没有直接回答这个问题") and "文章" not in named
    mixed = "".join(answer_html(Answer("q", "related", "", many, library=16), "zh", []))
    assert mixed.startswith("<i>资料中没有直接回答这个问题")
    refused = "".join(answer_html(Answer("明天下雨吗？", "not_covered", "", (), library=16), "zh", []))
    assert "资料中没有涉及“明天下雨吗？”" in parse_html(refused) and "文章" not in refused
    single = "".join(answer_html(Answer("明天下雨吗？", "not_covered", "", ()), "zh", []))
    assert "文章没有涉及" in single  # one article: the article's wording
    english = "".join(answer_html(Answer("x", "not_covered", "", (), library=2), "en", []))
    assert "The documents do not cover" in english
