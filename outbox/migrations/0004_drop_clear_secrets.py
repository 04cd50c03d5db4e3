# Drop the columns that held secrets in the clear. 0002 emptied them and took them out of the
# model state, so this changes the database only (docs/adr/0015-secrets-at-rest.md).

from django.db import migrations, models

CLEAR_COLUMNS = [
    ("idempotencyrecord", "key", models.CharField(max_length=255, null=True)),
    ("idempotencyrecord", "response_headers", models.JSONField(null=True)),
    ("idempotencyrecord", "response_body", models.JSONField(null=True)),
    ("webhookendpoint", "secret", models.CharField(max_length=100, null=True)),
]


def _clear_columns(apps):
    for model_name, name, field in CLEAR_COLUMNS:
        model = apps.get_model("outbox", model_name)
        column = field.clone()
        column.set_attributes_from_name(name)
        column.model = model
        yield model, column


def drop_clear_columns(apps, schema_editor):
    for model, column in _clear_columns(apps):
        schema_editor.remove_field(model, column)


def restore_clear_columns(apps, schema_editor):
    """Bring the columns back, empty: 0002's reverse fills what it can."""
    for model, column in _clear_columns(apps):
        schema_editor.add_field(model, column)


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0003_reliable_senders"),
    ]

    operations = [
        migrations.RunPython(drop_clear_columns, restore_clear_columns),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="key_digest",
            field=models.CharField(max_length=64),
        ),
    ]
