from django.db import connection


def skip_locked_clause(table_alias: str = "m") -> str:
    """Row locks that let parallel workers pass each other, where the database has them.

    SQLite (the embedded default) has none; there `BEGIN IMMEDIATE` transactions serialize
    the workers instead (config/settings/base.py).
    """
    if connection.features.has_select_for_update_skip_locked:
        return f"FOR UPDATE OF {table_alias} SKIP LOCKED"
    return ""
