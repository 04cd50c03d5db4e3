from django.db import models


class IdempotencyRecord(models.Model):
    """The HTTP inbox: a write's key, request fingerprint and the response it produced.

    Neither the key nor the response is stored readable: the key only as a keyed hash, the
    response sealed with a key derived from the Idempotency-Key, which only the client holds
    (docs/adr/0015-secrets-at-rest.md).
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    principal = models.CharField(max_length=40)  # "user:<id>" or "api_key:<id>"
    key_digest = models.CharField(max_length=64)  # secrets_at_rest.digest of the key
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The response's replayed headers and body, sealed; empty until the request succeeded.
    response_sealed = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "principal", "key_digest"],
                name="idempotency_key_digest_once",
            )
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key_digest[:12]}"
