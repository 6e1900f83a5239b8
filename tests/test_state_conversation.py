"""bot/state/conversation.py: per-chat context with a time limit."""

from __future__ import annotations

from bot.engine.types import Turn
from bot.state import Conversations

T1 = Turn("乡镇最多签了多少份责任状？", (("article.txt", 20),))
T2 = Turn("问责程序是什么？", (("article.txt", 30),))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_context_is_per_chat_and_expires() -> None:
    clock = Clock()
    chats = Conversations(ttl=600, clock=clock)
    chats.put(1, T1)
    chats.put(2, T2)
    clock.now += 599
    assert chats.get(1) == T1 and chats.get(2) == T2
    clock.now += 2
    assert chats.get(1) is None and chats.get(2) is None


def test_a_new_turn_replaces_and_a_refused_question_keeps_the_thread() -> None:
    clock = Clock()
    chats = Conversations(ttl=600, clock=clock)
    chats.put(1, T1)
    chats.put(1, T2)
    assert chats.get(1) == T2
    chats.put(1, None)  # "红烧肉怎么做？" in between: not covered, no turn of its own
    assert chats.get(1) == T2
    clock.now += 601  # ... and the thread still grows stale on its own clock
    assert chats.get(1) is None


def test_zero_ttl_keeps_nothing_and_size_is_bounded() -> None:
    assert Conversations(ttl=0).get(1) is None
    off = Conversations(ttl=0)
    off.put(1, T1)
    assert off.get(1) is None
    chats = Conversations(ttl=600, max_items=2, clock=Clock())
    for chat in (1, 2, 3):
        chats.put(chat, T1)
    assert chats.get(1) is None and chats.get(2) == T1 and chats.get(3) == T1
