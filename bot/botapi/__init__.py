"""Bot-API-compatible loopback server for tests, the dialogue runner and benchmarks."""

from __future__ import annotations

from bot.botapi.faults import Fault, FaultPlan
from bot.botapi.models import Call, SentMessage, SimUser
from bot.botapi.server import BotAPIServer

__all__ = ["BotAPIServer", "Call", "Fault", "FaultPlan", "SentMessage", "SimUser"]
