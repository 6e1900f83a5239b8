"""The context every handler receives: ``context.runtime`` is its Application's Runtime.

python-telegram-bot's contexttypesbot.py pattern: a CallbackContext subclass registered
through ContextTypes gives handlers typed access to the shared objects, instead of each
handler digging in ``bot_data``.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.telegram.runtime import Runtime

KEY = "runtime"


def runtime_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The Runtime that ``build_application`` put into ``app``."""
    runtime: Runtime = app.bot_data[KEY]
    return runtime


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext plus ``runtime``."""

    @property
    def runtime(self) -> Runtime:
        """Settings, the serving index, stores and guards of this Application."""
        return runtime_of(self.application)


CONTEXT_TYPES = ContextTypes(context=BotContext)
