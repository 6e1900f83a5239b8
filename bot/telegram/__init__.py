"""The Telegram bot (python-telegram-bot v22): officials ask, admins reload and upload."""

from __future__ import annotations

from bot.telegram.app import ALLOWED_UPDATES, build_application, run, running

__all__ = ["ALLOWED_UPDATES", "build_application", "run", "running"]
