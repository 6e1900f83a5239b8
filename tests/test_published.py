"""Where the published index comes from (bot/serving/source.py, bot/state/published.py).

In PostgreSQL, with replicas whose folders are their own: a version saved by one replica is
fetched byte for byte by another, which rebuilds from it incrementally; a damaged chunk is
refused and the old index serves on; a prune does not take a version from under a fetch;
old versions and unreferenced blobs go; followers download side by side. Without a database the
folders are shared and the symlink is the published version. Real PostgreSQL, real FAISS on
disk, the HashingEncoder."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import SEEDS_DIR, settings_for

from bot.engine.lifecycle import ReloadError
from bot.serving.engine import ServedEngine
from bot.serving.source import FolderSource, local_version
from bot.state import open_store
from bot.state import published as published_module
from bot.state.published import KEEP, DatabaseSource, index_source, prune
from bot.tools.pgserver import ThrowawayPostgres
from config.settings import Settings

NEW_DOC = "长者食堂.txt"
NEW_TEXT = "幸福里社区长者食堂每天中午供应一百二十份午餐。\n\n长者食堂的午餐每份补贴八元。\n"
NEW_QUESTION = "幸福里社区长者食堂每天中午供应多少份午餐？"


@pytest.fixture
def database(postgres: ThrowawayPostgres) -> Iterator[str]:
    """A fresh database, migrated (the state store creates the tables)."""
    url = postgres.new_database()
    settings = settings_for(Path("/nonexistent"), Path("/nonexistent"), Path("/nonexistent"))
    store = open_store(replace(settings, state=replace(settings.state, database_url=url)))
    store.close()
    yield url


def replica(root: Path, url: str, docs: Path | None = None) -> Settings:
    """Settings of one replica with folders of its own under ``root`` (documents copied from
    ``docs`` when given, else none: it has only the database)."""
    settings = settings_for(root / "docs", root / "index", root / "data")
    if docs is not None:
        shutil.copytree(docs, settings.docs_dir)
    embedding = replace(settings.embedding, model="hashing-256", second_model="")
    return replace(settings, embedding=embedding, state=replace(settings.state, database_url=url))


async def opened(settings: Settings) -> ServedEngine:
    engine = ServedEngine(settings, source=index_source(settings))
    await engine.open()
    return engine


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def execute(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


async def add_document(engine: ServedEngine) -> None:
    def change() -> Any:
        path = engine.settings.docs_dir / NEW_DOC
        path.write_text(NEW_TEXT, encoding="utf-8")
        return lambda: path.unlink()

    await engine.reload(change)
    await engine.embedded()  # the lexical version, then the full one (bot/serving/staging.py)


async def test_the_source_is_the_database_with_postgres_and_the_folder_without(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "docs", tmp_path / "index", tmp_path / "data")
    assert type(index_source(settings)).__name__ == "FolderSource"
    url = "postgresql://qabot@db.example.org/qabot"
    assert isinstance(index_source(replace(settings, state=replace(settings.state, database_url=url))),
                      DatabaseSource)


async def test_a_version_saved_by_one_replica_is_fetched_byte_for_byte_by_another(
    tmp_path: Path, database: str
) -> None:
    a = await opened(replica(tmp_path / "a", database, SEEDS_DIR))  # builds and publishes
    b = await opened(replica(tmp_path / "b", database))  # has only the database
    try:
        assert a.version and b.version == a.version
        assert DatabaseSource(database, b.settings.index_dir, b.settings.docs_dir).published() == a.version
        assert files(b.settings.index_dir.resolve()) == files(a.settings.index_dir.resolve())
        assert files(b.settings.docs_dir) == files(a.settings.docs_dir)
        assert b.settings.index_dir.is_symlink() and not list(b.settings.index_dir.parent.glob(".*"))
        assert (await b.ask("社区工作者的负担为什么这么重？")).hits
        article = b.settings.docs_dir / "article.txt"
        article.write_bytes(article.read_bytes()[:100])  # a document a crash left short
        DatabaseSource(database, b.settings.index_dir, b.settings.docs_dir).fetch()
        assert files(b.settings.docs_dir) == files(a.settings.docs_dir)  # checked, fetched anew

        await add_document(a)  # an upload: rebuilt and published by a
        assert await b.follow()  # b fetches the new version
        assert b.version == a.version and NEW_DOC in files(b.settings.docs_dir)
        assert files(b.settings.index_dir.resolve()) == files(a.settings.index_dir.resolve())
        assert NEW_DOC in (await b.ask(NEW_QUESTION)).hits[0].doc
        assert not await b.follow()  # nothing new

        def change() -> Any:  # now b changes the documents: from its own folders, incrementally
            path = b.settings.docs_dir / "附件.txt"
            path.write_text("幸福里社区图书室每周开放五天。\n", encoding="utf-8")
            return path.unlink

        report = await b.reload(change)
        assert report.reembedded == 1  # the fetched version's vectors kept
        await b.embedded()
        assert await a.follow() and a.version == b.version
        assert (a.settings.docs_dir / "附件.txt").is_file()
    finally:
        a.close()
        b.close()


async def test_a_damaged_chunk_is_refused_and_the_old_index_serves_on(tmp_path: Path, database: str) -> None:
    a = await opened(replica(tmp_path / "a", database, SEEDS_DIR))
    b = await opened(replica(tmp_path / "b", database))
    try:
        old, served = b.version, b.current
        await add_document(a)
        manifest = (a.settings.index_dir / "manifest.json").read_bytes()  # differs in every version
        (blob,) = {row[0] for row in execute(database, "SELECT blob FROM index_files WHERE version = %s AND"
                                             " name = 'manifest.json'", (a.version.rsplit(".", 1)[1],))}
        execute(database, "UPDATE blob_chunks SET data = %s WHERE blob = %s AND seq = 0",
                (manifest.replace(b"{", b"[", 1), blob))
        with pytest.raises(ReloadError, match="fails its checksum"):
            await b.follow()
        assert b.version == old and b.current is served
        assert local_version(b.settings.index_dir) == old
        assert not list(b.settings.index_dir.parent.glob(".*"))  # no half-fetched folder left
        assert NEW_DOC not in {h.doc for h in (await b.ask(NEW_QUESTION)).hits}
    finally:
        a.close()
        b.close()


async def test_a_prune_does_not_take_a_version_from_under_a_fetch(
    tmp_path: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another replica prunes every version (keep=0) once a download (``prefetch``, before
    the lock) or a fetch (under the lock: the documents) has begun: each finishes from its
    snapshot."""
    a = await opened(replica(tmp_path / "a", database, SEEDS_DIR))
    receive = published_module.receive
    during: list[str] = ["index"]  # the kind of file whose arrival triggers the prune

    def receive_then_prune(conn: Any, entry: Any, path: Path, durable: bool = True) -> None:
        if during and entry.kind == during[0]:
            with psycopg.connect(database, autocommit=True) as other:
                prune(other, keep=0)
            during.clear()
        receive(conn, entry, path, durable)

    monkeypatch.setattr(published_module, "receive", receive_then_prune)
    settings = replica(tmp_path / "b", database)
    DatabaseSource(database, settings.index_dir, settings.docs_dir).prefetch()
    assert not during and execute(database, "SELECT COUNT(*) FROM index_versions") == [(0,)]
    assert files(tmp_path / "b" / a.version) == files(a.settings.index_dir.resolve())

    DatabaseSource(database, a.settings.index_dir, a.settings.docs_dir).publish()  # a again
    during.append("docs")
    b = await opened(settings)
    try:
        assert not during and b.version == a.version
        # b found its version gone once loaded, and published it again
        assert execute(database, "SELECT version FROM index_versions") == [(b.version.split(".", 1)[1],)]
        assert files(b.settings.index_dir.resolve()) == files(a.settings.index_dir.resolve())
        assert files(b.settings.docs_dir) == files(a.settings.docs_dir)
    finally:
        a.close()
        b.close()


async def test_old_versions_and_their_blobs_are_pruned(tmp_path: Path, database: str) -> None:
    a = await opened(replica(tmp_path / "a", database, SEEDS_DIR))
    try:
        versions = [a.version]
        for n in range(KEEP + 1):
            def change(n: int = n) -> Any:
                path = a.settings.docs_dir / f"附件{n}.txt"
                path.write_text(f"第{n}号附件：社区每周开放{n + 2}天。\n", encoding="utf-8")
                return path.unlink

            await a.reload(change)
            await a.embedded()  # two versions each: the lexical one, the full one (serving/staging.py)
            versions.append(a.version)
        kept = [r[0] for r in execute(database, "SELECT version FROM index_versions ORDER BY number")]
        assert len(kept) == KEEP and f"index.{kept[-1]}" == versions[-1]
        # the order is the database's, not the publishing machines' clocks
        execute(database, "UPDATE index_versions SET published_at = published_at + 86400 WHERE version = %s",
                (kept[0],))
        assert DatabaseSource(database, a.settings.index_dir, a.settings.docs_dir).published() == a.version
        orphans = execute(database, "SELECT COUNT(*) FROM blob_chunks c WHERE NOT EXISTS"
                                    " (SELECT 1 FROM index_files f WHERE f.blob = c.blob)")
        assert orphans == [(0,)]
        # the article is stored once, however many versions list it
        article = execute(database, "SELECT COUNT(DISTINCT blob), COUNT(*) FROM index_files"
                                    " WHERE name = 'article.txt'")
        assert article == [(1, KEEP)]
    finally:
        a.close()


async def test_followers_download_before_the_rebuild_lock_even_into_one_folder(
    tmp_path: Path, database: str
) -> None:
    """Downloading a version another replica published takes no lock across replicas: it is
    there before the lock is taken (only placing and loading it wait); two replicas still
    sharing a folder download the same version at once, and both serve it."""
    a = await opened(replica(tmp_path / "a", database, SEEDS_DIR))
    followers: list[ServedEngine] = []
    downloaded: list[bool] = []

    @contextmanager
    def lock() -> Iterator[None]:
        if followers and followers[-1].seen:  # following: is the new version on disk already?
            downloaded.append((tmp_path / "b" / followers[-1].seen).is_dir())
        yield

    for _ in range(2):
        engine = ServedEngine(replica(tmp_path / "b", database), shared_lock=lock)
        engine.source = index_source(engine.settings)
        await engine.open()
        followers.append(engine)
    try:
        await add_document(a)
        assert await asyncio.gather(*(f.follow() for f in followers)) == [True, True]
        assert downloaded == [True, True]
        assert {f.version for f in followers} == {a.version}
        assert files(followers[0].settings.index_dir.resolve()) == files(a.settings.index_dir.resolve())
    finally:
        for engine in (a, *followers):
            engine.close()


async def test_without_a_database_replicas_share_the_folders_and_follow_the_symlink(
    fake_settings: Settings,
) -> None:
    """The folder mode (SQLite, one machine): nothing fetched or published; a reload on one
    replica swaps the shared symlink and the other follows it."""
    a, b = ServedEngine(fake_settings), ServedEngine(fake_settings)
    await a.open()
    await b.open()
    try:
        assert isinstance(a.origin, FolderSource) and a.version == b.version != ""
        assert not await b.follow()
        await add_document(a)
        assert local_version(fake_settings.index_dir) == a.version != b.version
        assert await b.follow() and b.version == a.version
        assert NEW_DOC in (await b.ask(NEW_QUESTION)).hits[0].doc
    finally:
        a.close()
        b.close()
