"""Tools that drive or measure the bot from outside: a loopback Bot API server, a throwaway
PostgreSQL, the dialogue runner, the evaluation of question sets, teaching from the command
line and the import graph. The engine, serving, the state store and the transports never
import them; the command line (bot/cli.py) runs them."""
