"""Odd but possible updates, generated from a seed: what a Bot API emulator, a proxy or next
year's Telegram may send. For the fuzz test of receiving (tests/test_telegram_received.py)
and anyone who wants to try a bot against them: ``OddUpdates(seed).make(n)`` gives ``n``
update bodies (no update_id; enqueue them with ``BotAPIServer.enqueue_raw``).

The kinds (``KINDS``): fields missing or of the wrong type, null fields, update types that do
not exist (yet), huge texts, emoji, RTL and zero-width marks, entities out of range,
callback data of other bots, callback queries whose message lacks ``date`` (an emulator),
messages without a chat, edited channel posts and other known types the bot never asks for,
extra unknown fields, ids at the edges of 64 bits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

Body = dict[str, Any]
FIRST_ID = 800_000  # users and chats of odd updates: ids from here (keep real askers below)
MARKS = ("\u200f", "\u200e", "\u202e", "\u202d", "\u200b", "\u2066", "\u2069", "\ufeff", "\u0301")
EMOJI = ("👍", "🇨🇳", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏽‍💻", "❤️", "🙏🏿", "𠮷", "𝕏")
WORDS = ("街道", "考核", "指标", "问责", "社区", "年终", "食堂", "what", "مرحبا", "שלום", "?")
WRONG: tuple[Any, ...] = (None, "", "x", 0, -1, 1.5, True, [], {}, ["a"], {"a": 1}, 2**70)
KNOWN_OTHER = ("edited_channel_post", "channel_post", "my_chat_member", "chat_member",
               "message_reaction", "poll", "chat_join_request", "business_message",
               "purchased_paid_media", "shipping_query", "chosen_inline_result", "guest_message",
               "managed_bot")


class OddUpdates:
    """A deterministic stream of odd updates (``random.Random(seed)``)."""

    def __init__(self, seed: int = 24) -> None:
        """Seeded: the same seed gives the same updates."""
        self.rng = random.Random(seed)
        self._message_id = 0
        self.kinds: dict[str, Callable[[], Body]] = {
            "missing_field": self.missing_field, "wrong_type": self.wrong_type,
            "null_field": self.null_field, "unknown_type": self.unknown_type,
            "huge_text": self.huge_text, "marks_and_emoji": self.marks_and_emoji,
            "entities_out_of_range": self.entities_out_of_range,
            "foreign_callback": self.foreign_callback,
            "callback_without_date": self.callback_without_date,
            "message_without_chat": self.message_without_chat,
            "other_known_type": self.other_known_type, "extra_fields": self.extra_fields,
            "edge_ids": self.edge_ids, "not_an_object": self.not_an_object,
        }

    def make(self, n: int) -> list[tuple[str, Body]]:
        """``n`` updates as (kind, body), every kind in turn, then at random."""
        names = list(self.kinds)
        return [(name, self.kinds[name]()) for name in
                (names[i] if i < len(names) else self.rng.choice(names) for i in range(n))]

    # -- building blocks -----------------------------------------------------------------

    def user(self) -> Body:
        uid = FIRST_ID + self.rng.randrange(100_000)
        return {"id": uid, "is_bot": False, "first_name": self.text(1, 3), "language_code": "zh-hans"}

    def chat(self, user: Body) -> Body:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def message(self, text: str | None = None) -> Body:
        self._message_id += 1
        user = self.user()
        return {"message_id": self._message_id, "from": user, "chat": self.chat(user),
                "date": int(time.time()), "text": self.text(1, 6) if text is None else text}

    def text(self, low: int, high: int) -> str:
        parts = self.rng.choices(WORDS + EMOJI + MARKS, k=self.rng.randint(low, high))
        return "".join(parts).strip() or "问"

    def wrong(self) -> Any:
        return self.rng.choice(WRONG)

    # -- kinds ---------------------------------------------------------------------------

    def missing_field(self) -> Body:
        message = self.message()
        path = self.rng.choice([("date",), ("message_id",), ("chat", "type"), ("chat", "id"),
                                ("from", "is_bot"), ("from", "first_name"), ("from", "id")])
        target = message
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return {self.rng.choice(["message", "edited_message"]): message}

    def wrong_type(self) -> Body:
        message = self.message()
        key = self.rng.choice(["text", "date", "message_id", "chat", "from", "entities",
                               "reply_to_message", "caption"])
        message[key] = self.wrong()
        return {"message": message}

    def null_field(self) -> Body:
        message = self.message()
        message[self.rng.choice(["text", "from", "entities", "reply_markup"])] = None
        return {"message": message}

    def unknown_type(self) -> Body:
        name = self.rng.choice(["future_update", "message_v2", "story_reply", "x", "bot_mood_2030"])
        return {name: {"id": self.rng.randrange(10**9), "from": self.user(), "text": self.text(1, 4)}}

    def huge_text(self) -> Body:
        size = self.rng.choice([4097, 20_000, 100_000])
        return {"message": self.message((self.text(5, 10) * size)[:size])}

    def marks_and_emoji(self) -> Body:
        text = "".join(self.rng.choice(MARKS + EMOJI) for _ in range(self.rng.randint(1, 40)))
        return {"message": self.message(text + self.rng.choice(["", "？", "问责的目的是什么？"]))}

    def entities_out_of_range(self) -> Body:
        message = self.message("/ask" + self.text(1, 3))
        offset = self.rng.choice([0, 3, 50, 10**6, -5])
        kind = self.rng.choice(["bot_command", "mention", "text_mention", "url", "custom_emoji", "new"])
        message["entities"] = [{"type": kind, "offset": offset, "length": self.rng.choice([0, 1, 99, -1])}]
        return {"message": message}

    def foreign_callback(self) -> Body:
        data = self.rng.choice(["", ":", "more:", "vote:nokey", "x" * 64, "其他机器人:键", "🙂:🙂",
                                "remove:../../etc/passwd", "more:" + "k" * 59])
        return {"callback_query": {"id": str(self.rng.randrange(10**12)), "from": self.user(),
                                   "message": self.message(), "chat_instance": "1", "data": data}}

    def callback_without_date(self) -> Body:
        message = self.message()
        del message["date"]  # what the telegram-test-api emulator sends
        return {"callback_query": {"id": str(self.rng.randrange(10**12)), "from": self.user(),
                                   "message": message, "chat_instance": "1", "data": "more:abc"}}

    def message_without_chat(self) -> Body:
        message = self.message()
        del message["chat"]
        return {"message": message}

    def other_known_type(self) -> Body:
        kind = self.rng.choice(KNOWN_OTHER)
        if kind in ("edited_channel_post", "channel_post"):
            post = self.message()
            post.pop("from")
            post["chat"] = {"id": -(10**12) - self.rng.randrange(1000), "type": "channel", "title": "频道"}
            post["edit_date"] = post["date"]
            return {kind: post}
        return {kind: {"chat": {"id": -1, "type": "group"}, "from": self.user(), "date": 0}}

    def extra_fields(self) -> Body:
        message = self.message("问责的目的是什么？")
        message[f"new_field_{self.rng.randrange(100)}"] = {"nested": [self.wrong(), self.text(1, 2)]}
        return {"message": message, "future_sibling": {"a": 1}}

    def edge_ids(self) -> Body:
        message = self.message()
        edge = self.rng.choice([2**63 - 1, -(2**63), 2**64, 0, -1])
        message["chat"]["id"] = edge
        message["from"]["id"] = edge
        return {"message": message}

    def not_an_object(self) -> Body:
        return {self.rng.choice(["message", "callback_query", "inline_query"]): self.wrong()}
