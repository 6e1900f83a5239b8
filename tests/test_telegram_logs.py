"""The bot token never reaches a log line, whatever logger or handler."""

from __future__ import annotations

import logging

import pytest

from bot.telegram.logs import MASK, protect_secret

TOKEN = "987654:LOGS-secret_token"


def test_token_redacted_in_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    protect_secret(TOKEN)
    assert logging.getLogger("httpx").level == logging.WARNING
    logger = logging.getLogger("some.library.deep.child")
    url = f"http://127.0.0.1:1/bot{TOKEN}/getUpdates"
    with caplog.at_level(logging.DEBUG):
        logger.debug("HTTP Request: POST %s", url)
        logger.info(f"inline {TOKEN}")
        try:
            raise RuntimeError(f"failed {url}")
        except RuntimeError:
            logger.exception("boom")
        logging.getLogger("httpx").warning("HTTP %s", url)
    assert len(caplog.records) == 4
    assert TOKEN not in caplog.text
    assert caplog.text.count(MASK) >= 4
    assert "Traceback" in caplog.text


def test_non_secret_records_untouched(caplog: pytest.LogCaptureFixture) -> None:
    protect_secret(TOKEN)
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("%d paragraphs in %s", 36, "article.txt")
    assert caplog.records[0].getMessage() == "36 paragraphs in article.txt"
