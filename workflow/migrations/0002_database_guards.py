"""PostgreSQL guards that hold even against hand-written SQL (the embedded SQLite relies on services).

- A published or retired template version, its tasks and dependencies cannot be changed; the only
  change a published version takes is retirement.
- A transaction that changes a task's status or version must write the TaskEvent of that change
  (same task, new version, new status): checked at commit by a deferred constraint trigger.
- Task events are append-only.
"""

from django.db import migrations

GUARDS = r"""
CREATE FUNCTION workflow_refuse_published_version_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'published' AND NEW.status = 'retired'
       AND NEW.signoff_roles = OLD.signoff_roles AND NEW.number = OLD.number
       AND NEW.template_id = OLD.template_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'template version % is %, and a published version never changes', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER workflow_published_version_immutable
    BEFORE UPDATE OR DELETE ON workflow_templateversion
    FOR EACH ROW EXECUTE FUNCTION workflow_refuse_published_version_change();

CREATE FUNCTION workflow_refuse_published_graph_change() RETURNS trigger AS $$
DECLARE
    version_status text;
BEGIN
    SELECT status INTO version_status FROM workflow_templateversion
        WHERE id = COALESCE(NEW.version_id, OLD.version_id);
    IF version_status IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'template version % is %, and a published version never changes',
            COALESCE(NEW.version_id, OLD.version_id), version_status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.version_id <> OLD.version_id THEN
        RAISE EXCEPTION 'a template task or dependency cannot move to another version'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$ LANGUAGE plpgsql;

CREATE TRIGGER workflow_published_tasks_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON workflow_templatetask
    FOR EACH ROW EXECUTE FUNCTION workflow_refuse_published_graph_change();
CREATE TRIGGER workflow_published_dependencies_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON workflow_templatedependency
    FOR EACH ROW EXECUTE FUNCTION workflow_refuse_published_graph_change();

CREATE FUNCTION workflow_task_change_has_event() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM workflow_taskevent
        WHERE task_id = NEW.id AND version_after = NEW.version AND to_status = NEW.status
    ) AND EXISTS (
        -- judge the row as it is at commit: a later change in the transaction has its own check
        SELECT 1 FROM workflow_task WHERE id = NEW.id AND version = NEW.version
    ) THEN
        RAISE EXCEPTION 'task % changed to % (version %) without its task event',
            NEW.id, NEW.status, NEW.version
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Change tasks through the workflow services, which record every change.';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER workflow_task_change_has_event
    AFTER UPDATE OF status, version ON workflow_task
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.version IS DISTINCT FROM NEW.version)
    EXECUTE FUNCTION workflow_task_change_has_event();

CREATE FUNCTION workflow_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER workflow_task_events_append_only
    BEFORE UPDATE OR DELETE ON workflow_taskevent
    FOR EACH ROW EXECUTE FUNCTION workflow_refuse_history_change();
"""

REMOVE = r"""
DROP TRIGGER workflow_task_events_append_only ON workflow_taskevent;
DROP TRIGGER workflow_task_change_has_event ON workflow_task;
DROP TRIGGER workflow_published_dependencies_immutable ON workflow_templatedependency;
DROP TRIGGER workflow_published_tasks_immutable ON workflow_templatetask;
DROP TRIGGER workflow_published_version_immutable ON workflow_templateversion;
DROP FUNCTION workflow_refuse_history_change();
DROP FUNCTION workflow_task_change_has_event();
DROP FUNCTION workflow_refuse_published_graph_change();
DROP FUNCTION workflow_refuse_published_version_change();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % of RAISE stay as written

    return run


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(GUARDS), on_postgresql(REMOVE))]
