"""The tests' throw-away PostgreSQL itself: it runs, not as root, on 127.0.0.1 only, and is gone after stop()."""

from __future__ import annotations

import os

import psycopg
import pytest

from .pgcluster import ThrowawayPostgres


def test_it_answers_as_a_user_that_is_not_root_on_loopback_only(postgres, postgres_url):
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        assert connection.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    assert os.stat(f"/proc/{pid}").st_uid != 0


def test_each_test_gets_its_own_database(postgres):
    one, two = postgres.new_database(), postgres.new_database()
    with psycopg.connect(one, autocommit=True) as connection:
        connection.execute("CREATE TABLE alleen_hier (x int)")
    with psycopg.connect(two) as connection:
        assert connection.execute("SELECT to_regclass('alleen_hier')").fetchone() == (None,)


def test_after_stop_nothing_answers():
    server = ThrowawayPostgres().start()
    url, folder = server.url, server.folder
    server.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    assert not folder.exists()
