"""The catalogue of problem types: what each `type` URI means and how to fix the request."""

from dataclasses import dataclass
from http import HTTPStatus


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    explanation: str
    remedy: str


PROBLEM_TYPES: dict[str, ProblemType] = {}


def register(problem_type: ProblemType) -> ProblemType:
    """Add a type to the catalogue; a slug means one thing only."""
    existing = PROBLEM_TYPES.setdefault(problem_type.slug, problem_type)
    if existing != problem_type:
        raise ValueError(f"Problem type {problem_type.slug!r} is already registered differently")
    return problem_type


def problem_type_for_status(status: int) -> ProblemType:
    """Return the generic type for an HTTP status no more specific type describes."""
    for problem_type in PROBLEM_TYPES.values():
        if problem_type.status == status and problem_type.slug in GENERIC_SLUGS:
            return problem_type
    return SERVER_ERROR if status >= 500 else BAD_REQUEST


BAD_REQUEST = register(
    ProblemType(
        "bad-request",
        400,
        "The request is not valid",
        "The server could not act on the request as sent.",
        "Read the `detail` member, correct the request and send it again.",
    )
)
MALFORMED_REQUEST = register(
    ProblemType(
        "malformed-request",
        400,
        "The request body could not be parsed",
        "The body is not well-formed for its Content-Type, for example JSON with a syntax error.",
        "Send a well-formed body matching the Content-Type header (usually `application/json`).",
    )
)
INVALID_CURSOR = register(
    ProblemType(
        "invalid-cursor",
        400,
        "The page cursor is not valid",
        "The `cursor` query parameter is not one this API handed out: it was changed, cut short "
        "or made up.",
        "Follow the `next` and `previous` links exactly as received, or drop `cursor` to start "
        "from the first page.",
    )
)
NOT_AUTHENTICATED = register(
    ProblemType(
        "not-authenticated",
        401,
        "Authentication is required",
        "The request carried no credentials, and this resource needs them.",
        "Send an API key as `Authorization: Bearer <key>`, or sign in at /api/auth/login/ "
        "for the browsable API.",
    )
)
AUTHENTICATION_FAILED = register(
    ProblemType(
        "authentication-failed",
        401,
        "The credentials were not accepted",
        "The API key is malformed, unknown, wrong, revoked or expired.",
        "Check that the whole key is sent as `Authorization: Bearer <key>`; ask an organization "
        "admin for a new key if it was revoked or has expired.",
    )
)
PERMISSION_DENIED = register(
    ProblemType(
        "permission-denied",
        403,
        "You may not do this",
        "You are authenticated, but your role in the organization does not allow this request "
        "(or a session write lacked its CSRF token).",
        "Use a key or account with a role that allows it, such as admin; browser sessions must "
        "send the CSRF token with writes.",
    )
)
NOT_FOUND = register(
    ProblemType(
        "not-found",
        404,
        "Not found",
        "There is nothing at this address that your organization can see.",
        "Check the URL and the identifier; objects of other organizations are never visible.",
    )
)
METHOD_NOT_ALLOWED = register(
    ProblemType(
        "method-not-allowed",
        405,
        "Method not allowed",
        "The resource exists but does not support this HTTP method.",
        "Use one of the methods listed in the `Allow` response header.",
    )
)
NOT_ACCEPTABLE = register(
    ProblemType(
        "not-acceptable",
        406,
        "No acceptable representation",
        "The server cannot produce a response in any media type named by the Accept header.",
        "Send `Accept: application/json` (or omit the header).",
    )
)
UNSUPPORTED_MEDIA_TYPE = register(
    ProblemType(
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "The request body's Content-Type is not one this operation accepts.",
        "Send the body as `application/json` with a matching `Content-Type` header.",
    )
)
LENGTH_REQUIRED = register(
    ProblemType(
        "length-required",
        411,
        "The request body needs a Content-Length",
        "The body was sent in chunks to a server that cannot measure them; only bodies with a "
        "`Content-Length` header are read here.",
        "Send the body with a `Content-Length` header.",
    )
)
BODY_TOO_LARGE = register(
    ProblemType(
        "body-too-large",
        413,
        "The request body is too large",
        "Request bodies have a size limit, named in `max_bytes`: a small one for JSON and a "
        "larger one for file uploads. A larger body is refused before it is read.",
        "Send less: split the data over several requests, or compress a file before uploading.",
    )
)
VALIDATION_ERROR = register(
    ProblemType(
        "validation-error",
        422,
        "The request has invalid fields",
        "The body was well-formed but some values are missing or not acceptable. Each entry of "
        "`errors` names one with a JSON Pointer (RFC 6901) into the request body.",
        "Fix each field named in `errors` and send the request again.",
    )
)
VERSION_CONFLICT = register(
    ProblemType(
        "version-conflict",
        409,
        "The resource changed since you read it",
        "`expected_version` is not the current version; `current_version` says which is.",
        "Read the resource again, decide whether your action still applies, and resend it with "
        "the current version.",
    )
)
INVALID_TRANSITION = register(
    ProblemType(
        "invalid-transition",
        409,
        "The action is not possible in the resource's current state",
        "The status of the ticket, task or deliverable does not allow this action. "
        "`current_status` names the status and `allowed_actions` lists what can be done now.",
        "Choose one of `allowed_actions`, or read the resource again if someone else changed it.",
    )
)
CLIENT_EVENT_REUSED = register(
    ProblemType(
        "client-event-id-reused",
        422,
        "The client_event_id was used for a different action",
        "An action with this `client_event_id` was already applied to this resource, with "
        "another action or payload.",
        "Use a new `client_event_id` for each new action; resend the identical body to replay one.",
    )
)
RATE_LIMITED = register(
    ProblemType(
        "rate-limited",
        429,
        "Too many requests",
        "This API key, user or address sent more requests than its rate allows.",
        "Wait the number of seconds given in the `Retry-After` header, then retry; spread "
        "requests out or ask for a higher rate.",
    )
)
SERVER_ERROR = register(
    ProblemType(
        "server-error",
        500,
        "Internal server error",
        "The server failed while handling the request. It has been logged with its trace id.",
        "Retry later; if it persists, report the `trace_id` of the response.",
    )
)
TRANSACTION_CONFLICT = register(
    ProblemType(
        "transaction-conflict",
        503,
        "The request met a concurrent one and was rolled back",
        "PostgreSQL ended this request's transaction to let a concurrent one finish (a deadlock, "
        "a serialization failure, or a lock waited for too long). Nothing of it was kept.",
        "Send the same request again after `Retry-After` seconds, with the same Idempotency-Key "
        "or client_event_id if it had one.",
    )
)
SERVICE_UNAVAILABLE = register(
    ProblemType(
        "service-unavailable",
        503,
        "A dependency is unavailable",
        "The service cannot serve requests because a dependency it needs is down.",
        "Retry later; operators can see which dependency failed in the `checks` member.",
    )
)

GENERIC_SLUGS = {
    t.slug
    for t in (
        BAD_REQUEST,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        PERMISSION_DENIED,
        LENGTH_REQUIRED,
        BODY_TOO_LARGE,
        NOT_ACCEPTABLE,
        UNSUPPORTED_MEDIA_TYPE,
        RATE_LIMITED,
        SERVER_ERROR,
        SERVICE_UNAVAILABLE,
    )
}


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
