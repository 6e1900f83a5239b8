"""Ranking passages for a question: dense, BM25, learned-sparse and cross-lingual signals fused."""
