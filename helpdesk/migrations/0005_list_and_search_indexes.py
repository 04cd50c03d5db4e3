"""The list's cursor on an index, and `q` on trigram indexes (PostgreSQL only).

`q` is Django's `icontains` (and `iexact` on the key), which PostgreSQL runs as
`UPPER(col::text) LIKE UPPER('%text%')`: a GIN trigram index on that very expression answers it
without reading the table. On PostgreSQL the indexes are built CONCURRENTLY, so tickets can be
written while a release migrates (docs/deploy.md); pg_trgm needs CREATE on the database.
SQLite (the embedded demo) has no trigram indexes and scans, as it always did.
"""

from django.db import migrations, models

RECENT = models.Index(fields=["organization", "-id"], name="ticket_org_recent")
SEARCHED = ("key", "subject", "description")


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(apps.get_model("helpdesk", "Ticket"), RECENT)
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_org_recent "
        "ON helpdesk_ticket (organization_id, id DESC)"
    )
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_{column}_trgm ON helpdesk_ticket "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor) -> None:
    for name in ["ticket_org_recent", *(f"ticket_{column}_trgm" for column in SEARCHED)]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("helpdesk", "0004_event_status_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="ticket", index=RECENT)],
            database_operations=[migrations.RunPython(create_indexes, drop_indexes)],
        ),
    ]
