"""Deterministic synthetic corpora: varied Chinese paragraphs and unit vectors.

Paragraphs recombine the sentences of seeds/article.txt: each takes 2-5 random sentences,
swaps some words for others from the article's vocabulary, puts in random numbers, years
and places, and sometimes opens with a place and date. The same seed gives the same text.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import jieba
import numpy as np

from bot.engine.documents.ingest import load_paragraphs

try:
    from bot.engine.text.sentences import split_sentences
except ImportError:  # an older checkout's engine measured as the baseline (engine_scale --code)
    from bot.engine.documents.ingest import split_sentences

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PLACES = (
    "杭州市西湖区 宁波市鄞州区 温州市鹿城区 惠州市惠城区 广州市天河区 深圳市南山区 佛山市顺德区 "
    "东莞市虎门镇 成都市武侯区 重庆市渝中区 武汉市洪山区 长沙市岳麓区 南京市鼓楼区 苏州市吴中区 "
    "合肥市蜀山区 福州市鼓楼区 厦门市思明区 济南市历下区 青岛市黄岛区 郑州市金水区 西安市雁塔区 "
    "兰州市城关区 昆明市五华区 贵阳市云岩区 南宁市青秀区 海口市美兰区 太原市小店区 石家庄市长安区 "
    "沈阳市和平区 长春市朝阳区 哈尔滨市南岗区 呼和浩特市新城区 银川市兴庆区 西宁市城中区 "
    "乌鲁木齐市天山区 拉萨市城关区 南昌市东湖区 天津市和平区 北京市海淀区 上海市浦东新区"
).split()
UNITS = "个 项 次 件 名 人 条 份 万元 亿元 户 村 街道 乡镇".split()
_DIGITS = re.compile(r"\d+")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


class ParagraphMaker:
    """Makes varied Chinese paragraphs from the article's sentences and words."""

    def __init__(self, seed: int = 7, docs: Path = SEEDS) -> None:
        paragraphs = [p.text for p in load_paragraphs(docs) if p.servable]
        self.sentences = [s for p in paragraphs for s in split_sentences(p) if len(s) >= 8]
        words = {w for s in self.sentences for w in jieba.lcut(s) if _CJK_WORD.match(w)}
        self.words = sorted(words)
        self.rng = random.Random(seed)

    def sentence(self) -> str:
        rng = self.rng
        text = rng.choice(self.sentences)
        for _ in range(rng.randint(0, 3)):  # swap a word for another from the vocabulary
            word = rng.choice(self.words)
            if word in text:
                text = text.replace(word, rng.choice(self.words), 1)
        text = _DIGITS.sub(lambda _: str(rng.randint(2, 999)), text)
        if rng.random() < 0.3:
            text = text.rstrip("。！？；") + f"，涉及{rng.randint(2, 500)}{rng.choice(UNITS)}。"
        return text

    def paragraph(self) -> str:
        rng = self.rng
        parts = [self.sentence() for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.5:
            year, month = rng.randint(2015, 2025), rng.randint(1, 12)
            parts.insert(0, f"{year}年{month}月，{rng.choice(PLACES)}。")
        elif rng.random() < 0.5:
            parts.insert(0, f"{rng.choice(PLACES)}{rng.choice(self.words)}{rng.randint(2, 99)}号文件：")
        return "".join(parts)

    def paragraphs(self, n: int) -> list[str]:
        return [self.paragraph() for _ in range(n)]


def write_corpus(folder: Path, paragraphs: list[str], documents: int) -> list[Path]:
    """Spread ``paragraphs`` over ``documents`` .txt files (blank line between paragraphs)."""
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(paragraphs) // documents)
    paths = []
    for d in range(documents):
        chunk = paragraphs[d * per : (d + 1) * per]
        if not chunk:
            break
        path = folder / f"policy_{d:04d}.txt"
        path.write_text("\n\n".join(chunk) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def change_one_document(folder: Path, maker: ParagraphMaker, replace: int = 3, which: float = 0.5) -> Path:
    """Replace ``replace`` paragraphs of one document (at ``which`` of the sorted names) and
    insert one new paragraph; the file written back."""
    paths = sorted(folder.glob("*.txt"))
    path = paths[min(int(len(paths) * which), len(paths) - 1)]
    paragraphs = path.read_text(encoding="utf-8").strip().split("\n\n")
    for i in range(replace):
        paragraphs[i * 7 % len(paragraphs)] = maker.paragraph()
    paragraphs.insert(len(paragraphs) // 2, maker.paragraph())
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def unit_vectors(n: int, dim: int = 384, seed: int = 7, topics: int = 0) -> np.ndarray:
    """``n`` random unit vectors; with ``topics`` > 0 they scatter around that many centres
    (like embeddings of documents on a few subjects), else uniform on the sphere."""
    rng = np.random.default_rng(seed)
    if topics:
        centres = rng.standard_normal((topics, dim), dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        x = centres[rng.integers(0, topics, n)] + rng.standard_normal((n, dim), dtype=np.float32) * 0.06
    else:
        x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x, dtype=np.float32)


def queries_near(data: np.ndarray, nq: int, seed: int = 11, noise: float = 0.04) -> np.ndarray:
    """``nq`` queries, each a noisy copy of a random data row (cosine ≈ 0.75 to it)."""
    rng = np.random.default_rng(seed)
    rows = data[rng.integers(0, len(data), nq)]
    q = rows + rng.standard_normal(rows.shape, dtype=np.float32) * noise
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return np.ascontiguousarray(q, dtype=np.float32)
