"""Bot-API-compatible loopback server for tests, the dialogue runner and benchmarks."""

from __future__ import annotations

from bot.tools.botapi.faults import Fault, FaultPlan
from bot.tools.botapi.models import Call, SentMessage, SimUser
from bot.tools.botapi.server import BotAPIServer

__all__ = ["BotAPIServer", "Call", "Fault", "FaultPlan", "SentMessage", "SimUser"]
