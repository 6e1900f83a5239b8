"""A throwaway PostgreSQL server for tests and benches: initdb + pg_ctl in a temp folder.

    with ThrowawayPostgres() as pg:          # raises PostgresUnavailable without binaries
        url = pg.new_database()              # postgresql://postgres@127.0.0.1:PORT/qabot_1

The server listens on 127.0.0.1 only, trusts local connections, runs without fsync (it is
thrown away) and is stopped and deleted on exit. initdb refuses to run as root, so as root
the server runs as an unprivileged system user (``postgres`` when it exists, else
``nobody``) through runuser, in a folder under /tmp that user owns. Binaries are found
through $QABOT_PG_BINDIR, ``pg_config --bindir``, PATH, then /usr/lib/postgresql/*/bin.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

USERS = ("postgres", "nobody")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here (or they cannot be run); the message says which."""


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, if any."""
    candidates: list[str] = []
    if os.environ.get("QABOT_PG_BINDIR"):
        candidates.append(os.environ["QABOT_PG_BINDIR"])
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
        candidates.append(out.stdout.strip())
    if (initdb := shutil.which("initdb")) is not None:
        candidates.append(str(Path(initdb).parent))
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for folder in candidates:
        if folder and all((Path(folder) / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> tuple[list[str], str | None]:
    """(command prefix, user) to run the server unprivileged; no prefix when not root."""
    if os.geteuid() != 0:
        return [], None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root, and runuser is missing to start PostgreSQL unprivileged")
    for user in USERS:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(user)
            return [runuser, "-u", user, "--"], user
    raise PostgresUnavailable(f"running as root and none of the users {USERS} exists to run PostgreSQL")


class ThrowawayPostgres:
    """Start on enter, stop and delete on exit; ``new_database`` gives each test its own."""

    def __init__(self) -> None:
        """Find the binaries (PostgresUnavailable when there are none)."""
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "no PostgreSQL server binaries (initdb, pg_ctl) found; install postgresql or set "
                "QABOT_PG_BINDIR"
            )
        self.bindir = bindir
        self.port = 0
        self.root: Path | None = None
        self._databases = 0
        self._prefix, self._user = _run_as()

    @property
    def admin_url(self) -> str:
        """URL of the server's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run([*self._prefix, *args], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {result.stderr.strip()[-800:]}")

    def start(self) -> str:
        """initdb + pg_ctl start; returns ``admin_url``."""
        self.root = Path(tempfile.mkdtemp(prefix="qabot-pg-"))
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.port = _free_port()
        data = self.root / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale", "C", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self.admin_url

    def new_database(self) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        self._databases += 1
        name = f"qabot_{self._databases}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        if self.root is None:
            return
        root, self.root = self.root, None
        with contextlib.suppress(PostgresUnavailable, subprocess.SubprocessError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate",
                      "-w", "stop", timeout=60)
        shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        """Start."""
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop."""
        self.stop()
