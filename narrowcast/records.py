"""SQLite in the state folder: heartbeats, plays, users, sessions and screen keys.

Secrets (passwords, session tokens, screen keys) are stored only as hashes. Old heartbeats and
plays are deleted after the retention period, so the file never grows without bound.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .state import state_dir

DB_FILE = "narrowcast.db"
RETENTION_DAYS = 90
SESSION_HOURS = 8
_SCHEMA = """
CREATE TABLE IF NOT EXISTS heartbeats (screen TEXT NOT NULL, at REAL NOT NULL, version TEXT, item TEXT,
    resolution TEXT, user_agent TEXT, offset_ms INTEGER);
CREATE INDEX IF NOT EXISTS heartbeats_screen_at ON heartbeats (screen, at);
CREATE TABLE IF NOT EXISTS plays (screen TEXT NOT NULL, item TEXT NOT NULL, start REAL NOT NULL, seconds REAL NOT NULL);
CREATE INDEX IF NOT EXISTS plays_start ON plays (start);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS screen_keys (screen TEXT PRIMARY KEY, key_hash TEXT NOT NULL);
"""


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Heartbeat:
    screen: str
    at: datetime
    version: str | None
    item: str | None
    resolution: str | None
    user_agent: str | None
    offset_ms: int | None


class Records:
    """One connection per process, guarded by a lock (the server calls it from one event loop and
    from worker threads)."""

    def __init__(self, root: Path):
        folder = state_dir(root)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / DB_FILE
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _run(self, sql: str, args=()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- screens' writes --------------------------------------------------------------------------

    def add_heartbeat(self, beat: Heartbeat) -> None:
        self._run("INSERT INTO heartbeats VALUES (?,?,?,?,?,?,?)", (beat.screen, beat.at.timestamp(), beat.version,
                  beat.item, beat.resolution, beat.user_agent, beat.offset_ms))

    def add_plays(self, screen: str, plays: list[tuple[str, datetime, float]]) -> None:
        with self._lock:
            self._db.executemany("INSERT INTO plays VALUES (?,?,?,?)",
                                 [(screen, item, start.timestamp(), seconds) for item, start, seconds in plays])

    def prune(self, now: datetime, days: int = RETENTION_DAYS) -> int:
        """Delete heartbeats and plays older than the retention period; returns how many went."""
        limit = (now - timedelta(days=days)).timestamp()
        with self._lock:
            gone = self._db.execute("DELETE FROM heartbeats WHERE at < ?", (limit,)).rowcount
            gone += self._db.execute("DELETE FROM plays WHERE start < ?", (limit,)).rowcount
            self._db.execute("DELETE FROM sessions WHERE expires < ?", (now.timestamp(),))
        return gone

    # --- reading ------------------------------------------------------------------------------------

    def last_heartbeats(self) -> dict[str, Heartbeat]:
        rows = self._run("SELECT h.* FROM heartbeats h JOIN (SELECT screen, MAX(at) AS at FROM heartbeats GROUP BY screen) m "
                         "ON h.screen = m.screen AND h.at = m.at")
        return {r[0]: Heartbeat(r[0], datetime.fromtimestamp(r[1], timezone.utc), *r[2:]) for r in rows}

    def play_counts(self, since: datetime, until: datetime | None = None) -> dict[tuple[str, str], tuple[int, float]]:
        """(screen, item) -> (plays, seconds shown) in [since, until)."""
        until_ts = (until or datetime(9999, 1, 1, tzinfo=timezone.utc)).timestamp()
        rows = self._run("SELECT screen, item, COUNT(*), SUM(seconds) FROM plays WHERE start >= ? AND start < ? "
                         "GROUP BY screen, item ORDER BY screen, item", (since.timestamp(), until_ts))
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    def count(self, table: str) -> int:
        assert table in ("heartbeats", "plays", "users", "sessions", "tokens", "screen_keys")
        return self._run(f"SELECT COUNT(*) FROM {table}")[0][0]

    # --- users and sessions --------------------------------------------------------------------------

    def set_user(self, name: str, password: str, now: datetime) -> None:
        salt = secrets.token_bytes(16)
        self._run("INSERT OR REPLACE INTO users VALUES (?,?,?,?)", (name, salt, _hash_password(password, salt), now.timestamp()))

    def check_password(self, name: str, password: str) -> bool:
        rows = self._run("SELECT salt, hash FROM users WHERE name = ?", (name,))
        if not rows:
            _hash_password(password, b"0" * 16)  # same work for unknown names: no timing hint
            return False
        return hmac.compare_digest(_hash_password(password, rows[0][0]), rows[0][1])

    def users(self) -> list[str]:
        return [r[0] for r in self._run("SELECT name FROM users ORDER BY name")]

    def new_session(self, user: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        expires = (now + timedelta(hours=SESSION_HOURS)).timestamp()
        self._run("INSERT INTO sessions VALUES (?,?,?)", (_digest(token), user, expires))
        return token

    def session_user(self, token: str, now: datetime) -> str | None:
        rows = self._run("SELECT user, expires FROM sessions WHERE token_hash = ?", (_digest(token),))
        return rows[0][0] if rows and rows[0][1] > now.timestamp() else None

    def end_session(self, token: str) -> None:
        self._run("DELETE FROM sessions WHERE token_hash = ?", (_digest(token),))

    def new_token(self, user: str, now: datetime) -> str:
        token = "nc_" + secrets.token_urlsafe(32)
        self._run("INSERT INTO tokens VALUES (?,?,?)", (_digest(token), user, now.timestamp()))
        return token

    def token_user(self, token: str) -> str | None:
        rows = self._run("SELECT user FROM tokens WHERE token_hash = ?", (_digest(token),))
        return rows[0][0] if rows else None

    # --- screen keys ---------------------------------------------------------------------------------

    def new_screen_key(self, screen: str) -> str:
        key = secrets.token_urlsafe(24)
        self._run("INSERT OR REPLACE INTO screen_keys VALUES (?,?)", (screen, _digest(key)))
        return key

    def screen_key_ok(self, screen: str, key: str | None) -> bool:
        """True when the screen has no key configured, or the key is its own."""
        rows = self._run("SELECT key_hash FROM screen_keys WHERE screen = ?", (screen,))
        if not rows:
            return True
        return key is not None and hmac.compare_digest(_digest(key), rows[0][0])
