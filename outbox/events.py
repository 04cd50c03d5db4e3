"""Event types the outbox app emits itself."""

WEBHOOK_PING = "webhook.ping"
