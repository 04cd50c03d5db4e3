"""One beat has effect however many run: the one holding a PostgreSQL advisory lock.

A second beat, started by mistake or beside the old one during a rolling deploy, waits as a
standby, asking for the lock every BEAT_LOCK_RETRY_SECONDS; when the active beat stops (or its
connection dies) PostgreSQL releases the lock and the standby takes over, sending at once
every tick that fell due meanwhile. The lock lives on a connection of its own, opened outside
Django's (with the database's own options: TLS, certificates), so nothing the ORM does can close
it. Keepalives on both ends end a silently dead session within seconds, not hours, so a standby
is not kept waiting by a lock nobody holds. On SQLite (the embedded default: one machine, one
beat) there is no lock to take.
"""

import logging
import time
import zlib

import psycopg
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

# Advisory locks are per database already: beats of two deployments on one server never meet.
_LOCK_KEY = zlib.crc32(b"serviceflow.beat")
# Django's own OPTIONS, not libpq connection parameters.
_DJANGO_ONLY_OPTIONS = {"pool", "server_side_binding", "isolation_level", "assume_role"}
_LIVENESS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # ms: unacknowledged data fails the connection after this
}


class BeatLock:
    """A session-level advisory lock on a dedicated connection, checked cheaply on demand."""

    def __init__(self, database: dict) -> None:
        self.database = database
        self._connection: psycopg.Connection | None = None
        self._holding = False
        self._confirmed_at = float("-inf")

    def held(self) -> bool:
        """Whether this process holds the lock now, taking it if it is free."""
        if time.monotonic() - self._confirmed_at < settings.BEAT_LOCK_RETRY_SECONDS:
            return True
        try:
            holds = self._ask()
        except psycopg.Error:
            logger.warning("Beat lost its lock connection; standing by", exc_info=True)
            self.release()
            holds = False
        if holds:
            self._confirmed_at = time.monotonic()
        return holds

    def _ask(self) -> bool:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(**self.connection_parameters(), autocommit=True)
            # The server side, too, notices a vanished beat and ends its session (and lock).
            for setting, value in (("idle", 5), ("interval", 2), ("count", 3)):
                self._connection.execute(f"SET tcp_keepalives_{setting} = {value}")
            self._connection.execute("SET application_name = 'serviceflow-beat'")
            self._holding = False
        if self._holding:
            # A session lock lasts as long as its session: a live connection still holds it.
            self._connection.execute("SELECT 1")
            return True
        row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()
        self._holding = bool(row[0])
        return self._holding

    def connection_parameters(self) -> dict:
        """libpq parameters: the database's own options, with timeouts and keepalives."""
        options = self.database.get("OPTIONS", {})
        info = {**_LIVENESS, **{k: v for k, v in options.items() if k not in _DJANGO_ONLY_OPTIONS}}
        fields = {"HOST": "host", "PORT": "port", "NAME": "dbname", "USER": "user"}
        info.update(
            {key: self.database[name] for name, key in fields.items() if self.database[name]}
        )
        if self.database.get("PASSWORD"):
            info["password"] = self.database["PASSWORD"]
        return info

    def release(self) -> None:
        """Close the connection, which ends the lock for the standby."""
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._holding = False
        self._confirmed_at = float("-inf")


class SingleBeatScheduler(PersistentScheduler):
    """The schedule of CELERY_BEAT_SCHEDULE, sent only while this beat holds the lock."""

    def __init__(self, *args, **kwargs) -> None:
        database = settings.DATABASES["default"]
        self.lock = BeatLock(database) if "postgresql" in database["ENGINE"] else None
        self.active: bool | None = None if self.lock else True  # None: not yet decided
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs) -> float:
        if self.lock is not None:
            held = self.lock.held()
            if held != self.active:
                logger.info("Beat is %s", "active" if held else "standing by")
                self.active = held
            if not held:
                return settings.BEAT_LOCK_RETRY_SECONDS
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        super().close()
        if self.lock is not None:
            self.lock.release()
