"""The ops endpoint (bot/telegram/health.py) and the metrics behind it (metrics.py), on the
real Application against the loopback Bot API server and a real PostgreSQL database:
/readyz is 503 before the index is loaded, while draining and while the database refuses
connections, 200 otherwise; /metrics parses with prometheus-client's parser and its
counters move with questions, votes and a RetryAfter from the Bot API."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from test_telegram_harness import OFF_TOPIC, QUESTION

from bot.engine.service import SearchService
from bot.telegram import build_application, running
from bot.telegram.app import OPS_KEY
from bot.telegram.context import runtime_of
from bot.telegram.health import OpsServer, parse_listen
from bot.tools.botapi import BotAPIServer, SimUser
from bot.tools.pgserver import ThrowawayPostgres
from config.settings import Settings
from embeddings import Encoder

pytestmark = pytest.mark.slow
TOKEN = "7000000888:OPS-secret_token"
TIMEOUT = 90.0
USER = SimUser(id=6200, first_name="用户")


def test_listen_is_host_and_port() -> None:
    assert parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_listen(":9464") == ("0.0.0.0", 9464) == parse_listen("9464")
    assert parse_listen("[::1]:80") == ("::1", 80)
    with pytest.raises(ValueError, match="host:port"):
        parse_listen("localhost")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


async def test_readiness_and_metrics_follow_the_replica(
    tmp_path: Path, real_settings: Settings, real_encoder: Encoder, real_service: SearchService,
    postgres: ThrowawayPostgres,
) -> None:
    url = postgres.new_database()
    settings = replace(
        real_settings, data_dir=tmp_path / "data", state=replace(real_settings.state, database_url=url),
        ops=replace(real_settings.ops, listen="127.0.0.1:0"),
    )
    async with BotAPIServer(TOKEN) as server, httpx.AsyncClient(timeout=30) as http:
        app = build_application(settings, TOKEN, encoder=real_encoder, base_url=server.base_url,
                                base_file_url=server.base_file_url)
        rt = runtime_of(app)
        early = OpsServer(rt, "127.0.0.1:0")  # what a prober sees while the replica starts
        await early.start()
        try:
            before = await http.get(f"http://127.0.0.1:{early.port}/readyz")
            assert before.status_code == 503 and "index not loaded" in before.text
            assert (await http.get(f"http://127.0.0.1:{early.port}/healthz")).status_code == 200
        finally:
            await early.stop()

        async with running(app):
            base = f"http://127.0.0.1:{app.bot_data[OPS_KEY].port}"
            ready = await http.get(f"{base}/readyz")
            assert ready.status_code == 200, ready.text
            first = samples((await http.get(f"{base}/metrics")).text)
            assert first[("qabot_questions_total", (("outcome", "answered"),))] == 0
            assert first[("qabot_index_paragraphs", ())] == real_service.info.paragraphs > 0
            assert first[("qabot_ready", ())] == 1

            server.faults.add("sendMessage", "429", retry_after=1)  # the limiter retries once
            replies = await server.wait_for_reply(server.send_text(USER, QUESTION), timeout=TIMEOUT)
            await server.wait_for_reply(server.send_text(USER, OFF_TOPIC), timeout=TIMEOUT)
            down = next(data for label, data in replies[-1].buttons() if label == "👎")
            await server.wait_for_reply(server.press_button(USER, replies[-1], down), timeout=TIMEOUT)
            page = (await http.get(f"{base}/metrics")).text
            now = samples(page)
            assert now[("qabot_questions_total", (("outcome", "answered"),))] == 1
            assert now[("qabot_questions_total", (("outcome", "not_covered"),))] == 1
            assert now[("qabot_answer_seconds_count", ())] == 2
            assert now[("qabot_votes_total", (("vote", "down"),))] == 1
            assert now[("qabot_telegram_api_retries_total", (("method", "sendMessage"),))] == 1
            retry_after = (("error", "RetryAfter"), ("method", "sendMessage"))
            assert now[("qabot_telegram_api_errors_total", retry_after)] == 1
            assert now[("qabot_index_swap_seconds_count", (("kind", "open"),))] == 1
            assert now[("qabot_poller", ())] == 1
            assert now[("qabot_inbox_unfinished", ())] == 0
            assert TOKEN not in page

            rt.draining = True
            draining = await http.get(f"{base}/readyz")
            assert draining.status_code == 503 and "draining" in draining.text
            rt.draining = False

            database = url.rsplit("/", 1)[1]
            with psycopg.connect(postgres.admin_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
                try:
                    down_db = await http.get(f"{base}/readyz")
                    assert down_db.status_code == 503 and "state store unreachable" in down_db.text
                finally:
                    admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            again = await http.get(f"{base}/readyz")
            assert again.status_code == 200, again.text  # the store reconnects by itself
