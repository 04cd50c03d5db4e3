"""Capacity is per membership: a member's slots are counted within one organization.

Replaces the exclusion constraint of 0006, which compared `user_id` alone, so a task held in one
organization took a slot in every other organization the person belongs to. The new rule adds
`organization_id WITH =` (the allocation's organization, copied from its task's when it is made).

Every row that passed the old rule passes the new one, so building it cannot fail on existing
data, and the old rule is dropped in the same transaction, so no moment goes unguarded. An
exclusion constraint cannot be built CONCURRENTLY (nor added NOT VALID or from an existing
index): it holds an ACCESS EXCLUSIVE lock on the table while it scans it. `lock_timeout` makes
the migration fail, to be run again, rather than queue every reader of the table behind a long
transaction (docs/adr/0024).
"""

from django.db import migrations

PER_ORGANIZATION = r"""
SET LOCAL lock_timeout = '5s';
ALTER TABLE workflow_allocation DROP CONSTRAINT allocation_within_capacity;
ALTER TABLE workflow_allocation ADD CONSTRAINT allocation_within_membership_capacity
EXCLUDE USING gist (
    organization_id WITH =,
    user_id WITH =,
    slot WITH =,
    tstzrange(
        coalesce(window_start, '-infinity'::timestamptz),
        coalesce(window_end, 'infinity'::timestamptz),
        '[)'
    ) WITH &&
) WHERE (released_at IS NULL);
"""

# Going back fails if a person now holds overlapping slots in two organizations: the old rule
# would refuse those rows, and which to release is not the migration's call.
PER_USER = r"""
SET LOCAL lock_timeout = '5s';
ALTER TABLE workflow_allocation DROP CONSTRAINT allocation_within_membership_capacity;
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


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("workflow", "0007_template_task_checklist")]

    operations = [migrations.RunPython(on_postgresql(PER_ORGANIZATION), on_postgresql(PER_USER))]
