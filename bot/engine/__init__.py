"""The engine: a question in, an Answer out. It never imports serving, state or transports.

A question travels through the stages in this order, one folder each:

    documents/  files → paragraphs (¶n) → passages          (build time)
    index/      passages → vectors, term counts, stored      (build time)
    question/   what is asked, follow-ups, translation       (question time, from here on)
    rank/       passages ranked by fused signals
    answer/     the sentence that answers
    judge/      answer, "related" or "not covered"

``text/`` holds the rules every stage shares (script, normalisation, tokens, sentence ends).
``service.py`` ties the question-time stages together; ``lifecycle.py`` opens a service over
a documents folder and rebuilds it. The public surface is named here and imported lazily, so
``import bot.engine.types`` stays light:

    from bot.engine import open_service
    answer = open_service(settings).ask("街道年终考核一共有多少项指标？")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.engine.lifecycle import ReloadError, open_service, rebuild
    from bot.engine.service import SearchService
    from bot.engine.types import Answer, Hit, IndexInfo, ReloadReport, Status, Turn

_PUBLIC = {
    "SearchService": "bot.engine.service",
    "open_service": "bot.engine.lifecycle",
    "rebuild": "bot.engine.lifecycle",
    "ReloadError": "bot.engine.lifecycle",
    **{name: "bot.engine.types" for name in ("Answer", "Hit", "IndexInfo", "ReloadReport", "Status", "Turn")},
}


def __getattr__(name: str) -> Any:
    """The public names, each imported from its module on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'bot.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


__all__ = [
    "Answer", "Hit", "IndexInfo", "ReloadError", "ReloadReport", "SearchService", "Status", "Turn",
    "open_service", "rebuild",
]
