# Seal what was stored in the clear (docs/adr/0015-secrets-at-rest.md). The clear columns are
# blanked here and leave the model state, so no code reads or writes them; a later migration
# drops them from the database.

from django.db import migrations, models

from config import secrets_at_rest
from outbox.services.idempotency import ClientKey  # the formats replays will read

BATCH_SIZE = 500


def seal_clear_secrets(apps, schema_editor):
    seal_webhook_secrets(apps.get_model("outbox", "WebhookEndpoint"))
    seal_idempotency_records(apps.get_model("outbox", "IdempotencyRecord"))


def seal_webhook_secrets(WebhookEndpoint):
    endpoints = WebhookEndpoint.objects.exclude(secret__isnull=True).exclude(secret="")
    while batch := list(endpoints.only("pk", "secret")[:BATCH_SIZE]):
        for endpoint in batch:
            endpoint.secret_sealed, endpoint.secret = secrets_at_rest.seal(endpoint.secret), None
        WebhookEndpoint.objects.bulk_update(batch, ["secret_sealed", "secret"])


def seal_idempotency_records(IdempotencyRecord):
    records = IdempotencyRecord.objects.filter(key_digest__isnull=True)
    while batch := list(records[:BATCH_SIZE]):
        for record in batch:
            client_key = ClientKey(record.organization_id, record.principal, record.key)
            record.key_digest = client_key.digest
            if record.response_status is not None:
                record.response_sealed = client_key.seal(
                    record.response_headers or {}, record.response_body
                )
            record.key = record.response_headers = record.response_body = None
        IdempotencyRecord.objects.bulk_update(
            batch, ["key_digest", "response_sealed", "key", "response_headers", "response_body"]
        )


def unseal_webhook_secrets(apps, schema_editor):
    """Put webhook secrets back in the clear; idempotency records cannot be: drop them."""
    WebhookEndpoint = apps.get_model("outbox", "WebhookEndpoint")
    for endpoint in WebhookEndpoint.objects.exclude(secret_sealed="").iterator():
        endpoint.secret = secrets_at_rest.unseal(endpoint.secret_sealed)
        endpoint.save(update_fields=["secret"])
    apps.get_model("outbox", "IdempotencyRecord").objects.filter(key__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="key_digest",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="response_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="secret_sealed",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        # Code writes nothing to the clear columns from now on: they must accept nothing.
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="key",
            field=models.CharField(max_length=255, null=True),
        ),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="response_headers",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(max_length=100, null=True),
        ),
        migrations.RemoveConstraint(
            model_name="idempotencyrecord",
            name="idempotency_key_once",
        ),
        migrations.AddConstraint(
            model_name="idempotencyrecord",
            constraint=models.UniqueConstraint(
                fields=("organization", "principal", "key_digest"),
                name="idempotency_key_digest_once",
            ),
        ),
        # Last: data changes after the schema changes of this transaction (PostgreSQL refuses
        # an ALTER TABLE on a table with pending trigger events).
        migrations.RunPython(seal_clear_secrets, unseal_webhook_secrets),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="idempotencyrecord", name="key"),
                migrations.RemoveField(model_name="idempotencyrecord", name="response_headers"),
                migrations.RemoveField(model_name="idempotencyrecord", name="response_body"),
                migrations.RemoveField(model_name="webhookendpoint", name="secret"),
            ],
        ),
    ]
