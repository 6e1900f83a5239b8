"""The real bot as a separate process for the end-to-end benches (started by loadkit.py).

Runs ``build_application`` + ``running`` against the loopback Bot API at --base-url over
WORK/docs and WORK/index, prints READY once polling, and stops when stdin closes or a
bounded --max-seconds passes. The per-user rate limit is lifted (load tests send faster
than a person); --no-flood-limits leaves out AIORateLimiter.

    python bench/e2e_bot.py --base-url URL --token T --work DIR [--admin ID] [--no-flood-limits]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from benchkit import settings_for

from bot.telegram import build_application, running


async def serve(args: argparse.Namespace) -> None:
    work = Path(args.work)
    settings = settings_for(
        work, docs_dir=work / "docs", admin_ids=frozenset({args.admin}),
        rate_limit_per_minute=1_000_000, max_upload_bytes=args.max_upload,
    )
    app = build_application(
        settings, args.token, base_url=args.base_url,
        base_file_url=args.base_file_url, flood_limits=args.flood_limits,
    )
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
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
