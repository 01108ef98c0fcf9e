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

from ..errors import DamagedFile, NarrowcastError, os_problem
from .files import STATE_DIR, state_dir

DB_FILE = "narrowcast.db"
RETENTION_DAYS = 90
SESSION_HOURS = 8
TOKEN_DAYS = 90  # an API token's life unless `user token --days N` says otherwise
# Roles, each allowed what the ones before it may, and more: a redacteur edits and proposes, an
# eindredacteur also approves, rejects, publishes, rolls back and makes urgent notices, a beheerder
# also manages users, screens and keys.
ROLES = ("redacteur", "eindredacteur", "beheerder")
PLAYS_AHEAD = timedelta(minutes=5)  # a screen's corrected clock may run a little ahead; later plays are not real
_SCHEMA = """
CREATE TABLE IF NOT EXISTS heartbeats (screen TEXT NOT NULL, at REAL NOT NULL, version TEXT, item TEXT,
    resolution TEXT, user_agent TEXT, offset_ms INTEGER, problem TEXT);
CREATE INDEX IF NOT EXISTS heartbeats_screen_at ON heartbeats (screen, at);
CREATE TABLE IF NOT EXISTS plays (screen TEXT NOT NULL, item TEXT NOT NULL, start REAL NOT NULL, seconds REAL NOT NULL);
CREATE INDEX IF NOT EXISTS plays_start ON plays (start);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL, created REAL NOT NULL,
    role TEXT NOT NULL DEFAULT 'redacteur');
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, created REAL NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS screen_keys (screen TEXT PRIMARY KEY, key_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log_head (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
"""


def unusable(exc: Exception) -> NarrowcastError:
    """A database that cannot be opened, in words that say what to do."""
    shown = f"{STATE_DIR}/{DB_FILE}"
    if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return DamagedFile(shown, "het is geen leesbare SQLite-database (meer)",
                           "Zet het bestand opzij (hernoem het) en start narrowcast opnieuw: er komt een nieuwe, lege "
                           "database; voeg de gebruikers dan opnieuw toe met 'narrowcast user add'")
    problem = os_problem(exc) if isinstance(exc, OSError) else str(exc)
    return NarrowcastError(f"{shown} kan niet geopend worden ({problem}); kijk of het een bestand is en of narrowcast "
                           "in de map .state mag schrijven")


_BEAT_COLUMNS = ("screen", "at", "version", "item", "resolution", "user_agent", "offset_ms", "problem")  # Heartbeat's order


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ApiToken:
    """What may be shown of a token: never the token itself."""

    id: str  # the start of its hash: enough to tell tokens apart
    user: str
    created: datetime
    expires: datetime


@dataclass(frozen=True)
class Heartbeat:
    screen: str
    at: datetime
    version: str | None
    item: str | None
    resolution: str | None
    user_agent: str | None
    offset_ms: int | None
    problem: str | None = None  # why the screen did not adopt its newest manifest, in its own words


class Records:
    """One connection per process, guarded by a lock (the server calls it from one event loop and
    from worker threads)."""

    def __init__(self, root: Path):
        self.path = state_dir(root) / DB_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._upgrade()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise unusable(exc) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _upgrade(self) -> None:
        """Older state folders: tokens had no expiry; they get the usual life from their creation."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(tokens)")}
        if "expires" not in columns:
            self._db.execute("ALTER TABLE tokens ADD COLUMN expires REAL")
        self._db.execute("UPDATE tokens SET expires = created + ? WHERE expires IS NULL", (TOKEN_DAYS * 86400,))
        if "problem" not in {row[1] for row in self._db.execute("PRAGMA table_info(heartbeats)")}:
            self._db.execute("ALTER TABLE heartbeats ADD COLUMN problem TEXT")  # heartbeats from before issue 12
        if "role" not in {row[1] for row in self._db.execute("PRAGMA table_info(users)")}:
            # users from before roles (issue 15) could publish and make notices: they keep that
            self._db.execute("ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'eindredacteur'")

    def _run(self, sql: str, args=()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- screens' writes --------------------------------------------------------------------------

    def add_heartbeat(self, beat: Heartbeat) -> None:
        self._run(f"INSERT INTO heartbeats ({', '.join(_BEAT_COLUMNS)}) VALUES (?,?,?,?,?,?,?,?)",
                  (beat.screen, beat.at.timestamp(), beat.version, beat.item, beat.resolution, beat.user_agent,
                   beat.offset_ms, beat.problem))

    def add_plays(self, screen: str, plays: list[tuple[str, datetime, float]]) -> None:
        with self._lock:
            self._db.executemany("INSERT INTO plays VALUES (?,?,?,?)",
                                 [(screen, item, start.timestamp(), seconds) for item, start, seconds in plays])

    def prune(self, now: datetime, days: int = RETENTION_DAYS) -> int:
        """Delete heartbeats and plays older than the retention period (or dated in the future: they
        would never go); returns how many went. Expired sessions and tokens go too."""
        limit = (now - timedelta(days=days)).timestamp()
        with self._lock:
            gone = self._db.execute("DELETE FROM heartbeats WHERE at < ?", (limit,)).rowcount
            gone += self._db.execute("DELETE FROM plays WHERE start < ? OR start > ?",
                                     (limit, (now + PLAYS_AHEAD).timestamp())).rowcount
            self._db.execute("DELETE FROM sessions WHERE expires < ?", (now.timestamp(),))
            self._db.execute("DELETE FROM tokens WHERE expires < ?", (now.timestamp(),))
        return gone

    # --- reading ------------------------------------------------------------------------------------

    def last_heartbeats(self) -> dict[str, Heartbeat]:
        # columns by name: a column added by an upgrade sits at the end, whatever order the schema names
        rows = self._run(f"SELECT {', '.join('h.' + c for c in _BEAT_COLUMNS)} FROM heartbeats h "
                         "JOIN (SELECT screen, MAX(at) AS at FROM heartbeats GROUP BY screen) m "
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

    def set_user(self, name: str, password: str, now: datetime, role: str | None = None) -> int:
        """Add a user or set a new password (and role: a new user without one is a redacteur, an existing
        one keeps theirs); a new password ends the user's sessions (returns how many).
        API tokens stay: only the command line makes them, so a known password cannot have made one."""
        if role is not None and role not in ROLES:
            raise ValueError(role)
        salt = secrets.token_bytes(16)
        hashed = _hash_password(password, salt)
        with self._lock:
            kept = self._db.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchall()
            role = role or (kept[0][0] if kept else ROLES[0])
            self._db.execute("INSERT OR REPLACE INTO users (name, salt, hash, created, role) VALUES (?,?,?,?,?)",
                             (name, salt, hashed, now.timestamp(), role))
            return self._db.execute("DELETE FROM sessions WHERE user = ?", (name,)).rowcount

    def role(self, name: str) -> str | None:
        """The user's role, or None for a name that is no user."""
        rows = self._run("SELECT role FROM users WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def set_role(self, name: str, role: str) -> bool:
        if role not in ROLES:
            raise ValueError(role)
        return self._db_write("UPDATE users SET role = ? WHERE name = ?", (role, name)) > 0

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

    def new_token(self, user: str, now: datetime, days: int = TOKEN_DAYS) -> str:
        token = "nc_" + secrets.token_urlsafe(32)
        expires = (now + timedelta(days=days)).timestamp()
        self._run("INSERT INTO tokens VALUES (?,?,?,?)", (_digest(token), user, now.timestamp(), expires))
        return token

    def token_user(self, token: str, now: datetime) -> str | None:
        rows = self._run("SELECT user, expires FROM tokens WHERE token_hash = ?", (_digest(token),))
        return rows[0][0] if rows and rows[0][1] > now.timestamp() else None

    def tokens(self, now: datetime) -> list[ApiToken]:
        """The tokens still valid at `now`, per user, the soonest to expire first."""
        rows = self._run("SELECT token_hash, user, created, expires FROM tokens WHERE expires > ? ORDER BY user, expires",
                         (now.timestamp(),))
        return [ApiToken(r[0][:8], r[1], datetime.fromtimestamp(r[2], timezone.utc), datetime.fromtimestamp(r[3], timezone.utc))
                for r in rows]

    def revoke_tokens(self, user: str, token_id: str | None = None) -> int:
        """End all of a user's tokens, or the one whose id (from `tokens()`) is given; returns how many."""
        if token_id is None:
            return self._db_write("DELETE FROM tokens WHERE user = ?", (user,))
        return self._db_write("DELETE FROM tokens WHERE user = ? AND substr(token_hash, 1, ?) = ?",
                              (user, len(token_id), token_id.lower()))

    def _db_write(self, sql: str, args=()) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # --- the publishing log's last record, witnessed outside the log (state/history.verify) -----------

    def set_log_head(self, seq: int, record_hash: str) -> None:
        self._run("INSERT OR REPLACE INTO log_head VALUES (1,?,?)", (seq, record_hash))

    def log_head(self) -> tuple[int, str] | None:
        rows = self._run("SELECT seq, hash FROM log_head")
        return (rows[0][0], rows[0][1]) if rows else None

    # --- screen keys ---------------------------------------------------------------------------------

    def new_screen_key(self, screen: str) -> str:
        key = secrets.token_urlsafe(24)
        self._run("INSERT OR REPLACE INTO screen_keys VALUES (?,?)", (screen, _digest(key)))
        return key

    def screen_key_ok(self, screen: str, key: str | None, required: bool = False) -> bool:
        """True when the key is the screen's own, or the screen has no key and keys are not required."""
        rows = self._run("SELECT key_hash FROM screen_keys WHERE screen = ?", (screen,))
        if not rows:
            return not required
        return key is not None and hmac.compare_digest(_digest(key), rows[0][0])

    def has_screen_key(self, screen: str) -> bool:
        return bool(self._run("SELECT 1 FROM screen_keys WHERE screen = ?", (screen,)))
