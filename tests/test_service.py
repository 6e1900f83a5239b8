"""The search service: answers, paging, neighbours, and rebuilds that keep the old service serving."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
import pytest

from bot.service import ReloadError, SearchService, open_service, rebuild
from bot.store import load
from bot.types import Hit
from config.settings import Settings
from embeddings.encoder import HashingEncoder

QUESTION = "街道年终考核一共有多少项指标？"
ARTICLE = "article.txt"


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(256)
        self.passages_encoded = 0

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_encoded += len(texts)
        return super().encode_passages(texts)


def _edit(docs: Path, old: str, new: str) -> None:
    path = docs / ARTICLE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def _numbers(hits: Sequence[Hit]) -> list[int]:
    return [h.paragraph for h in hits]


def test_info_describes_the_index(fake_service: SearchService) -> None:
    info = fake_service.info
    assert info.documents == (ARTICLE,)
    assert info.paragraphs == 36  # 38 minus the byline and the editor line
    assert info.passages == 36
    assert info.model == "hashing-256" and info.built_at


def test_neighbours_of_a_paragraph_are_the_one_before_and_after(fake_service: SearchService) -> None:
    around = fake_service.neighbours(ARTICLE, 8)
    assert _numbers(around) == [7, 9]
    paragraph7 = fake_service.paragraph(ARTICLE, 7)
    assert paragraph7 is not None and around[0].text == paragraph7.text


@pytest.mark.parametrize(("number", "expected"), [(17, [18]), (15, [14]), (23, [24]), (21, [20])])
def test_neighbours_skip_noise_paragraphs(
    fake_service: SearchService, number: int, expected: list[int]
) -> None:
    assert _numbers(fake_service.neighbours(ARTICLE, number)) == expected


def test_neighbours_at_the_edges_and_of_unknown_documents(fake_service: SearchService) -> None:
    assert _numbers(fake_service.neighbours(ARTICLE, 1)) == [2]
    assert _numbers(fake_service.neighbours(ARTICLE, 38)) == [37]
    assert fake_service.neighbours("other.txt", 8) == []


def test_paragraph_lookup_includes_noise(fake_service: SearchService) -> None:
    byline = fake_service.paragraph(ARTICLE, 16)
    assert byline is not None and byline.text == "刘刚" and not byline.servable
    assert fake_service.paragraph(ARTICLE, 39) is None


def test_hits_cite_document_paragraph_and_its_full_text(fake_service: SearchService) -> None:
    answer = fake_service.ask(QUESTION)
    assert len(answer.hits) == fake_service.settings.retrieval.top_k
    for hit in answer.hits:
        paragraph = fake_service.paragraph(hit.doc, hit.paragraph)
        assert paragraph is not None and paragraph.servable and hit.text == paragraph.text
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True)
    assert answer.ms > 0


def test_paging_with_offset_continues_the_ranking(fake_service: SearchService) -> None:
    six = fake_service.ask(QUESTION, k=6)
    second_page = fake_service.ask(QUESTION, k=3, offset=3)
    assert _numbers(second_page.hits) == _numbers(six.hits)[3:]
    assert len(set(_numbers(six.hits))) == 6


@pytest.mark.parametrize("question", ["", "   ", "？？"])
def test_empty_question_is_not_answered(fake_service: SearchService, question: str) -> None:
    answer = fake_service.ask(question)
    assert not answer.answered and answer.answer == ""


def test_rebuild_reembeds_only_changed_passages(fake_settings: Settings) -> None:
    encoder = CountingEncoder()
    old = open_service(fake_settings, encoder=encoder)
    _edit(fake_settings.docs_dir, "共有考核目的31项", "共有考核目的32项")
    _edit(fake_settings.docs_dir, "问责本人并不是指标", "问责本身并不是目的")
    (fake_settings.docs_dir / "extra.md").write_text("新文件第一段。\n\n新文件第二段。", encoding="utf-8")
    encoder.passages_encoded = 0
    new, report = rebuild(fake_settings, old)
    # 2 edited + 2 new passages, and the 4 sentences among them that changed (the answer
    # extraction's sentence vectors); the background and every other sentence are reused
    assert report.reembedded == 4 and encoder.passages_encoded == 4 + 4
    assert (report.documents, report.paragraphs) == (2, 38)
    assert new.info.documents == (ARTICLE, "extra.md")
    p8 = new.paragraph(ARTICLE, 8)
    assert p8 is not None and "32项" in p8.text
    old_p8 = old.paragraph(ARTICLE, 8)
    assert old_p8 is not None and "31项" in old_p8.text  # the old service is untouched
    assert load(fake_settings.index_dir).manifest == new.stored.manifest


def test_failed_rebuild_raises_reload_error_and_keeps_the_index(fake_settings: Settings) -> None:
    old = open_service(fake_settings)
    manifest = load(fake_settings.index_dir).manifest
    (fake_settings.docs_dir / "upload.txt").write_bytes("基层减负".encode("gb18030"))
    with pytest.raises(ReloadError, match=r"upload\.txt"):
        rebuild(fake_settings, old)
    assert load(fake_settings.index_dir).manifest == manifest
    assert old.ask(QUESTION).hits


def test_disk_error_during_rebuild_is_a_reload_error(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = open_service(fake_settings)
    before = load(fake_settings.index_dir).manifest
    _edit(fake_settings.docs_dir, "共有考核目的31项", "共有考核目的32项")

    def disk_full(path: Path, *rows: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.store_parts._write_json", disk_full)
    with pytest.raises(ReloadError, match="No space left"):
        rebuild(fake_settings, old)
    assert load(fake_settings.index_dir).manifest == before


def test_faiss_write_failure_during_rebuild_is_a_reload_error(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = open_service(fake_settings)
    _edit(fake_settings.docs_dir, "共有考核目的31项", "共有考核目的32项")

    def write_fails(index: object, path: str) -> None:
        raise RuntimeError(f"could not open {path} for writing: No space left on device")

    monkeypatch.setattr(faiss, "write_index", write_fails)
    with pytest.raises(ReloadError, match="No space left"):
        rebuild(fake_settings, old)


@pytest.mark.slow
def test_rebuild_after_editing_one_paragraph_reembeds_exactly_one(
    real_index_copy: Settings, real_service: SearchService
) -> None:
    _edit(real_index_copy.docs_dir, "共有考核目的31项", "共有考核目的45项")
    new, report = rebuild(real_index_copy, real_service)
    assert report.reembedded == 1
    assert (report.documents, report.paragraphs) == (1, 36)
    fresh = new.ask(QUESTION)
    assert fresh.answered and fresh.hits[0].paragraph == 8 and "45" in fresh.answer
    still = real_service.ask(QUESTION)
    assert still.answered and still.hits[0].paragraph == 8 and "31" in still.answer
    assert load(real_index_copy.index_dir).manifest.documents == new.stored.manifest.documents


@pytest.mark.slow
def test_failed_rebuild_with_a_non_utf8_file_keeps_the_old_service(
    real_index_copy: Settings, real_service: SearchService
) -> None:
    (real_index_copy.docs_dir / "broken.txt").write_bytes(b"\xff\xfe\x00bad")
    before = load(real_index_copy.index_dir).manifest
    with pytest.raises(ReloadError, match=r"broken\.txt.*UTF-8"):
        rebuild(real_index_copy, real_service)
    assert load(real_index_copy.index_dir).manifest == before
    answer = real_service.ask(QUESTION)
    assert answer.answered and answer.hits[0].paragraph == 8


@pytest.mark.slow
def test_copied_real_index_is_loaded_without_rebuilding(
    real_index_copy: Settings, real_service: SearchService
) -> None:
    service = open_service(real_index_copy, encoder=real_service.encoder, second=real_service.second)
    assert service.info.built_at == real_service.info.built_at
    assert service.stored.manifest == real_service.stored.manifest


@pytest.mark.slow
def test_a_follow_up_says_something_new_from_the_cited_paragraphs(real_service: SearchService) -> None:
    first = real_service.ask("问责程序上存在哪些不规范的地方？")
    assert first.answered and first.hits[0].paragraph == 19 and first.turn is not None
    assert first.turn.answer == first.answer
    follow = real_service.ask("那应该怎么规范？", context=first.turn)
    assert follow.answered and follow.hits[0].paragraph == 31  # ¶31: 二要规范问责程序
    assert follow.answer != first.answer and 31 in [h.paragraph for h in first.hits]


@pytest.mark.slow
def test_an_elliptical_follow_up_keeps_the_fact_asked_for(real_service: SearchService) -> None:
    first = real_service.ask("乡镇最多签了多少份责任状？")
    follow = real_service.ask("最少的呢？", context=first.turn)
    assert follow.answered and "36份" in follow.answer and follow.hits[0].paragraph == 18


@pytest.mark.slow
@pytest.mark.parametrize("off_topic", ["What about the weather?", "那明天会下雨吗？"])
def test_an_off_topic_question_after_context_stays_off_topic(
    real_service: SearchService, off_topic: str
) -> None:
    first = real_service.ask("How many indicators are in the sub-district's annual assessment?")
    assert first.answered and first.turn is not None
    answer = real_service.ask(off_topic, context=first.turn)
    assert answer.status == "not_covered" and answer.turn is None


@pytest.mark.slow
def test_an_english_follow_up_is_understood_with_its_thread(real_service: SearchService) -> None:
    first = real_service.ask("How many responsibility pledges do townships have to sign?")
    follow = real_service.ask("What about the least?", context=first.turn)
    assert follow.answered and "36份" in follow.answer
    assert follow.turn is not None and follow.turn.question.startswith("How many responsibility")
