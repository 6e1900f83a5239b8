"""Tokens for lexical matching, one rule for the index and the questions.

jieba words (search mode) for meaning; CJK character bigrams ("#" + two characters) and
unigrams ("$" + one) for robustness to segmentation and to the synonym-swapped wording of
reposted articles (问题 → 难题 still shares 题); ASCII words lower-cased. Question words and
particles (``STOPWORDS``) are dropped: in a small corpus they would get a high IDF and pull up
random paragraphs. The figures that chose this are in bench/RESULTS.md.
"""

from __future__ import annotations

import logging
import re

import jieba

from bot.engine.text.script import CJK_RUN

jieba.setLogLevel(logging.WARNING)

STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 而 也 都 就 又 还 吗 呢 吧 啊 呀 么 嘛 着 过 把 被 给 对 从 向 于 以 之 其
    这 那 这些 那些 这个 那个 哪 哪个 哪些 哪里 什么 怎么 怎样 怎么样 如何 为什么 为何 多少 几 谁
    是否 有没有 是不是 能否 可以 能 会 要 应该 应当 该 请问 请 一下 一个 一些 有 没有 没 不 我 你 他
    她 它 我们 你们 他们 文章 本文 文中 提到 说 讲 关于 有关 方面 问题 哪儿 啥 咋
    the a an of to in on for and or is are was were be been do does did what which who whom
    why how when where that this these those it its with by as at from about article mention
    mentions say says said
    """.split()
)


_ASCII_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def tokenize(norm_text: str) -> list[str]:
    """Tokens of already-normalised text: jieba words, CJK bigrams, ASCII words."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(norm_text):
        words = [w for w in jieba.cut_for_search(run) if w not in STOPWORDS]
        tokens.extend(words)
        bigrams = (run[i : i + 2] for i in range(len(run) - 1))
        tokens.extend("#" + b for b in bigrams if not _has_stopword(b))
        tokens.extend("$" + c for c in run if c not in STOPWORDS)
    tokens.extend(w for w in _ASCII_WORD.findall(norm_text) if w not in STOPWORDS)
    return tokens


def _has_stopword(bigram: str) -> bool:
    return bigram in STOPWORDS or bigram[0] in STOPWORDS or bigram[1] in STOPWORDS
