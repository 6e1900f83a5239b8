"""Query/passage prompts of well-known retrieval models, used when neither config nor model says."""

from __future__ import annotations

# model name (as on the hub, or the last path part of a local folder) -> (query, passage)
KNOWN_PROMPTS: dict[str, tuple[str, str]] = {
    "intfloat/multilingual-e5-small": ("query: ", "passage: "),
    "intfloat/multilingual-e5-base": ("query: ", "passage: "),
    "intfloat/multilingual-e5-large": ("query: ", "passage: "),
    "BAAI/bge-small-zh-v1.5": ("为这个句子生成表示以用于检索相关文章：", ""),
    "BAAI/bge-base-zh-v1.5": ("为这个句子生成表示以用于检索相关文章：", ""),
    "BAAI/bge-large-zh-v1.5": ("为这个句子生成表示以用于检索相关文章：", ""),
}


def known_prompts(model: str) -> tuple[str, str] | None:
    """The (query, passage) prompts for a known model name, else None."""
    if model in KNOWN_PROMPTS:
        return KNOWN_PROMPTS[model]
    tail = model.rstrip("/").split("/")[-1]
    for name, prompts in KNOWN_PROMPTS.items():
        if name.split("/")[-1] == tail:
            return prompts
    return None
