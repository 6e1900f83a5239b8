"""Opening the service over the documents and rebuilding it: only changed passages are
embedded again, a failed rebuild raises ReloadError and the old service serves on, a
copied index is loaded as it is."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
import pytest

from bot.engine.index.store import load
from bot.engine.lifecycle import ReloadError, open_service, rebuild
from bot.engine.service import SearchService
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


def test_a_gb18030_file_is_read_and_an_unreadable_one_is_skipped_by_name(fake_settings: Settings) -> None:
    old = open_service(fake_settings)
    (fake_settings.docs_dir / "upload.txt").write_bytes("基层减负，为乡镇干部松绑。".encode("gb18030"))
    (fake_settings.docs_dir / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer")
    new, report = rebuild(fake_settings, old)
    assert "upload.txt" in new.info.documents and "broken.pdf" not in new.info.documents
    assert [(s.name, s.reason) for s in report.skipped] == [("broken.pdf", "corrupt")]
    assert new.document("upload.txt")[0].text == "基层减负，为乡镇干部松绑。"
    assert new.ask(QUESTION).hits  # the other documents are served


def test_disk_error_during_rebuild_is_a_reload_error(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = open_service(fake_settings)
    before = load(fake_settings.index_dir).manifest
    _edit(fake_settings.docs_dir, "共有考核目的31项", "共有考核目的32项")

    def disk_full(path: Path, *rows: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.engine.index.store_parts._write_json", disk_full)
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
def test_an_unreadable_file_is_skipped_and_the_article_still_answers(
    real_index_copy: Settings, real_service: SearchService
) -> None:
    (real_index_copy.docs_dir / "broken.txt").write_bytes(b"\xff\xfe\x00\xd8bad")  # UTF-16 BOM, bad pair
    new, report = rebuild(real_index_copy, real_service)
    assert [(s.name, s.reason) for s in report.skipped] == [("broken.txt", "encoding")]
    answer = new.ask(QUESTION)
    assert answer.answered and answer.hits[0].paragraph == 8


@pytest.mark.slow
def test_copied_real_index_is_loaded_without_rebuilding(
    real_index_copy: Settings, real_service: SearchService
) -> None:
    service = open_service(real_index_copy, encoder=real_service.encoder, second=real_service.second)
    assert service.info.built_at == real_service.info.built_at
    assert service.stored.manifest == real_service.stored.manifest
