"""Between the engine and the transports: the serving index, its reloads, batched questions.

Transports (bot/telegram, bot/cli.py) ask through ``ServedEngine.ask``; the state store
(bot/state) sits beside this layer and lends it the lock that keeps replicas from
rebuilding at the same time.
"""
