"""Watching PostgreSQL backends, to see whether a sender holds a transaction open."""

import psycopg
from django.conf import settings
from django.db import connection


def this_backend_pid() -> int:
    """The PostgreSQL backend of this thread's Django connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_state(pid: int) -> str:
    """What pg_stat_activity says a backend is doing, seen from a connection of its own."""
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        dbname=database["NAME"],
        password=database["PASSWORD"] or None,
    ) as watcher:
        return watcher.execute(
            "SELECT state FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()[0]
