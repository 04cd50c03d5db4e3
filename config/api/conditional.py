"""Optimistic concurrency over HTTP: `version` is the ETag; writes carry If-Match."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import problem_types as types
from config.api.problems import ApplicationError

PRECONDITION_REQUIRED = types.register(
    types.ProblemType(
        "precondition-required",
        428,
        "If-Match is required",
        "This write changes a shared resource, so it must say which version it was based on.",
        'Read the resource, then send its ETag back as `If-Match: "<version>"`.',
    )
)
PRECONDITION_FAILED = types.register(
    types.ProblemType(
        "precondition-failed",
        412,
        "The resource changed since you read it",
        "If-Match named a version that is no longer current; `current_version` says which is.",
        "Read the resource again, reapply your change to the current version and retry.",
    )
)
_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


class PreconditionRequired(ApplicationError):
    problem_type = PRECONDITION_REQUIRED


class PreconditionFailed(ApplicationError):
    problem_type = PRECONDITION_FAILED


class VersionConflict(ApplicationError):
    problem_type = types.VERSION_CONFLICT


class StaleVersion(Exception):
    """Raised by services when the expected version is not the current one."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"current version is {current_version}")
        self.current_version = current_version


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(request: Request) -> int:
    """Return the version named by If-Match, or raise 428 when it is missing or unreadable."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired('Send If-Match: "<version>" with the ETag you read.')
    match = _ETAG.match(header)
    if match is None:
        raise PreconditionRequired(f'If-Match must be an ETag such as "3", not {header!r}.')
    return int(match[1])


def is_not_modified(request: Request, version: int) -> bool:
    """Whether If-None-Match already names the current version (a 304 is due)."""
    header = request.headers.get("If-None-Match", "")
    if header.strip() == "*":
        return True
    tags = {match[1] for part in header.split(",") if (match := _ETAG.match(part))}
    return str(version) in tags


def ensure_version(current_version: int, expected_version: int) -> None:
    if current_version != expected_version:
        raise StaleVersion(current_version)


@contextmanager
def if_match(request: Request) -> Iterator[int]:
    """Give a write the version If-Match names (428 without one); a stale version becomes 412."""
    expected = if_match_version(request)
    try:
        yield expected
    except StaleVersion as exc:
        raise precondition_failed(exc) from None


def precondition_failed(exc: StaleVersion) -> PreconditionFailed:
    return PreconditionFailed(
        f"The resource is at version {exc.current_version}, not the one If-Match named.",
        current_version=exc.current_version,
    )


def stale_body_version(exc: StaleVersion, expected: int, noun: str) -> VersionConflict:
    """The 409 for a stale `expected_version` in a body (If-Match gets precondition_failed)."""
    return VersionConflict(
        f"The {noun} is at version {exc.current_version}, not {expected}.",
        current_version=exc.current_version,
    )


def versioned_response(data, version: int, status_code: int = 200, **headers) -> Response:
    """A representation with its version as the ETag."""
    return Response(data, status=status_code, headers={"ETag": etag(version), **headers})


def not_modified(version: int) -> Response:
    return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(version)})


def conditional_get(request: Request, version: int, represent) -> Response:
    """Answer a GET: 304 when If-None-Match names the current version, else `represent()`."""
    if is_not_modified(request, version):
        return not_modified(version)
    return versioned_response(represent(), version)
