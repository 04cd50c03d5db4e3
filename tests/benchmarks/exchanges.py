"""Requests of one kind, one after another, each built from the answer to the one before.

A kind is a GET as it is, a creation with a fresh Idempotency-Key each time, a conditional GET
sending the ETag it was last given, an action pending and opening one ticket in turn, or one
assigning and unassigning one task in turn, each from the version the previous answer carried
(as load.lua does under wrk).
"""

import io
import json
import sys
from dataclasses import dataclass, field

PEND = {"action": "pend", "payload": {"reason": "Waiting for the customer"}}
OPEN = {"action": "open"}
UNASSIGN = {"action": "unassign"}
NEW_TICKET = {
    "subject": "Load test",
    "requester": {"email": "load@example.com"},
    "priority": "normal",
}


@dataclass
class Kind:
    name: str
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    flow: str = "plain"  # plain | create | conditional | act | assign
    # act, assign: the aggregate's version and state when the kind starts (a ticket's status;
    # a task's "assigned" or "unassigned"), and whom assign gives the task to
    version: int = 0
    status: str = ""
    assignee: int = 0
    sent: int = 0
    etag: str = ""

    def next_request(self) -> tuple[str, dict, bytes]:
        """The next request's path, headers and body."""
        self.sent += 1
        headers = dict(self.headers)
        body = None
        if self.flow == "create":
            headers["Idempotency-Key"] = f"{self.name}-{id(self)}-{self.sent}"
            body = NEW_TICKET
        elif self.flow == "conditional" and self.etag:
            headers["If-None-Match"] = self.etag
        elif self.flow == "act":
            body = {**(PEND if self.status == "open" else OPEN), "expected_version": self.version}
        elif self.flow == "assign":
            assign = {"action": "assign", "payload": {"assign_to": self.assignee}}
            toggled = UNASSIGN if self.status == "assigned" else assign
            body = {**toggled, "expected_version": self.version}
        return self.path, headers, json.dumps(body).encode() if body is not None else b""

    def answered(self, status: int, headers: dict, body: bytes) -> None:
        """Learn what the next request needs from this answer; refuse an unexpected one."""
        expected = {"create": (201,), "conditional": (200, 304)}.get(self.flow, (200,))
        if status not in expected:
            raise RuntimeError(f"{self.name}: {status} {body[:500]!r}")
        if self.flow == "conditional":
            self.etag = headers.get("ETag", self.etag)
        elif self.flow == "act":
            answer = json.loads(body)
            self.version, self.status = answer["version"], answer["status"]
        elif self.flow == "assign":
            self.version = json.loads(body)["version"]
            self.status = "unassigned" if self.status == "assigned" else "assigned"


def wsgi_call(application, method: str, path: str, headers: dict, body: bytes):
    """Call a WSGI application as gunicorn does; return the status, headers and body."""
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = int(status.split()[0]), dict(response_headers)

    result = application(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()  # Django's request_finished: connections, request context
    return started["status"], started["headers"], content


def exchange(application, kind: Kind) -> None:
    path, headers, body = kind.next_request()
    kind.answered(*wsgi_call(application, kind.method, path, headers, body))
