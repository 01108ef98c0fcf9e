"""A throw-away PostgreSQL for the tests: Debian's server binaries, a cluster in a temp folder,
listening on 127.0.0.1 only, run as a user that is not root (PostgreSQL refuses root), stopped and
removed at the end of the test session (and at exit, should the session crash)."""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL = "apt-get install -y postgresql (scripts/setup does it)"


def binaries() -> Path | None:
    """The newest PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """`with ThrowawayPostgres() as pg: pg.new_database("x")` -> a postgresql:// URL."""

    def __init__(self) -> None:
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError(f"PostgreSQL is not installed: {INSTALL}")
        self.port = _free_port()
        self.folder: Path | None = None
        self.running = False
        self._databases = 0

    @property
    def url(self) -> str:
        return f"postgresql://narrowcast@127.0.0.1:{self.port}/postgres"

    def _as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        user = "postgres" if _exists("postgres") else "nobody"
        return ["runuser", "-u", user, "--"]

    def start(self) -> "ThrowawayPostgres":
        self.folder = Path(tempfile.mkdtemp(prefix="nc-pg-"))
        data, sockets = self.folder / "data", self.folder / "run"
        sockets.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres" if _exists("postgres") else "nobody")
            os.chmod(self.folder, 0o755)
            for path in (self.folder, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run([str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "narrowcast", "-E", "UTF8",
                   "--no-locale", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={sockets} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run([str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "server.log"), "-o", options,
                   "-w", "-t", "60", "start"])
        self.running = True
        atexit.register(self.stop)
        self._wait()
        return self

    def _run(self, args: list[str]) -> None:
        done = subprocess.run(self._as_owner() + args, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{self._log()}")

    def _log(self) -> str:
        log = self.folder / "server.log" if self.folder else None
        return log.read_text(errors="replace")[-3000:] if log and log.is_file() else ""

    def _wait(self, timeout: float = 60) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not accept connections within {timeout} s:\n{self._log()}")
                time.sleep(0.1)

    def new_database(self, name: str | None = None) -> str:
        """An empty database of its own; its URL."""
        import psycopg

        self._databases += 1
        name = name or f"test_{self._databases}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://narrowcast@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.running and self.folder is not None:
            self.running = False
            subprocess.run(self._as_owner() + [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                                               "immediate", "-w", "stop"], capture_output=True, timeout=60)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> "ThrowawayPostgres":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False
