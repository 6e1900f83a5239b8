"""bench/teach.py, the deployment play of issue 16: the fresh check set is well formed and
written from the article, and a play counts paraphrases (right, or suggested), captured and
suggested look-alikes and look-alikes whose reply a teaching changed, with the real models and
a real (SQLite) state store."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine.service import SearchService
from bot.state import open_store
from config.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import teach

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "article.txt"


@pytest.mark.parametrize("path", teach.FRESH_SETS, ids=lambda p: p.stem)
def test_a_fresh_check_set_is_taught_wordings_with_golds_from_the_article(path: Path) -> None:
    if not ARTICLE.is_file():
        pytest.skip(f"article {ARTICLE} not found")
    text = ARTICLE.read_text(encoding="utf-8")
    raw = path.read_text(encoding="utf-8").splitlines()
    lines = [json.loads(line) for line in raw if line.strip()]
    assert "_note" in lines[0] and "before" in lines[0]["_note"].lower()  # how and when it was written
    items = teach.read_pairs(path)
    assert len(items) >= 10 and len(items) == len(lines) - 1
    for item in items:
        assert text.count(item["gold"]) == 1, item["gold"]
        assert len(item["paraphrases"]) == 2 and len(item["lookalikes"]) == 2
        assert item["taught"] not in item["paraphrases"] + item["lookalikes"]
    calibration = {i["taught"] for i in teach.read_pairs(teach.PAIRS)}
    assert not calibration & {i["taught"] for i in items}


@pytest.mark.slow
def test_a_play_teaches_and_counts_what_changed(
    real_service: SearchService, real_settings: Settings, tmp_path: Path
) -> None:
    item = teach.read_pairs(teach.FRESH)[0]
    store = open_store(replace(real_settings, data_dir=tmp_path / "data"))
    try:
        done = teach.play(real_service, store, [(item["taught"], (item["gold"],))], {item["taught"]: item})
        assert len(store.taught()) == 1
    finally:
        store.close()
        real_service.teach(())
    assert done["taught"] == 1 and done["paraphrases"] == 2 and done["lookalikes"] == 2
    assert done["paraphrases_right"] + done["paraphrases_suggested"] + len(done["wrong"]) == 2
    assert done["lookalikes_captured"] == done["lookalikes_from_taught_paragraph"] == 0  # at most suggested
    assert done["lookalikes_suggested"] <= 2
    assert done["lookalikes_changed"] == len(done["changed"]) <= 2
    assert done["lookalikes_given_taught_answer"] <= done["lookalikes_changed"]
    assert real_service.ask(item["taught"]).taught == ""  # forgotten: nothing taught any more
