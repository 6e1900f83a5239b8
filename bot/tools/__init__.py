"""Tools that drive the bot from outside: a loopback Bot API server, a throwaway PostgreSQL,
the dialogue runner and the evaluation of question sets. Product code never imports them."""
