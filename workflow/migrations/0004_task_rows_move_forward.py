"""PostgreSQL refuses a task update that does not move the task's version forward.

Migration 0002 checks at commit that each new version has its event; this check runs on each
row at once: a version never goes back (an old ETag would name two states), a change of any
column but `updated_at` must come with a new version, and a task never moves to another
deliverable or organization.
"""

from django.db import migrations

GUARD = r"""
CREATE FUNCTION workflow_task_moves_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.organization_id <> OLD.organization_id OR NEW.deliverable_id <> OLD.deliverable_id THEN
        RAISE EXCEPTION 'task % cannot move to another deliverable or organization', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.version < OLD.version THEN
        RAISE EXCEPTION 'task % cannot go back from version % to %', OLD.id, OLD.version, NEW.version
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.version = OLD.version
       AND (to_jsonb(NEW) - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'updated_at') THEN
        RAISE EXCEPTION 'task % changed without a new version', OLD.id
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Change tasks through the workflow services, which record every change.';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER workflow_task_moves_forward
    BEFORE UPDATE ON workflow_task
    FOR EACH ROW EXECUTE FUNCTION workflow_task_moves_forward();
"""

REMOVE = r"""
DROP TRIGGER workflow_task_moves_forward ON workflow_task;
DROP FUNCTION workflow_task_moves_forward();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % of RAISE stay as written

    return run


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_template_task_rank")]

    operations = [migrations.RunPython(on_postgresql(GUARD), on_postgresql(REMOVE))]
