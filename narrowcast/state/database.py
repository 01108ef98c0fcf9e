"""The state database: SQLite in `.state/` by default, PostgreSQL for several servers on one database.

Where it is, first found: `$NARROWCAST_DATABASE_URL`, `database:` in narrowcast.yaml, else the
SQLite file `.state/narrowcast.db`. A PostgreSQL address (`postgresql://user@host/db`) is best
given without a password: libpq reads it from `~/.pgpass` or `$PGPASSWORD`, so none is committed
with the content. The tables are SQLAlchemy Core (one description, both databases); their
changes are Alembic migrations (state/migrations/), run by `narrowcast db upgrade` and by every
process that opens the database and finds it behind (under a lock, so two servers starting at
once migrate once).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from sqlalchemy import (Column, DateTime, Float, Index, Integer, LargeBinary, MetaData, Table, Text, create_engine,
                        event, func, text)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from ..errors import NarrowcastError
from ..folder import STATE_DIR

DATABASE_ENV = "NARROWCAST_DATABASE_URL"
DB_FILE = "narrowcast.db"
HEAD = "0002"  # the newest migration (tests/test_database.py holds it to the scripts)
MIGRATIONS = Path(__file__).parent / "migrations"
_UPGRADE_LOCK = 7_401_613  # a PostgreSQL advisory lock number: one migration at a time

metadata = MetaData()
heartbeats = Table(
    "heartbeats", metadata,
    Column("screen", Text, nullable=False), Column("at", Float, nullable=False), Column("version", Text),
    Column("item", Text), Column("resolution", Text), Column("user_agent", Text), Column("offset_ms", Integer),
    Column("problem", Text),
    Index("heartbeats_screen_at", "screen", "at"))
plays = Table(
    "plays", metadata,
    Column("screen", Text, nullable=False), Column("item", Text, nullable=False), Column("start", Float, nullable=False),
    Column("seconds", Float, nullable=False),
    Index("plays_start", "start"))
users = Table(
    "users", metadata,
    Column("name", Text, primary_key=True), Column("salt", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False), Column("created", Float, nullable=False),
    Column("role", Text, nullable=False, server_default="redacteur"))
sessions = Table(
    "sessions", metadata,
    Column("token_hash", Text, primary_key=True), Column("user", Text, nullable=False),
    Column("expires", Float, nullable=False))
tokens = Table(
    "tokens", metadata,
    Column("token_hash", Text, primary_key=True), Column("user", Text, nullable=False),
    Column("created", Float, nullable=False), Column("expires", Float))
screen_keys = Table(
    "screen_keys", metadata,
    Column("screen", Text, primary_key=True), Column("key_hash", Text, nullable=False))
log_head = Table(
    "log_head", metadata,
    Column("one", Integer, primary_key=True, autoincrement=False), Column("seq", Integer, nullable=False),
    Column("hash", Text, nullable=False))
build_requests = Table(  # serve/cluster.py: not copied by migrate-from-sqlite (one SQLite server never asks)
    "build_requests", metadata,
    Column("id", Text, primary_key=True), Column("reason", Text, nullable=False), Column("options", Text),
    Column("at", Text, nullable=False), Column("instance", Text, nullable=False), Column("state", Text, nullable=False),
    Column("outcome", Text), Column("created", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("build_requests_state_at", "state", "at"))
TABLES = {table.name: table for table in metadata.sorted_tables if table is not build_requests}


def database_url(root: Path) -> str:
    """The database's address for this content folder (see the module's words on the order)."""
    configured = os.environ.get(DATABASE_ENV, "").strip() or _configured(root)
    if not configured:
        return f"sqlite:///{Path(root).absolute() / STATE_DIR / DB_FILE}"
    return database_url_from(configured)


def database_url_from(configured: str) -> str:
    """A configured address as SQLAlchemy takes it (PostgreSQL through psycopg 3)."""
    try:
        url = make_url(configured)
    except ArgumentError:
        raise NarrowcastError(f"database: '{_hidden(configured)}' is geen database-adres; schrijf bijvoorbeeld "
                              "postgresql://narrowcast@db.example.nl/narrowcast") from None
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.get_backend_name() == "sqlite":
        return configured
    raise NarrowcastError(f"database: '{url.get_backend_name()}' wordt niet ondersteund; gebruik postgresql://… "
                          "of laat het weg (dan SQLite in .state/)")


def _configured(root: Path) -> str:
    """`database:` from narrowcast.yaml, read without the rest of the content (any process may ask)."""
    from ..yamlsource import load_plain

    try:
        data = load_plain((root / "narrowcast.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""  # the content's own checks say what is wrong with the file
    value = data.get("database") if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _hidden(url: str) -> str:
    """An address as it may be shown: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1][:80]


def shown_url(url: str) -> str:
    return _hidden(url)


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """PostgreSQL: one engine (and pool) per address in a process, brought up to date once. SQLite:
    an engine of its own, opening the file for each operation, brought up to date when behind."""
    if not is_postgresql(url):
        engine = _new_engine(url)
        try:
            upgrade(engine)
        except Exception:
            engine.dispose()
            raise
        return engine
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _new_engine(url)
            try:
                upgrade(engine)
            except Exception:
                del _engines[url]
                engine.dispose()
                raise
        return engine


def _new_engine(url: str) -> Engine:
    if is_postgresql(url):
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # A connection per operation: each reads the file as it is now, so damage done to it under a running
    # server is met at the next request (a kept connection answered from its cache), and with the last
    # connection closed the WAL is folded back, leaving one complete file. Costs about 1 ms an operation.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):  # readers never wait for the writer
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    return engine


def dispose_all() -> None:
    """Close every pooled connection (a stopping server, or a test between databases)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (None: none yet). Read straight from Alembic's table: its
    MigrationContext logs two lines at every open, which filled the server's log."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Run the migrations the database lacks; (revision before, revision after)."""
    with engine.begin() as connection:
        if is_postgresql(str(engine.url)):
            connection.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": _UPGRADE_LOCK})
        before = current_revision(connection)
        if before != HEAD:
            from alembic import command

            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        metadata.create_all(connection)  # a table dropped by hand since comes back, empty
        add_missing_columns(connection)
    return before, HEAD


TOKEN_DAYS = 90  # state/records.py's: a token from before expiry dates gets the usual life from its creation


def add_missing_columns(connection: Connection) -> None:
    """Columns added by hand before Alembic (issues 12 and 15), on a table made without them (an old
    SQLite file, or one put back by hand); their rows keep what they meant then. Cheap enough for every open."""
    from sqlalchemy import inspect

    present = inspect(connection)
    columns = {table: {c["name"] for c in present.get_columns(table)} for table in ("tokens", "heartbeats", "users")}
    if "expires" not in columns["tokens"]:
        connection.execute(text("ALTER TABLE tokens ADD COLUMN expires FLOAT"))
    connection.execute(text("UPDATE tokens SET expires = created + :life WHERE expires IS NULL"), {"life": TOKEN_DAYS * 86400})
    if "problem" not in columns["heartbeats"]:
        connection.execute(text("ALTER TABLE heartbeats ADD COLUMN problem TEXT"))
    if "role" not in columns["users"]:
        # users from before roles (issue 15) could publish and make notices: they keep that
        connection.execute(text("ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'eindredacteur'"))


@lru_cache(maxsize=1)
def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
