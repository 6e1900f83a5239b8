"""Embedding models: the Encoder protocol, the sentence-transformers encoder, a fast fake."""

from __future__ import annotations

from embeddings.encoder import (
    Encoder,
    EncoderError,
    HashingEncoder,
    SentenceTransformerEncoder,
    load_encoder,
    load_second_encoder,
)

__all__ = [
    "Encoder",
    "EncoderError",
    "HashingEncoder",
    "SentenceTransformerEncoder",
    "load_encoder",
    "load_second_encoder",
]
