"""Local peers that tests send to over real sockets."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookSink:
    """A local HTTP receiver that records what it is sent and answers with `status`.

    `on_receive(request)`, when set, runs inside the handler and may return another status.
    With `hang_up`, a connection's first request is answered and the next one is dropped
    unanswered with the connection, as by a receiver that timed the idle connection out.
    """

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.on_receive = None
        self.hang_up = False
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as real receivers do

            answered = 0  # on this connection

            def do_POST(self):
                if sink.hang_up and self.answered:
                    self.close_connection = True
                    return
                self.answered += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "at": time.time(),
                    "connection": self.client_address,
                }
                sink.received.append(request)
                answer = sink.on_receive(request) if sink.on_receive else None
                self.send_response(answer or sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/serviceflow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
