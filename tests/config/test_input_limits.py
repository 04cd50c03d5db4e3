"""Request bodies have a size limit that holds before anything reads them, on a real server."""

import contextlib
import itertools
import socket
import threading
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from config.roles import Role
from helpdesk.models import Attachment
from tests.e2e.processes import gunicorn
from tests.helpdesk.factories import TicketFactory

UPLOAD_LIMIT = 256 * 1024


def raw_request(base_url: str, head: str, body: bytes = b"", timeout: float = 10) -> bytes:
    """Send a request head (and the start of a body) over a socket; return what comes back."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def request_head(path: str, key: str, content_type: str, **headers) -> str:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: localhost",
        f"Authorization: Bearer {key}",
        f"Content-Type: {content_type}",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def admin_key(transactional_db, organization, issue_key) -> str:
    return issue_key(organization, Role.ADMIN)


def test_json_body_over_the_limit_is_413_before_it_is_read(live_server, admin_key):
    # The head promises 2 MiB and only 10 bytes follow: a server that tried to read the body
    # would wait for the rest until the socket timed out.
    head = request_head(
        "/api/v1/tickets", admin_key, "application/json", Content_Length=2 * 1024 * 1024
    )
    answer = raw_request(live_server.url, head, b'{"subject"')

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer
    assert b'"max_bytes": 1048576' in answer


def test_upload_over_the_limit_is_413_before_it_is_read(
    live_server, admin_key, organization, settings
):
    settings.API_MAX_UPLOAD_BYTES = UPLOAD_LIMIT
    ticket = TicketFactory(organization=organization)
    head = request_head(
        f"/api/v1/tickets/{ticket.key}/attachments",
        admin_key,
        "multipart/form-data; boundary=x",
        Content_Length=UPLOAD_LIMIT + 1,
    )
    answer = raw_request(live_server.url, head, b"--x\r\n")

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert f'"max_bytes": {UPLOAD_LIMIT}'.encode() in answer
    assert not Attachment.objects.exists()


def test_json_body_within_the_limit_is_read(admin_api):
    response = admin_api.post(
        "/api/v1/tickets",
        {"subject": "Fine", "requester": {"email": "dana@example.com"}},
        format="json",
    )

    assert response.status_code == 201


def test_chunked_body_to_a_server_that_cannot_measure_it_is_411(live_server, admin_key):
    # Django's own server hands the raw chunks on; read as a body they would be empty.
    head = request_head(
        "/api/v1/tickets", admin_key, "application/json", Transfer_Encoding="chunked"
    )
    answer = raw_request(live_server.url, head, b"2\r\n{}\r\n0\r\n\r\n")

    assert answer.startswith(b"HTTP/1.1 411"), answer[:200]


@pytest.fixture
def server(process_env, tmp_path):
    """gunicorn, as deployed (it decodes chunked bodies), with a small upload limit."""
    env = {
        **process_env,
        "API_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }
    with gunicorn(env, workers=1) as base_url:
        yield base_url


def multipart_parts(size: int) -> tuple[bytes, bytes]:
    head = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
    )
    return head, b"a" * size + b"\r\n--x--\r\n"


def send_chunked(sock: socket.socket, parts, sent: list[int]) -> None:
    """Write `parts` as HTTP chunks until the server stops listening; count what went out."""
    try:
        for part in parts:
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            sent[0] += len(part)
        sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed: the rest was never read


def chunked_upload(base_url: str, path: str, key: str, parts) -> tuple[bytes, int]:
    url = urlsplit(base_url)
    head = request_head(
        path,
        key,
        "multipart/form-data; boundary=x",
        Transfer_Encoding="chunked",
        Connection="close",
    )
    sent = [0]
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head.encode() + b"\r\n")
        sender = threading.Thread(target=send_chunked, args=(sock, parts, sent))
        sender.start()
        answer = b""
        # The server may close, or reset, the connection once it has answered a refused body.
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
                if answer.rstrip().endswith(b"}"):
                    break
        with contextlib.suppress(OSError):  # already disconnected by the server
            sock.shutdown(socket.SHUT_RDWR)
        sender.join(timeout=30)
    return answer, sent[0]


def test_chunked_upload_is_cut_off_at_the_limit(server, admin_key, organization, tmp_path):
    ticket = TicketFactory(organization=organization)
    head, _ = multipart_parts(0)
    endless = (b"a" * 65536 for _ in range(8 * 1024))  # 512 MiB if it were all read
    answer, sent = chunked_upload(
        server,
        f"/api/v1/tickets/{ticket.key}/attachments",
        admin_key,
        itertools.chain([head], endless),
    )

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert f'"max_bytes": {UPLOAD_LIMIT}'.encode() in answer
    # What left the client: the limit plus what the sockets' buffers held when it was refused.
    assert sent < 64 * 1024 * 1024
    assert not Attachment.objects.exists()
    private = tmp_path / "private"
    assert not private.exists() or not any(path.is_file() for path in private.rglob("*"))


def test_chunked_upload_within_the_limit_is_stored(server, admin_key, organization):
    ticket = TicketFactory(organization=organization)
    head, rest = multipart_parts(1000)
    answer, _ = chunked_upload(
        server, f"/api/v1/tickets/{ticket.key}/attachments", admin_key, [head, rest]
    )

    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
    assert Attachment.objects.get().size == 1000
