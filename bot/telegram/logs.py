"""Keep the bot token out of every log line.

Belt and braces: httpx/httpcore (which log full request URLs, token included) are set to
WARNING, and a ``RedactFilter`` rewrites any record mentioning a registered secret. The
filter runs at record creation (a log record factory), so it covers every logger and every
handler, including ones added later such as pytest's caplog.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

MASK = "<TOKEN>"
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "apscheduler")

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by <TOKEN>."""
    for secret in _secrets:
        text = text.replace(secret, MASK)
    return text


class RedactFilter(logging.Filter):
    """Replaces registered secrets in a record's message, arguments and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        if not _secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave formatting to the handler
            message = str(record.msg)
        if any(secret in message for secret in _secrets):
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactFilter()


def protect_secret(secret: str) -> None:
    """Never let ``secret`` reach a log line; also quiets the URL-logging HTTP libraries."""
    global _installed
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if not secret:
        return
    with _lock:
        _secrets.add(secret)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _FILTER.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        root = logging.getLogger()
        for handler in root.handlers:
            handler.addFilter(_FILTER)
        _installed = True
