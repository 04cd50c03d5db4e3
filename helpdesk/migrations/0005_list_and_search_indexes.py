"""The list's cursor on an index, and `q` on trigram indexes (PostgreSQL only).

`q` is Django's `icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE UPPER('%text%')`: a GIN
trigram index on that very expression answers it (and `iexact` on the key) without reading the table. SQLite (the embedded demo)
has no trigram indexes and scans, as it always did.
"""

from django.db import migrations, models

SEARCHED = ("key", "subject", "description")


def create_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS ticket_{column}_trgm ON helpdesk_ticket "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS ticket_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0004_event_status_length"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["organization", "-id"], name="ticket_org_recent"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
