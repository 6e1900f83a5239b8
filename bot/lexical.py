"""Lexical scoring: BM25 (bm25s) over jieba words plus character bigrams and unigrams.

bm25s' default tokenizer keeps a whole Chinese sentence as one token, so we tokenize
ourselves: jieba words (search mode) for meaning; CJK character bigrams and unigrams for
robustness to segmentation and to the synonym-swapped wording of reposted articles
(问题 → 难题 still shares 题); ASCII words lower-cased. Measured on the dev and held-out
sets (bench/RESULTS.md), adding unigrams raised fused hit@1 from 0.935/0.736 to
0.968/0.774. Question words and particles are dropped: in a small corpus they would get
a high IDF and pull up random paragraphs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import bm25s
import jieba
import numpy as np

from bot.text import CJK_IDEOGRAPHS

jieba.setLogLevel(logging.WARNING)
logging.getLogger("bm25s").setLevel(logging.WARNING)

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
_CJK_RUN = re.compile(f"[{CJK_IDEOGRAPHS}]+")


def tokenize(norm_text: str) -> list[str]:
    """Tokens of already-normalised text: jieba words, CJK bigrams, ASCII words."""
    tokens: list[str] = []
    for run in _CJK_RUN.findall(norm_text):
        words = [w for w in jieba.cut_for_search(run) if w not in STOPWORDS]
        tokens.extend(words)
        bigrams = (run[i : i + 2] for i in range(len(run) - 1))
        tokens.extend("#" + b for b in bigrams if not _has_stopword(b))
        tokens.extend("$" + c for c in run if c not in STOPWORDS)
    tokens.extend(w for w in _ASCII_WORD.findall(norm_text) if w not in STOPWORDS)
    return tokens


def _has_stopword(bigram: str) -> bool:
    return bigram in STOPWORDS or bigram[0] in STOPWORDS or bigram[1] in STOPWORDS


class LexicalIndex:
    """BM25 over passages; scores every passage for a query (the corpus is per-bot sized)."""

    def __init__(
        self, norm_texts: Sequence[str], reuse: Mapping[str, list[str]] | None = None
    ) -> None:
        reuse = reuse or {}
        self._vocab: set[str] = set()
        corpus = [reuse[text] if text in reuse else tokenize(text) for text in norm_texts]
        self.tokens: dict[str, list[str]] = dict(zip(norm_texts, corpus, strict=True))
        self.df: Counter[str] = Counter()  # passages each token occurs in (answer evidence)
        for tokens in corpus:
            self.df.update(set(tokens))
        self._vocab.update(self.df)
        self._size = len(corpus)
        self._bm25 = bm25s.BM25()
        self._bm25.index(_as_tokenized(corpus), show_progress=False)

    @property
    def size(self) -> int:
        """Number of passages indexed."""
        return self._size

    def scores(self, norm_query: str) -> np.ndarray:
        """BM25 score of every passage (0 where nothing matches)."""
        tokens = [t for t in tokenize(norm_query) if t in self._vocab]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def coverage(self, norm_query: str) -> float:
        """Share of the query's content tokens that occur anywhere in the corpus (0..1)."""
        tokens = tokenize(norm_query)
        if not tokens:
            return 0.0
        return sum(t in self._vocab for t in tokens) / len(tokens)


def _as_tokenized(corpus: list[list[str]]) -> bm25s.tokenization.Tokenized:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(token, len(vocab)) for token in tokens] for tokens in corpus]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
