"""The state database (issue 17): one description for SQLite and PostgreSQL, Alembic migrations,
`narrowcast db upgrade` and `narrowcast db migrate-from-sqlite`, against a real PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from narrowcast.errors import NarrowcastError
from narrowcast.state import database
from narrowcast.state.records import Heartbeat, Records

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
PASSWORD = "een lang wachtwoord"


def _cli(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(root), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_head_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(database.alembic_config()).get_current_head() == database.HEAD


def test_where_the_database_is(tmp_path, monkeypatch):
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    (tmp_path / "narrowcast.yaml").write_text("site: Test\n", encoding="utf-8")
    assert database.database_url(tmp_path) == f"sqlite:///{tmp_path}/.state/narrowcast.db"
    (tmp_path / "narrowcast.yaml").write_text("site: Test\ndatabase: postgresql://nc@db.example.nl/nc\n", encoding="utf-8")
    assert database.database_url(tmp_path) == "postgresql+psycopg://nc@db.example.nl/nc"
    monkeypatch.setenv(database.DATABASE_ENV, "postgresql://ander@db2.example.nl:5433/nc")
    assert database.database_url(tmp_path) == "postgresql+psycopg://ander@db2.example.nl:5433/nc", "the environment first"
    monkeypatch.setenv(database.DATABASE_ENV, "mysql://nc@db/nc")
    with pytest.raises(NarrowcastError, match="mysql.*wordt niet ondersteund"):
        database.database_url(tmp_path)
    assert database.shown_url("postgresql+psycopg://nc:geheim@db/nc") == "postgresql+psycopg://nc:***@db/nc"


OLD_SCHEMA = """
CREATE TABLE heartbeats (screen TEXT NOT NULL, at REAL NOT NULL, version TEXT, item TEXT, resolution TEXT,
    user_agent TEXT, offset_ms INTEGER);
CREATE TABLE plays (screen TEXT NOT NULL, item TEXT NOT NULL, start REAL NOT NULL, seconds REAL NOT NULL);
CREATE TABLE users (name TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL, created REAL NOT NULL);
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE tokens (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE screen_keys (screen TEXT PRIMARY KEY, key_hash TEXT NOT NULL);
"""


def test_an_sqlite_file_from_before_alembic_is_brought_up_to_date_keeping_its_rows(tmp_path, monkeypatch):
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    (tmp_path / ".state").mkdir()
    old = sqlite3.connect(tmp_path / ".state/narrowcast.db")
    old.executescript(OLD_SCHEMA)
    old.execute("INSERT INTO users VALUES ('piet', x'00', x'00', 1.0)")
    old.execute("INSERT INTO tokens VALUES ('abc', 'piet', 1000.0)")
    old.execute("INSERT INTO heartbeats VALUES ('hal', 5.0, 'v1', 'een', '1920x1080', 'x', 0)")
    old.commit()
    old.close()
    database.dispose_all()
    records = Records(tmp_path)
    assert records.role("piet") == "eindredacteur", "users from before roles keep what they could do"
    assert records.last_heartbeats()["hal"].problem is None
    with sqlite3.connect(tmp_path / ".state/narrowcast.db") as check:
        assert check.execute("SELECT expires FROM tokens").fetchone()[0] == 1000.0 + 90 * 86400
        assert check.execute("SELECT version_num FROM alembic_version").fetchone()[0] == database.HEAD
    database.dispose_all()


def test_sqlite_between_operations_is_one_complete_file(tmp_path, monkeypatch):
    """Nothing of an open Records is kept between operations: the newest row is in the file itself (no
    WAL waiting to be folded back), so a copy holds it. A kept connection left it in the WAL."""
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    records = Records(tmp_path)
    try:
        records.add_heartbeat(Heartbeat("hal", NOW, "v1", "een", "1920x1080", "test", 0))
        state = tmp_path / ".state"
        assert not (state / "narrowcast.db-wal").exists()
        copy = tmp_path / "kopie.db"
        copy.write_bytes((state / "narrowcast.db").read_bytes())
        with sqlite3.connect(copy) as plain:
            assert plain.execute("SELECT screen, item FROM heartbeats").fetchall() == [("hal", "een")]
    finally:
        records.close()


def test_records_on_postgresql(postgres_url, tmp_path):
    records = Records(tmp_path, database.database_url_from(postgres_url))
    assert records.postgresql
    assert records.set_user("anna", PASSWORD, NOW, "redacteur") == 0
    assert records.check_password("anna", PASSWORD) and not records.check_password("anna", "fout wachtwoord")
    session = records.new_session("anna", NOW)
    assert records.session_user(session, NOW) == "anna"
    assert records.set_user("anna", PASSWORD + "!", NOW) == 1, "a new password ends her sessions"
    assert records.role("anna") == "redacteur" and records.session_user(session, NOW) is None
    token = records.new_token("anna", NOW, days=1)
    assert records.token_user(token, NOW) == "anna" and records.token_user(token, NOW + timedelta(days=2)) is None
    [listed] = records.tokens(NOW)
    assert records.revoke_tokens("anna", listed.id) == 1 and records.token_user(token, NOW) is None
    records.add_heartbeat(Heartbeat("hal", NOW, "v1", "een", "1920x1080", "ua", 5))
    records.add_heartbeat(Heartbeat("hal", NOW + timedelta(seconds=30), "v2", "twee", "1920x1080", "ua", 3, "te oud"))
    assert (records.last_heartbeats()["hal"].version, records.last_heartbeats()["hal"].problem) == ("v2", "te oud")
    records.add_plays("hal", [("een", NOW, 5.0), ("een", NOW + timedelta(seconds=5), 5.0), ("twee", NOW, 7.0)])
    assert records.play_counts(NOW - timedelta(hours=1)) == {("hal", "een"): (2, 10.0), ("hal", "twee"): (1, 7.0)}
    key = records.new_screen_key("hal")
    assert records.screen_key_ok("hal", key) and not records.screen_key_ok("hal", "fout")
    records.set_log_head(3, "abc")
    records.set_log_head(4, "def")
    assert records.log_head() == (4, "def")
    assert records.prune(NOW + timedelta(days=100)) == 5


def test_migrate_from_sqlite_moves_users_plays_and_the_log_head_and_counts_them(postgres_url, tmp_path, monkeypatch):
    monkeypatch.delenv(database.DATABASE_ENV, raising=False)
    from narrowcast.commands.example import copy_example

    root = tmp_path / "voorbeeld"
    copy_example(root)
    records = Records(root)
    for name in ("anna", "bert", "carla"):
        records.set_user(name, PASSWORD, NOW)
    records.add_plays("werkplein-hal", [(f"dia-{n}", NOW + timedelta(seconds=n), 5.0) for n in range(12_000)])
    records.add_heartbeat(Heartbeat("werkplein-hal", NOW, "v1", "een", "1920x1080", "ua", 0))
    records.new_screen_key("werkplein-hal")
    assert _cli(root, "publish", "--user", "anna").returncode == 0  # a record in the log: its head is witnessed
    before = {table: records.count(table) for table in database.TABLES}
    assert before["users"] == 3 and before["plays"] == 12_000 and before["log_head"] == 1
    database.dispose_all()

    moved = _cli(root, "db", "migrate-from-sqlite", env={database.DATABASE_ENV: postgres_url})
    assert moved.returncode == 0, moved.stderr
    assert "de tellingen zijn gelijk" in moved.stdout
    on_postgresql = Records(root, database.database_url_from(postgres_url))
    assert {table: on_postgresql.count(table) for table in database.TABLES} == before
    assert on_postgresql.check_password("bert", PASSWORD)
    assert _cli(root, "history", "--verify", env={database.DATABASE_ENV: postgres_url}).returncode == 0, \
        "the log's head, witnessed in PostgreSQL now, matches the log"

    again = _cli(root, "db", "migrate-from-sqlite", env={database.DATABASE_ENV: postgres_url})
    assert again.returncode == 1 and "er wordt niets overschreven" in again.stderr and "Traceback" not in again.stderr


def test_db_upgrade_says_what_it_did_and_an_unreachable_database_in_words(postgres_url, tmp_path):
    (tmp_path / "narrowcast.yaml").write_text("site: Test\n", encoding="utf-8")
    first = _cli(tmp_path, "db", "upgrade", env={database.DATABASE_ENV: postgres_url})
    assert first.returncode == 0 and f"-> {database.HEAD}" in first.stdout, first.stderr
    second = _cli(tmp_path, "db", "upgrade", env={database.DATABASE_ENV: postgres_url})
    assert second.returncode == 0 and f"is bij (versie {database.HEAD})" in second.stdout
    gone = _cli(tmp_path, "db", "upgrade", env={database.DATABASE_ENV: "postgresql://nc:geheim@127.0.0.1:9/nc"})
    assert gone.returncode == 1 and "is niet bereikbaar" in gone.stderr
    assert "geheim" not in gone.stderr and "Traceback" not in gone.stderr
