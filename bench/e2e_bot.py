"""The real bot as a separate process for the end-to-end benches (started by loadkit.py).

Runs ``build_application`` + ``running`` against the loopback Bot API at --base-url over
WORK/docs and WORK/index, prints READY once polling, and stops when stdin closes or a
bounded --max-seconds passes. The per-user rate limit is lifted (load tests send faster
than a person); --no-flood-limits leaves out AIORateLimiter.

    python bench/e2e_bot.py --base-url URL --token T --work DIR [--admin ID] [--no-flood-limits]
                            [--cache-sentences]

--cache-sentences demonstrates a proposed fix: extract() embeds the best paragraph's
sentences for questions without word overlap (English ones); those vectors never change
between questions, so a cache keyed by sentence serves them after the first time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from benchkit import settings_for
from scipy import sparse

from bot.telegram import build_application, running
from embeddings.encoder import Encoder, load_encoder


class SentenceCache:
    """Encoder proxy: passage embeddings are remembered per text (queries are not)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self._rows: dict[str, np.ndarray] = {}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_sparse(self, texts: Sequence[str]) -> sparse.csr_matrix | None:
        return self.inner.encode_sparse(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._rows]
        if missing:
            for text, row in zip(missing, self.inner.encode_passages(missing), strict=True):
                self._rows[text] = row
        return np.stack([self._rows[t] for t in texts])


async def serve(args: argparse.Namespace) -> None:
    work = Path(args.work)
    settings = settings_for(
        work, docs_dir=work / "docs", admin_ids=frozenset({args.admin}),
        rate_limit_per_minute=1_000_000, max_upload_bytes=args.max_upload,
    )  # fmt: skip
    encoder = SentenceCache(load_encoder(settings.embedding)) if args.cache_sentences else None
    app = build_application(
        settings, args.token, encoder=encoder, base_url=args.base_url,
        base_file_url=args.base_file_url, flood_limits=args.flood_limits,
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the parent is done with us
        loop.call_soon_threadsafe(lambda: stdin_closed.done() or stdin_closed.set_result(None))

    async with running(app):
        print("READY", flush=True)
        loop.run_in_executor(None, watch_stdin)
        try:
            await asyncio.wait_for(stdin_closed, timeout=args.max_seconds)
        except TimeoutError:
            logging.getLogger(__name__).warning("max seconds reached; stopping")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--base-file-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--admin", type=int, default=9001)
    parser.add_argument("--max-upload", type=int, default=2_000_000)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    parser.add_argument("--no-flood-limits", dest="flood_limits", action="store_false")
    parser.add_argument("--cache-sentences", action="store_true", help="see the module doc")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
