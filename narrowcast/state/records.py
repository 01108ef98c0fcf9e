"""The state database's records: heartbeats, plays, users, sessions, API tokens and screen keys.

One description for SQLite (the default, in `.state/`) and PostgreSQL (several servers on one
database): state/database.py. Secrets (passwords, session tokens, screen keys) are stored only as
hashes. Old heartbeats and plays are deleted after the retention period, so the tables never grow
without bound.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import DamagedFile, NarrowcastError, os_problem
from . import database as db
from .database import DB_FILE, database_url, engine_for, is_postgresql, shown_url
from .files import STATE_DIR

RETENTION_DAYS = 90
SESSION_HOURS = 8
TOKEN_DAYS = db.TOKEN_DAYS  # an API token's life unless `user token --days N` says otherwise
# Roles, each allowed what the ones before it may, and more: a redacteur edits and proposes, an
# eindredacteur also approves, rejects, publishes, rolls back and makes urgent notices, a beheerder
# also manages users, screens and keys.
ROLES = ("redacteur", "eindredacteur", "beheerder")
PLAYS_AHEAD = timedelta(minutes=5)  # a screen's corrected clock may run a little ahead; later plays are not real
__all__ = ["DB_FILE", "ROLES", "Records", "Heartbeat", "ApiToken", "unusable"]


def unusable(exc: Exception, url: str = "") -> NarrowcastError:
    """A database that cannot be opened, in words that say what to do."""
    if url and is_postgresql(url):
        return NarrowcastError(f"de database {shown_url(url)} is niet bereikbaar ({_first_line(exc)}); kijk of "
                               "PostgreSQL draait, of het adres klopt (database: in narrowcast.yaml of "
                               f"${db.DATABASE_ENV}) en of het wachtwoord in ~/.pgpass of $PGPASSWORD staat")
    shown = f"{STATE_DIR}/{DB_FILE}"
    cause = getattr(exc, "orig", exc)
    if getattr(cause, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return DamagedFile(shown, "het is geen leesbare SQLite-database (meer)",
                           "Zet het bestand opzij (hernoem het) en start narrowcast opnieuw: er komt een nieuwe, lege "
                           "database; voeg de gebruikers dan opnieuw toe met 'narrowcast user add'")
    problem = os_problem(cause) if isinstance(cause, OSError) else _first_line(cause)
    return NarrowcastError(f"{shown} kan niet geopend worden ({problem}); kijk of het een bestand is en of narrowcast "
                           "in de map .state mag schrijven")


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]


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
    """The records of one content folder's database. Safe to call from several threads: SQLite
    writes go one at a time (a lock), PostgreSQL's pool gives each call its own connection."""

    def __init__(self, root: Path, url: str | None = None):
        self.url = url or database_url(root)
        self.postgresql = is_postgresql(self.url)
        try:
            self.engine = engine_for(self.url)
        except (SQLAlchemyError, OSError) as exc:
            raise unusable(exc, self.url) from None
        self._lock = threading.Lock() if not self.postgresql else None
        self._dialect = "postgresql" if self.postgresql else "sqlite"

    def close(self) -> None:
        """SQLite: nothing stays open between operations. PostgreSQL: nothing; the pool lives as long as the
        process (database.dispose_all)."""
        if not self.postgresql:
            self.engine.dispose()

    def _run(self, statement, many=None):
        """Execute in a transaction of its own; returns the result's rows (empty for writes) and rowcount."""
        try:
            if self._lock is not None:
                with self._lock, self.engine.begin() as connection:
                    return self._result(connection.execute(statement, many) if many is not None else connection.execute(statement))
            with self.engine.begin() as connection:
                return self._result(connection.execute(statement, many) if many is not None else connection.execute(statement))
        except DBAPIError as exc:
            if exc.connection_invalidated or "could not connect" in str(exc) or "connection" in str(exc.orig).lower():
                raise unusable(exc, self.url) from None
            raise

    @staticmethod
    def _result(result):
        rows = result.fetchall() if result.returns_rows else []
        return _Rows(rows, result.rowcount)

    def _upsert(self, table, values: dict, key: str):
        from sqlalchemy.dialects import postgresql, sqlite

        statement = (postgresql if self.postgresql else sqlite).insert(table).values(**values)
        return statement.on_conflict_do_update(index_elements=[key], set_={k: v for k, v in values.items() if k != key})

    # --- screens' writes --------------------------------------------------------------------------

    def add_heartbeat(self, beat: Heartbeat) -> None:
        self._run(insert(db.heartbeats).values(
            screen=beat.screen, at=beat.at.timestamp(), version=beat.version, item=beat.item,
            resolution=beat.resolution, user_agent=beat.user_agent, offset_ms=beat.offset_ms, problem=beat.problem))

    def add_plays(self, screen: str, plays: list[tuple[str, datetime, float]]) -> None:
        if plays:
            self._run(insert(db.plays), [{"screen": screen, "item": item, "start": start.timestamp(), "seconds": seconds}
                                         for item, start, seconds in plays])

    def prune(self, now: datetime, days: int = RETENTION_DAYS) -> int:
        """Delete heartbeats and plays older than the retention period (or dated in the future: they
        would never go); returns how many went. Expired sessions and tokens go too."""
        limit = (now - timedelta(days=days)).timestamp()
        gone = self._run(delete(db.heartbeats).where(db.heartbeats.c.at < limit)).rowcount
        gone += self._run(delete(db.plays).where((db.plays.c.start < limit)
                                                 | (db.plays.c.start > (now + PLAYS_AHEAD).timestamp()))).rowcount
        self._run(delete(db.sessions).where(db.sessions.c.expires < now.timestamp()))
        self._run(delete(db.tokens).where(db.tokens.c.expires < now.timestamp()))
        return gone

    # --- reading ------------------------------------------------------------------------------------

    def last_heartbeats(self) -> dict[str, Heartbeat]:
        h = db.heartbeats
        latest = select(h.c.screen, func.max(h.c.at).label("at")).group_by(h.c.screen).subquery()
        rows = self._run(select(*(h.c[c] for c in _BEAT_COLUMNS))
                         .join(latest, (h.c.screen == latest.c.screen) & (h.c.at == latest.c.at))).rows
        return {r[0]: Heartbeat(r[0], datetime.fromtimestamp(r[1], timezone.utc), *r[2:]) for r in rows}

    def play_counts(self, since: datetime, until: datetime | None = None) -> dict[tuple[str, str], tuple[int, float]]:
        """(screen, item) -> (plays, seconds shown) in [since, until)."""
        p = db.plays
        until_ts = (until or datetime(9999, 1, 1, tzinfo=timezone.utc)).timestamp()
        rows = self._run(select(p.c.screen, p.c.item, func.count(), func.sum(p.c.seconds))
                         .where((p.c.start >= since.timestamp()) & (p.c.start < until_ts))
                         .group_by(p.c.screen, p.c.item).order_by(p.c.screen, p.c.item)).rows
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    def count(self, table: str) -> int:
        assert table in db.TABLES, table
        return self._run(select(func.count()).select_from(db.TABLES[table])).rows[0][0]

    # --- users and sessions --------------------------------------------------------------------------

    def set_user(self, name: str, password: str, now: datetime, role: str | None = None) -> int:
        """Add a user or set a new password (and role: a new user without one is a redacteur, an existing
        one keeps theirs); a new password ends the user's sessions (returns how many).
        API tokens stay: only the command line makes them, so a known password cannot have made one."""
        if role is not None and role not in ROLES:
            raise ValueError(role)
        salt = secrets.token_bytes(16)
        hashed = _hash_password(password, salt)
        role = role or self.role(name) or ROLES[0]
        self._run(self._upsert(db.users, {"name": name, "salt": salt, "hash": hashed, "created": now.timestamp(),
                                          "role": role}, "name"))
        return self._run(delete(db.sessions).where(db.sessions.c.user == name)).rowcount

    def role(self, name: str) -> str | None:
        """The user's role, or None for a name that is no user."""
        rows = self._run(select(db.users.c.role).where(db.users.c.name == name)).rows
        return rows[0][0] if rows else None

    def set_role(self, name: str, role: str) -> bool:
        if role not in ROLES:
            raise ValueError(role)
        return self._run(update(db.users).where(db.users.c.name == name).values(role=role)).rowcount > 0

    def check_password(self, name: str, password: str) -> bool:
        rows = self._run(select(db.users.c.salt, db.users.c.hash).where(db.users.c.name == name)).rows
        if not rows:
            _hash_password(password, b"0" * 16)  # same work for unknown names: no timing hint
            return False
        return hmac.compare_digest(_hash_password(password, bytes(rows[0][0])), bytes(rows[0][1]))

    def users(self) -> list[str]:
        return [r[0] for r in self._run(select(db.users.c.name).order_by(db.users.c.name)).rows]

    def new_session(self, user: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        expires = (now + timedelta(hours=SESSION_HOURS)).timestamp()
        self._run(insert(db.sessions).values(token_hash=_digest(token), user=user, expires=expires))
        return token

    def session_user(self, token: str, now: datetime) -> str | None:
        s = db.sessions
        rows = self._run(select(s.c.user, s.c.expires).where(s.c.token_hash == _digest(token))).rows
        return rows[0][0] if rows and rows[0][1] > now.timestamp() else None

    def end_session(self, token: str) -> None:
        self._run(delete(db.sessions).where(db.sessions.c.token_hash == _digest(token)))

    def new_token(self, user: str, now: datetime, days: int = TOKEN_DAYS) -> str:
        token = "nc_" + secrets.token_urlsafe(32)
        expires = (now + timedelta(days=days)).timestamp()
        self._run(insert(db.tokens).values(token_hash=_digest(token), user=user, created=now.timestamp(), expires=expires))
        return token

    def token_user(self, token: str, now: datetime) -> str | None:
        t = db.tokens
        rows = self._run(select(t.c.user, t.c.expires).where(t.c.token_hash == _digest(token))).rows
        return rows[0][0] if rows and rows[0][1] > now.timestamp() else None

    def tokens(self, now: datetime) -> list[ApiToken]:
        """The tokens still valid at `now`, per user, the soonest to expire first."""
        t = db.tokens
        rows = self._run(select(t.c.token_hash, t.c.user, t.c.created, t.c.expires).where(t.c.expires > now.timestamp())
                         .order_by(t.c.user, t.c.expires)).rows
        return [ApiToken(r[0][:8], r[1], datetime.fromtimestamp(r[2], timezone.utc), datetime.fromtimestamp(r[3], timezone.utc))
                for r in rows]

    def revoke_tokens(self, user: str, token_id: str | None = None) -> int:
        """End all of a user's tokens, or the one whose id (from `tokens()`) is given; returns how many."""
        t = db.tokens
        which = t.c.user == user
        if token_id is not None:
            which &= func.substr(t.c.token_hash, 1, len(token_id)) == token_id.lower()
        return self._run(delete(t).where(which)).rowcount

    # --- the publishing log's last record, witnessed outside the log (state/history.verify) -----------

    def set_log_head(self, seq: int, record_hash: str) -> None:
        self._run(self._upsert(db.log_head, {"one": 1, "seq": seq, "hash": record_hash}, "one"))

    def log_head(self) -> tuple[int, str] | None:
        rows = self._run(select(db.log_head.c.seq, db.log_head.c.hash)).rows
        return (rows[0][0], rows[0][1]) if rows else None

    # --- screen keys ---------------------------------------------------------------------------------

    def new_screen_key(self, screen: str) -> str:
        key = secrets.token_urlsafe(24)
        self._run(self._upsert(db.screen_keys, {"screen": screen, "key_hash": _digest(key)}, "screen"))
        return key

    def screen_key_ok(self, screen: str, key: str | None, required: bool = False) -> bool:
        """True when the key is the screen's own, or the screen has no key and keys are not required."""
        rows = self._run(select(db.screen_keys.c.key_hash).where(db.screen_keys.c.screen == screen)).rows
        if not rows:
            return not required
        return key is not None and hmac.compare_digest(_digest(key), rows[0][0])

    def has_screen_key(self, screen: str) -> bool:
        return bool(self._run(select(db.screen_keys.c.screen).where(db.screen_keys.c.screen == screen)).rows)


@dataclass(frozen=True)
class _Rows:
    rows: list
    rowcount: int
