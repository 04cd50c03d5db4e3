"""Local peers that tests send to over real sockets."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookSink:
    """A local HTTP receiver that records what it is sent and answers with `status`.

    `on_receive(request)`, when set, runs inside the handler and may return another status.
    """

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.on_receive = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "at": time.time(),
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
