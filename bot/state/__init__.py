"""State that outlives one message: conversation context (and, later, buttons, limits, logs).

The room between the engine and the transports: the engine is stateless per question;
what a chat said before lives here, behind small interfaces a persistent store can take over.
"""

from bot.state.conversation import Conversations

__all__ = ["Conversations"]
