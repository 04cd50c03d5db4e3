from outbox.models.idempotency import IdempotencyRecord
from outbox.models.messages import ConsumerReceipt, OutboxMessage
from outbox.models.notifications import Notification
from outbox.models.webhooks import Delivery, WebhookEndpoint

__all__ = [
    "ConsumerReceipt",
    "Delivery",
    "IdempotencyRecord",
    "Notification",
    "OutboxMessage",
    "WebhookEndpoint",
]
