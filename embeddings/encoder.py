"""Turn text into unit vectors. One protocol, two implementations.

- SentenceTransformerEncoder: any sentence-transformers model (local folder or hub name),
  with the model's query/passage prompts. The default model folder ships in this repo.
- HashingEncoder: a deterministic character n-gram hasher for fast unit tests.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from config.settings import PROJECT_ROOT, EmbeddingSettings
from embeddings.e5_engine import SPARSE_EXACT
from embeddings.prompts import known_prompts

log = logging.getLogger(__name__)
OWN_MODULE_PREFIX = "embeddings."


class EncoderError(RuntimeError):
    """The embedding model could not be loaded or run; the message says how to fix it."""


class Encoder(Protocol):
    """Encodes queries and passages into L2-normalised float32 rows."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        """Learned sparse vectors when the model has such a head, else None."""
        ...

    def encode_queries_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        """``encode_queries`` and ``encode_sparse`` of the same texts, from one model pass
        where the model allows it (what a question costs)."""
        ...

    def encode_passages_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        """``encode_passages`` and the passages' learned-sparse rows (of kind ``sparse_kind``),
        from one model pass where the model allows it (what an index build costs)."""
        ...

    @property
    def sparse_kind(self) -> str:
        """How ``encode_passages_and_sparse`` makes sparse rows ('' = no sparse head); an
        index records it, and rows of two kinds are never mixed (bot/engine/index/build.py)."""
        ...


class SentenceTransformerEncoder:
    """A sentence-transformers model with explicit query and passage prompts."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        from sentence_transformers import SentenceTransformer

        location = resolve_model(settings.model)
        trust = settings.trust_remote_code or _only_own_modules(location)
        try:
            self._model = SentenceTransformer(location, device="cpu", trust_remote_code=trust)
        except Exception as exc:  # the library raises many types; all mean "cannot load"
            raise EncoderError(
                f"cannot load embedding model {settings.model!r}: {exc}. Set [embedding] model "
                "(or QABOT_EMBEDDING_MODEL) to a sentence-transformers folder or, with internet, "
                "a hub name such as intfloat/multilingual-e5-small."
            ) from exc
        self._model_id = settings.model
        self._batch_size = settings.batch_size
        saved = self._model.prompts
        known = known_prompts(settings.model) or ("", "")
        self.query_prompt = settings.query_prompt or saved.get("query") or known[0]
        self.passage_prompt = (
            settings.passage_prompt or saved.get("document") or saved.get("passage") or known[1]
        )
        # our own single-module models are called directly: sentence-transformers' encode
        # loop (sorting, tensors, batching) costs ~1 ms per call, a lot next to a 3 ms model
        first = self._model[0]
        own = len(self._model) == 1 and type(first).__module__.startswith(OWN_MODULE_PREFIX)
        self._direct: Any = first if own else None
        dim = self._model.get_embedding_dimension()
        self._dim = int(dim) if dim else int(self.encode_queries(["dim"]).shape[1])

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return self._dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        head = getattr(self._model[0], "sparse", None)
        if not callable(head):
            return None
        matrix = head(list(texts))
        return None if matrix is None else sparse.csr_matrix(matrix, dtype=np.float32)

    def encode_queries_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self._with_sparse(texts, self.query_prompt) or (
            self.encode_queries(texts), self.encode_sparse(texts))

    def encode_passages_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self._with_sparse(texts, self.passage_prompt) or (
            self.encode_passages(texts), self.encode_sparse(texts))

    @property
    def sparse_kind(self) -> str:
        if not callable(getattr(self._model[0], "sparse", None)):
            return ""
        kind = getattr(self._model[0], "sparse_kind", None)
        return str(kind(self.passage_prompt)) if self._direct is not None and callable(kind) else SPARSE_EXACT

    def _with_sparse(
        self, texts: Sequence[str], prompt: str
    ) -> tuple[np.ndarray, sparse.csr_matrix | None] | None:
        """Dense rows of ``prompt + text`` and sparse rows from our own module's one call, or
        None when the model has no such call."""
        both = getattr(self._model[0], "embed_with_sparse", None)
        if self._direct is None or not callable(both):
            return None
        dense, terms = both(list(texts), prompt)
        return _unit_rows(dense), terms

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if self._direct is not None:
            size = max(1, self._batch_size)
            parts = [
                self._direct.forward(self._direct.preprocess(texts[i : i + size], prompt))
                for i in range(0, len(texts), size)
            ]
            if not parts:
                return np.zeros((0, self._dim), dtype=np.float32)
            return _unit_rows(np.concatenate([p["sentence_embedding"].numpy() for p in parts]))
        vectors = self._model.encode(
            list(texts),
            prompt=prompt,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashingEncoder:
    """Deterministic fake: hashed character uni/bigrams, L2-normalised. For fast unit tests only."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def model_id(self) -> str:
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._hash(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._hash(texts)

    def _hash(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text.lower() if not c.isspace()]
            grams = chars + [a + b for a, b in itertools.pairwise(chars)]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self._dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        return None

    def encode_queries_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self._hash(texts), None

    def encode_passages_and_sparse(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        return self._hash(texts), None

    @property
    def sparse_kind(self) -> str:
        return ""


def load_encoder(settings: EmbeddingSettings) -> Encoder:
    """The encoder named by settings (``hashing-N`` selects the test fake)."""
    if settings.model.startswith("hashing-"):
        return HashingEncoder(int(settings.model.split("-", 1)[1]))
    return SentenceTransformerEncoder(settings)


def load_second_encoder(settings: EmbeddingSettings) -> Encoder | None:
    """The second model's encoder, or None when ``second_model`` is empty."""
    if not settings.second_model:
        return None
    second = replace(settings, model=settings.second_model, query_prompt="", passage_prompt="")
    return load_encoder(second)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32, C-contiguous, every non-zero row scaled to length 1."""
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: np.ndarray = out / np.where(norms == 0, 1.0, norms)
    return result


def resolve_model(model: str) -> str:
    """A local folder (absolute, relative to the project root, or to the current folder)
    or else the name as given (a hub name)."""
    for candidate in (PROJECT_ROOT / Path(model).expanduser(), Path(model).expanduser()):
        if candidate.is_dir():
            return str(candidate)
    return model


def _only_own_modules(location: str) -> bool:
    """True for a local folder whose modules.json names only this project's own classes."""
    modules_json = Path(location) / "modules.json"
    if not modules_json.is_file():
        return False
    try:
        types = [entry["type"] for entry in json.loads(modules_json.read_text(encoding="utf-8"))]
    except (ValueError, KeyError, TypeError):
        return False
    custom = [t for t in types if not t.startswith("sentence_transformers.")]
    return bool(custom) and all(t.startswith(OWN_MODULE_PREFIX) for t in custom)
