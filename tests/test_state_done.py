"""The done marks' own path (bot/state/done.py), on SQLite and PostgreSQL: a mark made
there is what the store sees, only for the store's bot, and survives a lost connection."""

from __future__ import annotations

import psycopg

from bot.state import InboxUpdate, open_store
from bot.state.done import PostgresDoneMarks, done_marks
from config.settings import Settings


async def test_marks_on_their_own_path_are_the_stores(state_settings: Settings) -> None:
    store, other = open_store(state_settings, bot_id=111), open_store(state_settings, bot_id=222)
    marks = done_marks(store)
    try:
        for s in (store, other):
            s.add_updates([InboxUpdate(1, 10, "{}"), InboxUpdate(2, 11, "{}")])
            assert [c.update_id for c in s.claim("r", 5)] == [1, 2]
        await marks.mark(1)
        assert store.inbox_counts() == {"done": 1, "claimed": 3}  # bot 222's update 1 untouched
        assert store.inbox_backlog()[0] == 1 and other.inbox_backlog()[0] == 2
        if isinstance(marks, PostgresDoneMarks):  # the server drops the connection: reopened
            with psycopg.connect(state_settings.state.database_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE application_name = 'qabot-done'")
            try:
                await marks.mark(2)
            except psycopg.OperationalError:
                await marks.mark(2)  # the inbox retries on the worker thread; so may we
        else:
            await marks.mark(2)
        assert store.inbox_backlog() == (0, None)
    finally:
        await marks.close()
        store.close()
        other.close()
