import email
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


class SlowReceiver:
    """A local HTTP receiver that never finishes: it drips its answer one byte a second, or
    (`endless=True`) answers 200 and then streams a body without end."""

    def __init__(self, *, endless: bool = False) -> None:
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                try:
                    if endless:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                        while True:
                            self.wfile.write(b"x" * 65536)
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(1)
                except OSError:
                    pass  # the sender hung up, as it should

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dripping_receiver(webhook_sink):
    receiver = SlowReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def endless_receiver(webhook_sink):
    receiver = SlowReceiver(endless=True)
    yield receiver
    receiver.close()


class SmtpServer:
    """A real SMTP server on localhost (aiosmtpd) that refuses the addresses in `refused`."""

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.messages: list[dict] = []
        self.on_data = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data:
            self.on_data()
        message = email.message_from_bytes(envelope.content)
        self.messages.append({"to": envelope.rcpt_tos, "subject": message["Subject"]})
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        return [address for message in self.messages for address in message["to"]]

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        server.port,
        False,
    )
    yield server
    server.close()
