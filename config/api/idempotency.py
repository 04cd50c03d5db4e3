"""`Idempotency-Key` for POSTs that create: the effect and the stored response commit together.

A retry with the same key and request replays the stored response (`Idempotent-Replayed:
true`); the same key with another request is 422; a concurrent duplicate waits and replays,
or gets 409 if the first does not finish in time (docs/adr/0009-idempotency.md). A multipart
upload is compared by its fields and its files' digests, and a file it stored is removed when
the transaction rolls back.
"""

import functools
import re
from importlib import import_module

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.datastructures import MultiValueDict
from rest_framework.response import Response

from config.api import problem_types as types
from config.api.problems import ApplicationError
from config.transactions import all_or_nothing
from config.uploads import files_kept_only_if_committed, sha256_of

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the header field allows
_REPLAYED_HEADERS = ("Location", "ETag", "Content-Location")

INVALID_KEY = types.register(
    types.ProblemType(
        "idempotency-key-invalid",
        400,
        "The Idempotency-Key header is not valid",
        "Idempotency keys are 1 to 255 visible ASCII characters (a UUID is a good choice).",
        "Send a fresh UUID as the Idempotency-Key of each new operation; resend it on retries.",
    )
)
KEY_REUSED = types.register(
    types.ProblemType(
        "idempotency-key-reused",
        422,
        "The Idempotency-Key was used for another request",
        "A request with this key was already processed, and it differed from this one "
        "(method, path or body).",
        "Use a new key for a new operation; resend exactly the original request to replay it.",
    )
)
KEY_IN_FLIGHT = types.register(
    types.ProblemType(
        "idempotency-key-in-flight",
        409,
        "A request with this Idempotency-Key is still running",
        "Another request with the same key has not finished yet.",
        "Retry after a moment with the same key; you will receive the first request's response.",
    )
)


class InvalidIdempotencyKey(ApplicationError):
    problem_type = INVALID_KEY


class IdempotencyKeyReused(ApplicationError):
    problem_type = KEY_REUSED


class IdempotencyKeyInFlight(ApplicationError):
    problem_type = KEY_IN_FLIGHT


def principal_ref(principal) -> str:
    return (
        f"api_key:{principal.api_key_id}" if principal.api_key_id else f"user:{principal.user_id}"
    )


@functools.cache
def _store():
    """The module that claims keys and keeps responses (`settings.IDEMPOTENCY_STORE`)."""
    return import_module(settings.IDEMPOTENCY_STORE)


def idempotent(action):
    """Decorate a viewset action that creates something to honour `Idempotency-Key`."""

    @functools.wraps(action)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return action(view, request, *args, **kwargs)
        if not _VALID_KEY.match(key):
            raise InvalidIdempotencyKey("Idempotency-Key must be 1-255 visible ASCII characters.")
        idempotency = _store()
        body = fingerprinted_body(request.data)
        fingerprint = idempotency.fingerprint(request.method, request.path, body)
        # The action's errors all escape: its use case needs no savepoint. The files it stores
        # are decided at this transaction's end, the one that commits them with the record.
        with files_kept_only_if_committed(), all_or_nothing():
            try:
                claim = idempotency.claim_key(
                    client_key=idempotency.ClientKey(
                        request.auth.organization_id, principal_ref(request.auth), key
                    ),
                    request_fingerprint=fingerprint,
                    method=request.method,
                    path=request.path,
                )
            except idempotency.KeyInFlight:
                raise IdempotencyKeyInFlight(
                    "A request with this Idempotency-Key is still being processed; retry shortly."
                ) from None
            if claim.existing is not None:
                return _replay(claim, fingerprint)
            response = action(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                headers = {name: response[name] for name in _REPLAYED_HEADERS if name in response}
                idempotency.store_response(
                    claim,
                    status=response.status_code,
                    headers=headers,
                    body=response.data,
                )
            else:
                transaction.set_rollback(True)  # only successes are remembered
            return response

    wrapper.idempotent = True  # read by the schema generator to document the header
    return wrapper


def fingerprinted_body(data):
    """The body as the fingerprint compares it: JSON as sent; a multipart form by its fields
    and, for each file, its name, content type and SHA-256 (read in chunks)."""
    if not isinstance(data, MultiValueDict):
        return data
    form = {name: [_form_part(value) for value in data.getlist(name)] for name in data}
    return {"multipart/form-data": form}


def _form_part(value):
    if isinstance(value, UploadedFile):
        return {
            "file_name": value.name,
            "content_type": value.content_type,
            "sha256": sha256_of(value),
        }
    return value


def _replay(claim, fingerprint: str) -> Response:
    if claim.existing.fingerprint != fingerprint:
        detail = f"Idempotency-Key was first used for a different request to {claim.existing.path}."
        # A 422 names what is wrong: here the request as a whole differs from the first one.
        raise IdempotencyKeyReused(
            detail, errors=[{"pointer": "", "detail": detail, "code": "idempotency_key_reused"}]
        )
    stored = claim.stored_response()
    headers = {**stored.headers, REPLAYED_HEADER: "true"}
    return Response(stored.body, status=stored.status, headers=headers)
