"""bot/engine/question/concepts.py: which specific words of a question the documents know by no name."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.index.vocabulary import vocabulary, vocabulary_vectors
from bot.engine.question.concepts import (
    Concepts,
    anchored,
    candidates,
    content_words,
    specificity,
    weighted_mean,
)
from bot.engine.service import SearchService
from bot.engine.text.normalize import normalize
from bot.engine.text.tokenize import tokenize

DOCUMENT = "基层干部反映,上级对街道的年末考核中共有考核目的31项。多名人民来信来访户进京来访。"
TOKENS = frozenset(tokenize(normalize(DOCUMENT)))


def _unit(*weights: float) -> np.ndarray:
    v = np.array(weights, dtype=np.float32)
    return v / np.linalg.norm(v)


def _space(near: dict[str, np.ndarray]) -> tuple[Concepts, list[str]]:
    """Concepts over DOCUMENT whose vocabulary vectors are all one direction, and an
    encoder that puts the words of ``near`` where it is told (others orthogonal)."""
    words = vocabulary(TOKENS)
    concepts = Concepts(TOKENS, np.tile(_unit(1, 0, 0), (len(words), 1)))
    asked: list[str] = []

    def encode(batch: list[str]) -> np.ndarray:
        asked.extend(batch)
        return np.stack([near.get(w, _unit(0, 1, 0)) for w in batch])

    concepts.encode = encode  # type: ignore[attr-defined]
    return concepts, asked


def test_vocabulary_is_the_sorted_chinese_words_of_the_lexical_tokens() -> None:
    words = vocabulary({"#考核", "$考", "考核", "基层干部", "abc", "人"})
    assert words == ["基层干部", "考核"]


def test_candidates_are_specific_content_words_but_not_the_answer_type() -> None:
    found = candidates("基层干部的加班费怎么计算？")
    assert "加班费" in found and "计算" not in found  # 计算 is common in general Chinese
    assert "角色" not in candidates("社区往往变成了什么角色？")  # the kind of answer asked for
    assert not any(c in "怎么哪些什么谁" for w in candidates("哪些人由谁来管？") for c in w)
    assert specificity("养老保险") > specificity("工作")
    assert "压力" in content_words("干部为什么压力大？")  # 为什么 asks why, not for a 什么


def test_the_documents_know_a_word_its_compound_parts_or_the_word_less_a_particle() -> None:
    concepts = Concepts(TOKENS, None)
    assert concepts.knows("考核") and concepts.knows("来访")
    assert concepts.knows("考核时")  # "时" glued on by the segmenter
    assert concepts.knows("年末考核办法")  # a compound with a known part
    assert not concepts.knows("加班费")


def test_unknown_words_are_those_with_no_near_synonym_in_the_documents() -> None:
    concepts, asked = _space({"督查": _unit(1, 0.2, 0)})  # near the documents' 考核 and co.
    unknown = concepts.unknown("督查干部的加班费怎么计算？", concepts.encode)  # type: ignore[attr-defined]
    assert unknown == ["加班费"]
    # every content word the documents lack is embedded (its cosine measures coverage);
    # 干部 is the documents' own word and takes its stored vector
    assert asked == ["督查", "加班费", "计算"]
    assert concepts.unknown("基层干部的年末考核有多少项？", concepts.encode) == []  # type: ignore[attr-defined]


def test_without_vocabulary_vectors_nothing_is_judged_unknown() -> None:
    concepts = Concepts(TOKENS, None)
    assert concepts.unknown("基层干部的加班费怎么计算？", lambda w: np.ones((len(w), 3))) == []
    stale = Concepts(TOKENS, np.ones((2, 3), dtype=np.float32))  # built for other documents
    assert stale.vectors is None


def test_vocabulary_vectors_keep_the_rows_of_words_embedded_before() -> None:
    seen: list[str] = []

    def encode(words: list[str]) -> np.ndarray:
        seen.extend(words)
        return np.full((len(words), 2), 2.0, dtype=np.float32)

    old = {"考核": np.array([1.0, 0.0], dtype=np.float32)}
    out = vocabulary_vectors(["基层", "考核"], encode, old)
    assert seen == ["基层"]
    assert out.tolist() == [[2.0, 2.0], [1.0, 0.0]]


def test_only_words_the_documents_lack_are_embedded() -> None:
    concepts, asked = _space({})
    lacking = concepts.lacking("督查干部的年末考核要多久？")
    assert "干部" not in lacking and "年末" not in lacking  # stored vectors / known by characters
    assert "督查" in lacking
    words = concepts.words_of("督查干部的年末考核要多久？", concepts.encode)  # type: ignore[attr-defined]
    assert asked == lacking  # words_of embeds exactly those, in one call
    assert words.vectors is not None and words.vectors.shape == (len(words.words), 3)
    assert Concepts(TOKENS, None).lacking("督查干部的年末考核要多久？") == []  # no vectors: none


def test_coverage_matches_words_lexically_by_bigrams_or_by_cosine() -> None:
    concepts, _ = _space({"督查": _unit(1, 0.2, 0)})  # near every document word
    words = concepts.words_of("督查干部的加班费", concepts.encode)  # type: ignore[attr-defined]
    assert words.words == ("督查", "干部", "加班费")
    covered = dict(zip(words.words, concepts.coverage(words, TOKENS), strict=True))
    assert covered["干部"] == 1.0  # the word itself
    assert covered["督查"] == pytest.approx(float(_unit(1, 0.2, 0) @ _unit(1, 0, 0)), abs=1e-5)
    assert covered["加班费"] == pytest.approx(0.0, abs=1e-6)  # no bigram, orthogonal
    known = concepts.known(words)
    assert known[1] == 1.0 and known[2] < known[0] < 1.0
    mean = weighted_mean(concepts.coverage(words, TOKENS), words.weights)
    assert mean is not None and 0.0 < mean < 1.0
    assert weighted_mean(np.array([]), np.array([])) is None


def test_english_words_are_matched_by_cosine_only() -> None:
    concepts, asked = _space({"assessment": _unit(1, 0, 0)})
    words = concepts.words_of("How is the assessment of officials done?", concepts.encode)  # type: ignore[attr-defined]
    assert not words.cjk and "assessment" in words.words and set(asked) == set(words.words)
    covered = dict(zip(words.words, concepts.coverage(words, TOKENS), strict=True))
    assert covered["assessment"] == pytest.approx(1.0, abs=1e-5)
    assert not words.specific().any()  # the specific-word rules are for the documents' script


def test_neighbours_are_close_document_words_but_not_forms_of_the_word_itself() -> None:
    words = vocabulary(TOKENS)
    rows = {w: i for i, w in enumerate(words)}
    vectors = np.eye(len(words), len(words) + 2, dtype=np.float32)  # every word its own axis
    axis = len(words)  # the direction of 检查 (and of 上访, one further)
    vectors[rows["考核"]] = 0
    vectors[rows["考核"], [axis, rows["考核"]]] = _unit(1, 0.3)  # close to 检查
    vectors[rows["来访"], [axis, axis + 1]] = _unit(1, 1)  # cos 0.71 to 检查 and to 上访
    vectors[rows["来访"], rows["来访"]] = 0
    vectors[rows["基层干部"]] = vectors[rows["干部"]]  # as close as can be, but a form of 干部
    concepts = Concepts(TOKENS, vectors)
    directions = np.eye(len(words) + 2, dtype=np.float32)[axis:]
    asked = dict(zip(("检查", "上访"), directions, strict=True))
    found = concepts.words_of("干部的检查与上访", lambda batch: np.stack([asked[w] for w in batch]))
    assert found.words == ("干部", "检查", "上访")
    near = concepts.neighbours(found)
    assert set(near) == {"考核", "来访"}  # 基层干部 contains 干部: BM25 has it already
    assert near["考核"] == pytest.approx(float(_unit(1, 0.3)[0]), abs=1e-5)
    assert near["来访"] == pytest.approx(2 * float(_unit(1, 1)[0]), abs=1e-5)  # near two words
    assert Concepts(TOKENS, None).neighbours(found) == {}  # no vectors: no neighbours


@pytest.mark.slow
def test_a_swapped_wording_is_searched_by_its_own_words(real_service: SearchService) -> None:
    """The text says 往下压 where the question says 压下来: the neighbour finds it."""
    found = real_service.concepts.words_of("上级压下来的任务", real_service.reader.encode_words)
    assert "往下压" in real_service.concepts.neighbours(found)
    asked = ["上级压下来的任务", "What tasks are pushed down?"]
    queries, _ = real_service.reader.read(asked, [normalize(q) for q in asked])
    assert queries[0].terms.get("往下压", 0.0) > 0.7  # the service searches it
    assert "往下压" not in queries[1].terms  # an English question keeps its translation only


@pytest.mark.slow
@pytest.mark.parametrize(("question", "status"), [
    ("基层干部的加班费怎么计算？", "related"),  # the documents never name overtime pay
    ("村干部的养老保险怎么缴纳？", "related"),
    ("乡镇党委书记一届任期是几年？", "related"),  # "30多年" is someone's career, not a term
    ("乡镇一年要签多少份责任状？", "answered"),  # 责任状 is 权利状 in the text: a near-synonym
    ("镇干部为什么要去北京接上访人员？", "answered"),  # 上访 ↔ 来访
    ("街道的考核里除了信访还包括哪些工作？", "answered"),
])
def test_near_misses_are_related_and_paraphrases_answered(
    real_service: SearchService, question: str, status: str
) -> None:
    assert real_service.ask(question).status == status


def test_the_subject_is_anchored_by_a_word_rarer_than_the_domain_words() -> None:
    df = {"基层干部": 20, "#基层": 20, "加班费": 1, "$基": 30}
    assert anchored({"基层干部", "加班费"}, df, 36)
    assert not anchored({"基层干部", "#基层", "$基"}, df, 36)  # only the domain: 20 > 36/e
