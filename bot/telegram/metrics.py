"""What a replica counts for Prometheus: questions by outcome, answer latency, votes,
Telegram API errors and retries, index swaps, and (read when scraped) inbox backlog,
poller role and the index served.

One ``Metrics`` per Application with a registry of its own (several Applications may run
in one process, e.g. in tests); health.py serves it as /metrics. Counters move where the
event happens (Runtime.record and rate_wait, inline.py, the vote button, the rate limiter wrapping
every Bot API call, ServedEngine's swaps); health.py sets the gauges just before each scrape.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter

OUTCOMES = ("answered", "related", "not_covered", "rate_limited")
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
SWAP_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 1800.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The metrics of one replica."""

    def __init__(self) -> None:
        """Register every metric on a fresh registry."""
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.questions = Counter("qabot_questions", "Questions by outcome", ["outcome"], registry=r)
        for outcome in OUTCOMES:
            self.questions.labels(outcome)  # present at 0 from the start
        # inline queries apart: Telegram sends one per pause in typing, so they are not questions
        self.inline = Counter("qabot_inline_queries", "Inline queries answered, by outcome", ["outcome"],
                              registry=r)
        for outcome in OUTCOMES[:3]:
            self.inline.labels(outcome)
        self.answer_seconds = Histogram(
            "qabot_answer_seconds", "Time from a question to its answer being ready",
            buckets=LATENCY_BUCKETS, registry=r)
        self.votes = Counter("qabot_votes", "👍 (up) and 👎 (down) votes", ["vote"], registry=r)
        for vote in ("up", "down"):
            self.votes.labels(vote)
        self.api_errors = Counter("qabot_telegram_api_errors", "Bot API calls that failed",
                                  ["method", "error"], registry=r)
        self.api_retries = Counter("qabot_telegram_api_retries", "Bot API calls retried after RetryAfter",
                                   ["method"], registry=r)
        self.swaps = Histogram("qabot_index_swap_seconds",
                               "Index loads: open at start, reload here, follow another replica's",
                               ["kind"], buckets=SWAP_BUCKETS, registry=r)
        self.updates_unparsed = Counter(
            "qabot_updates_unparsed", "Updates kept unanswered because they could not be parsed",
            registry=r)
        self.updates_handled = Gauge("qabot_updates_handled", "Updates this replica answered since start",
                                     registry=r)
        self.inbox_waiting = Gauge("qabot_inbox_unfinished", "Updates of this bot not yet answered",
                                   registry=r)
        self.inbox_oldest = Gauge("qabot_inbox_oldest_unfinished_seconds",
                                  "Age of the oldest update not yet answered (0 when none)", registry=r)
        self.poller = Gauge("qabot_poller", "1 when this replica polls Telegram", registry=r)
        self.ready = Gauge("qabot_ready", "1 when /readyz answers 200", registry=r)
        self.paragraphs = Gauge("qabot_index_paragraphs", "Paragraphs in the served index", registry=r)
        self.documents = Gauge("qabot_index_documents", "Documents in the served index", registry=r)
        self.version = Gauge("qabot_index_version_info", "The served index version (label)", ["version"],
                             registry=r)

    def question(self, outcome: str, seconds: float | None = None) -> None:
        """Count a question's outcome (and its answer latency when it was answered at all)."""
        self.questions.labels(outcome).inc()
        if seconds is not None:
            self.answer_seconds.observe(seconds)

    def inline_query(self, outcome: str) -> None:
        """Count an inline query answered with ``outcome`` (answered, related, not_covered)."""
        self.inline.labels(outcome).inc()

    def vote(self, vote: int) -> None:
        """Count a 👍 (1) or 👎 (-1)."""
        self.votes.labels("up" if vote > 0 else "down").inc()

    def swapped(self, kind: str, seconds: float) -> None:
        """An index was loaded and swapped in (``kind``: open, reload or follow)."""
        self.swaps.labels(kind).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)


Request = Callable[..., Coroutine[Any, Any, Any]]


class CountingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also counts failed Bot API calls and RetryAfter retries."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        """``kwargs`` as for AIORateLimiter."""
        super().__init__(**kwargs)
        self.metrics = metrics

    async def process_request(
        self, callback: Request, args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: int | None,
    ) -> Any:
        """Run the call through AIORateLimiter, counting each attempt after the first and
        each failure."""
        attempts = 0

        async def counted(*a: Any, **k: Any) -> Any:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                self.metrics.api_retries.labels(endpoint).inc()
            try:
                return await callback(*a, **k)
            except TelegramError as exc:
                self.metrics.api_errors.labels(endpoint, type(exc).__name__).inc()
                raise

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)
