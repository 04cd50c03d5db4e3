"""PostgreSQL keeps a member within their capacity: no two open allocations of one member on one
capacity slot may overlap in time. Needs the btree_gist extension (to compare user and slot with
`=` in a GiST index); creating it needs a role allowed to (a superuser, or pg_database_owner on
PostgreSQL 13+ since btree_gist is a trusted extension).
"""

from django.db import migrations

GUARD = r"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE workflow_allocation ADD CONSTRAINT allocation_within_capacity EXCLUDE USING gist (
    user_id WITH =,
    slot WITH =,
    tstzrange(
        coalesce(window_start, '-infinity'::timestamptz),
        coalesce(window_end, 'infinity'::timestamptz),
        '[)'
    ) WITH &&
) WHERE (released_at IS NULL);
"""

REMOVE = "ALTER TABLE workflow_allocation DROP CONSTRAINT allocation_within_capacity;"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("workflow", "0005_allocations")]

    operations = [migrations.RunPython(on_postgresql(GUARD), on_postgresql(REMOVE))]
