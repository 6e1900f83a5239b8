"""The operations endpoint of one replica ([ops] listen = "host:port"; off when empty):

    GET /metrics   the Prometheus text format (metrics.py)
    GET /healthz   200 while the process runs its event loop
    GET /readyz    200 when the index is loaded, the state store answers, the poller (if it
                   is this replica's job) is not down and the replica is not draining
                   (SIGTERM); 503 with the reasons otherwise

It starts before the index is opened (so /readyz says 503 while it loads) and stops last.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bot.telegram.metrics import CONTENT_TYPE
from bot.telegram.runtime import Runtime

log = logging.getLogger(__name__)
STORE_TIMEOUT = 2.0  # seconds the state store has to answer a readiness check


def parse_listen(listen: str) -> tuple[str, int]:
    """("host", port) from "host:port" (":9464" and "9464" listen on every interface)."""
    host, _, port = listen.strip().rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f'[ops] listen = "{listen}" is not host:port') from None
    return host.strip("[]") or "0.0.0.0", number


async def not_ready(rt: Runtime) -> list[str]:
    """Why this replica should not get traffic (empty: ready)."""
    reasons = []
    if rt.draining:
        reasons.append("draining")
    if not rt.engine.ready:
        reasons.append("index not loaded")
    if rt.inbox is not None and rt.inbox.poller.down is not None:
        reasons.append("poller down, restarting")
    if rt.open_state is None:
        reasons.append("state store not open")
    else:
        try:
            await asyncio.wait_for(rt.open_state.run_first(rt.open_state.store.ping), STORE_TIMEOUT)
        except Exception as exc:
            reasons.append(f"state store unreachable ({type(exc).__name__})")
    return reasons


class OpsServer:
    """/metrics, /healthz and /readyz on their own port."""

    def __init__(self, rt: Runtime, listen: str) -> None:
        """Configure (not start)."""
        self.rt = rt
        self.host, self.port = parse_listen(listen)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen (port 0 picks a free port, kept in ``port``)."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("ops endpoint on %s:%d (/metrics, /healthz, /readyz)", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, request: web.Request) -> web.Response:
        reasons = await not_ready(self.rt)
        if reasons:
            return web.Response(status=503, text="not ready: " + "; ".join(reasons) + "\n")
        return web.Response(text="ready\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            await refresh(self.rt)
        except Exception as exc:  # the store is down: serve what is known, say so in the log
            log.warning("metrics: could not read the inbox backlog (%r)", exc)
        return web.Response(body=self.rt.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})


async def refresh(rt: Runtime) -> None:
    """Set the gauges from the runtime (readiness, poller role, the index served) and the
    store (the inbox backlog)."""
    m, inbox = rt.metrics, rt.inbox
    m.ready.set(0 if await not_ready(rt) else 1)
    m.poller.set(1 if inbox is not None and inbox.leader else 0)
    m.updates_handled.set(inbox.counters.handled if inbox is not None else 0)
    if rt.engine.ready:
        info = rt.engine.info
        m.paragraphs.set(info.paragraphs)
        m.documents.set(len(info.documents))
        m.version.clear()
        m.version.labels(rt.engine.version or info.built_at).set(1)
    if rt.open_state is not None:
        count, oldest = await asyncio.wait_for(rt.state.run(rt.state.store.inbox_backlog), STORE_TIMEOUT)
        m.inbox_waiting.set(count)
        m.inbox_oldest.set(0.0 if oldest is None else max(0.0, time.time() - oldest))
