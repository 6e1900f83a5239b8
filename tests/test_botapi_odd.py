"""bot/tools/botapi/odd.py: the odd updates are the same for the same seed, every kind comes
first in turn, and each kind is what its name says."""

from __future__ import annotations

import json

from bot.tools.botapi.odd import FIRST_ID, OddUpdates


def test_the_same_seed_gives_the_same_updates_and_every_kind_comes_first() -> None:
    first, again = OddUpdates(seed=7).make(60), OddUpdates(seed=7).make(60)
    assert json.dumps(first, ensure_ascii=False) == json.dumps(again, ensure_ascii=False)
    assert json.dumps(first) != json.dumps(OddUpdates(seed=8).make(60))
    kinds = list(OddUpdates().kinds)
    assert [kind for kind, _ in first[: len(kinds)]] == kinds


def test_each_kind_is_what_it_says() -> None:
    made = OddUpdates(seed=1).make(400)
    by_kind: dict[str, list[dict[str, object]]] = {}
    for kind, body in made:
        by_kind.setdefault(kind, []).append(body)
    for body in by_kind["callback_without_date"]:
        message = body["callback_query"]["message"]  # type: ignore[index]
        assert "date" not in message and "chat" in message
    for body in by_kind["message_without_chat"]:
        assert "chat" not in body["message"]  # type: ignore[operator]
    assert all(len(body["message"]["text"]) > 4096 for body in by_kind["huge_text"])  # type: ignore[index]
    assert all(not set(body) & {"message", "callback_query"} for body in by_kind["unknown_type"])
    users = [body["message"]["from"]["id"] for body in by_kind["marks_and_emoji"]]  # type: ignore[index]
    assert all(uid >= FIRST_ID for uid in users)  # never an ordinary asker's chat
