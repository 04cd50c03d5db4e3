"""PostgreSQL guards that hold even against hand-written SQL (the embedded SQLite relies on services).

A published or retired checklist version and its items cannot be changed or deleted; the only
change a published version takes is retirement. Inspections are read against these items, so
a change would rewrite what past verdicts meant.
"""

from django.db import migrations

GUARDS = r"""
CREATE FUNCTION qc_refuse_published_checklist_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Retirement changes the status and the version, nothing else.
        IF OLD.status = 'published' AND NEW.status = 'retired'
           AND to_jsonb(NEW) - ARRAY['status', 'version', 'updated_at']
               = to_jsonb(OLD) - ARRAY['status', 'version', 'updated_at'] THEN
            RETURN NEW;
        END IF;
        -- The publisher's account was deleted (SET NULL); the label still says who it was.
        IF NEW.published_by_id IS NULL
           AND to_jsonb(NEW) - 'published_by_id' = to_jsonb(OLD) - 'published_by_id' THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'checklist version % is %, and a published version never changes',
        OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER qc_published_checklist_immutable
    BEFORE UPDATE OR DELETE ON qc_checklistversion
    FOR EACH ROW EXECUTE FUNCTION qc_refuse_published_checklist_change();

CREATE FUNCTION qc_refuse_published_item_change() RETURNS trigger AS $$
DECLARE
    version_status text;
BEGIN
    SELECT status INTO version_status FROM qc_checklistversion
        WHERE id = COALESCE(NEW.version_id, OLD.version_id);
    IF version_status IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'checklist version % is %, and a published version never changes',
            COALESCE(NEW.version_id, OLD.version_id), version_status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.version_id <> OLD.version_id THEN
        RAISE EXCEPTION 'a checklist item cannot move to another version'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$ LANGUAGE plpgsql;

CREATE TRIGGER qc_published_items_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON qc_checklistitem
    FOR EACH ROW EXECUTE FUNCTION qc_refuse_published_item_change();
"""

REMOVE = r"""
DROP TRIGGER qc_published_items_immutable ON qc_checklistitem;
DROP TRIGGER qc_published_checklist_immutable ON qc_checklistversion;
DROP FUNCTION qc_refuse_published_item_change();
DROP FUNCTION qc_refuse_published_checklist_change();
"""


def on_postgresql(sql):
    # Repeated in each guard migration: a migration must not import another's code.
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % of RAISE stay as written

    return run


class Migration(migrations.Migration):
    dependencies = [("qc", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(GUARDS), on_postgresql(REMOVE))]
