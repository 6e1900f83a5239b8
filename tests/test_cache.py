"""The answer cache: repeated questions are answered without the models, per index version,
never across a reload, never for a question asked with a conversation context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import sparse

from bot.engine.cache import AnswerCache
from bot.engine.lifecycle import open_service, rebuild
from bot.engine.service import SearchService
from bot.engine.types import Answer, Turn
from config.settings import Settings
from embeddings.encoder import HashingEncoder

QUESTION = "街道年终考核一共有多少项指标？"


class CountingQueries(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(256)
        self.asked: list[str] = []

    def encode_queries_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        self.asked.extend(texts)
        return super().encode_queries_and_sparse(texts)


def _service(settings: Settings) -> tuple[SearchService, CountingQueries]:
    encoder = CountingQueries()
    service = open_service(settings, encoder=encoder)
    encoder.asked.clear()  # warm-up
    return service, encoder


def test_lru_keeps_the_most_recent_entries() -> None:
    cache = AnswerCache(2, "v1")
    answers = [Answer(q, "not_covered", "", ()) for q in "abc"]
    for answer in answers:
        cache.put(cache.key(answer.question, 3, 0), answer)
        cache.get(cache.key("a", 3, 0))  # "a" stays recent
    assert cache.get(cache.key("a", 3, 0)) == answers[0]
    assert cache.get(cache.key("b", 3, 0)) is None
    assert cache.get(cache.key("c", 3, 0)) == answers[2]
    assert len(cache) == 2
    assert cache.key("a", 3, 0) != AnswerCache(2, "v2").key("a", 3, 0)


def test_capacity_zero_keeps_nothing() -> None:
    cache = AnswerCache(0, "v1")
    cache.put(cache.key("a", 3, 0), Answer("a", "not_covered", "", ()))
    assert cache.get(cache.key("a", 3, 0)) is None and len(cache) == 0


def test_a_repeated_question_is_answered_without_the_models(fake_settings: Settings) -> None:
    service, encoder = _service(fake_settings)
    first = service.ask(QUESTION)
    again = service.ask("  街道年终考核一共有多少项指标?  ")  # other spacing, half-width "?"
    assert encoder.asked == [QUESTION]
    assert replace(again, ms=0, question=QUESTION, turn=first.turn) == replace(first, ms=0)
    asked = "街道年终考核一共有多少项指标?"
    assert again.question == asked  # as this user wrote it
    assert first.turn is not None and again.turn == replace(first.turn, question=asked)
    assert service.cache.hits == 1


def test_k_and_offset_are_part_of_the_key(fake_settings: Settings) -> None:
    service, encoder = _service(fake_settings)
    top3, top5, next3 = service.ask(QUESTION), service.ask(QUESTION, k=5), service.ask(QUESTION, offset=3)
    assert len(encoder.asked) == 3
    assert len(top5.hits) == 5 and next3.hits[0] == top5.hits[3] and top3.hits == top5.hits[:3]


def test_a_follow_up_bypasses_the_cache_a_new_question_with_context_does_not(
    fake_settings: Settings,
) -> None:
    service, encoder = _service(fake_settings)
    context = Turn("街道年终考核一共有多少项指标？", (("article.txt", 8),))
    for _ in range(2):
        service.ask("那社区呢？", context=context)  # leans on the previous turn
    assert len(encoder.asked) == 2 and len(service.cache) == 0
    for _ in range(2):
        service.ask("问责的目的是什么？", context=context)  # stands alone
    assert len(encoder.asked) == 3 and len(service.cache) == 1


def test_batches_mix_cached_and_new_questions(fake_settings: Settings) -> None:
    service, encoder = _service(fake_settings)
    service.ask(QUESTION)
    answers = service.ask_batch([QUESTION, "问责的目的是什么？", QUESTION])
    assert encoder.asked == [QUESTION, "问责的目的是什么？"]
    assert [a.question for a in answers] == [QUESTION, "问责的目的是什么？", QUESTION]
    assert answers[0].hits == answers[2].hits


def test_a_reload_starts_with_an_empty_cache(fake_settings: Settings) -> None:
    service, _ = _service(fake_settings)
    service.ask(QUESTION)
    extra = fake_settings.docs_dir / "extra.txt"
    extra.write_text("街道年终考核的新规定：指标减少到20项。\n", encoding="utf-8")
    new, _ = rebuild(fake_settings, service)
    assert len(service.cache) == 1 and len(new.cache) == 0
    assert new.cache is not service.cache
    assert "extra.txt" in new.info.documents
