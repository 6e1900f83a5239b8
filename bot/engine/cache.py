"""Answers to repeated questions: officials ask the same things, and an answer costs ~20 ms
of CPU while a lookup costs microseconds.

One cache belongs to one lesson of one SearchService (bot/engine/service.py ``Lessons``):
a reload builds a new service, and teaching a new lesson, each with an empty cache, so no
answer outlives the documents or the teachings it came from (the index version is part of
the key as well). Keys are the normalised question with k and offset; a question
asked with a conversation context (a possible follow-up) bypasses the cache, since its
answer depends on that context. Least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from bot.engine.types import Answer

Key = tuple[str, str, int, int]


class AnswerCache:
    """A thread-safe LRU map from (index version, normalised question, k, offset) to Answer;
    ``capacity`` 0 turns it off."""

    def __init__(self, capacity: int, version: str) -> None:
        self.capacity, self.version = capacity, version
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def key(self, norm_question: str, k: int, offset: int) -> Key:
        return (self.version, norm_question, k, offset)

    def get(self, key: Key) -> Answer | None:
        if not self.capacity:
            return None
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Key, answer: Answer) -> None:
        if not self.capacity:
            return
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
