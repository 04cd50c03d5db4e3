"""Per-request context (request id, trace, organization) shared by logs and problems."""

import ipaddress
import logging
import re
import time
import uuid
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.core.signals import request_finished
from opentelemetry import trace

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
organization_var: ContextVar[str | None] = ContextVar("organization", default=None)
# The request's trace ids, for lines logged after its span ended (Django's own request log).
request_trace_var: ContextVar[tuple[str | None, str | None]] = ContextVar(
    "request_trace", default=(None, None)
)

REQUEST_ID_HEADER = "X-Request-ID"
# A client-sent id is echoed only when it is short and printable, so it cannot forge log lines.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("serviceflow.access")


def _active_span_ids() -> tuple[str | None, str | None]:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def current_trace_ids() -> tuple[str | None, str | None]:
    """Return the (trace_id, span_id) in effect as hex: the active span's, else the request's."""
    ids = _active_span_ids()
    return ids if ids[0] is not None else request_trace_var.get()


@lru_cache(maxsize=8)
def _trusted_networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """Return the address of the client behind any trusted proxies (TRUSTED_PROXIES).

    X-Forwarded-For is read right to left only while the hop that added an entry is a trusted
    proxy, so the first untrusted address is the client: whatever a client writes into the
    header itself stays to the left of it. From an untrusted peer the header is ignored.
    """
    known = getattr(request, "client_address", None)
    if known is not None:
        return known
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        if not _is_trusted_proxy(peer):
            break
        try:
            peer = str(ipaddress.ip_address(hop))
        except ValueError:  # not an address: nothing a trusted proxy writes, so stop before it
            break
    return peer


def limit_bucket(address: str) -> str:
    """Return what limits count an address under: its /64 network for IPv6, else the address.

    One IPv6 subscriber is handed a whole /64 (at least), so counting each address would let
    them move to a fresh one after every failure.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 client
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def bind_organization(slug: str | None) -> None:
    """Record the organization the current request acts in, for logs."""
    organization_var.set(slug)


def _clear_context(**kwargs) -> None:
    request_id_var.set(None)
    organization_var.set(None)
    request_trace_var.set((None, None))


request_finished.connect(_clear_context, dispatch_uid="serviceflow-clear-request-context")


class RequestContextMiddleware:
    """Give every request an id (the caller's X-Request-ID when acceptable), echo it, log it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = sent if _ACCEPTABLE_REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.client_address = client_address(request)
        request_id_var.set(request.request_id)
        organization_var.set(None)
        request_trace_var.set(_active_span_ids())
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "client": request.client_address,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response
