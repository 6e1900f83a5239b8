"""The documents behind the serving layer's door (bot/serving/documents.py): paragraphs as
citations with their hash, the catalogue with who added what, an upload read and added in
one call (or refused with nothing changed), a removal, over a real index on disk."""

from __future__ import annotations

import json

import pytest

from bot.engine.documents.folder import CATALOGUE
from bot.serving.documents import ReloadError, readable
from bot.serving.engine import ServedEngine
from config.settings import Settings

ARTICLE = "article.txt"
UPLOAD = "基层减负。\n\n乡镇干部的考核指标一共有十二项。\n"


@pytest.fixture
async def served(fake_settings: Settings) -> ServedEngine:
    engine = ServedEngine(fake_settings)
    await engine.open()
    return engine


async def test_a_paragraph_comes_with_its_hash_and_a_gone_one_is_none(served: ServedEngine) -> None:
    hit = served.paragraph(ARTICLE, 7)
    assert hit is not None and hit.paragraph == 7 and len(hit.hash) >= 8 and hit.text
    assert served.paragraph_hash(ARTICLE, 7) == hit.hash
    assert served.paragraph(ARTICLE, 9999) is None and served.paragraph_hash(ARTICLE, 9999) == ""
    assert [h.paragraph for h in served.document(ARTICLE)][:3] == [1, 2, 3]


async def test_answers_cite_hits_that_carry_their_paragraph_hash(served: ServedEngine) -> None:
    answer = await served.ask("街道年终考核一共有多少项指标？")
    assert answer.hits and all(h.hash == served.paragraph_hash(h.doc, h.paragraph) for h in answer.hits)


async def test_an_upload_is_read_added_and_reported_in_one_call(served: ServedEngine) -> None:
    stages: list[str] = []
    added = await served.add_document("新 文件.txt", UPLOAD.encode(), 42, lambda s, d, t: stages.append(s))
    assert added.problem is None and added.changes is None and added.report is not None
    assert added.name == "新 文件.txt" and added.paragraphs == 2 and stages == ["indexing"]
    entry = next(d for d in served.catalogue() if d.name == added.name)
    assert entry.added_by == 42 and entry.added_at[:2] == "20" and entry.paragraphs == 2
    again = await served.add_document("新 文件.txt", (UPLOAD + "\n新增一段。\n").encode(), 42)
    assert again.changes is not None and again.changes.added == 1 and again.changes.removed == 0


async def test_an_unreadable_upload_changes_nothing(served: ServedEngine, fake_settings: Settings) -> None:
    before, version = served.catalogue(), served.info.built_at
    refused = await served.add_document("坏.pdf", b"%PDF-1.4 not really a pdf", 7)
    assert refused.problem is not None and refused.problem.reason == "corrupt" and refused.report is None
    assert served.catalogue() == before and served.info.built_at == version
    assert not (fake_settings.docs_dir / "坏.pdf").exists()


async def test_a_removal_reloads_and_an_unknown_name_is_put_back(served: ServedEngine) -> None:
    await served.add_document("extra.txt", UPLOAD.encode(), 1)
    report = await served.remove_document("extra.txt")
    assert "extra.txt" not in [d.name for d in served.catalogue()] and report.documents == 1
    catalogue = json.loads((served.settings.docs_dir / CATALOGUE).read_text(encoding="utf-8"))
    assert "extra.txt" not in catalogue
    with pytest.raises((FileNotFoundError, ReloadError)):
        await served.remove_document("never-there.txt")


def test_readable_names_go_by_their_extension() -> None:
    assert readable("条例.PDF") and readable("通知.ofd") and readable("a.md")
    assert not readable("photo.jpg") and not readable("noextension")
