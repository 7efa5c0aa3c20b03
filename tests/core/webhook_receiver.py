"""A real HTTP receiver for the webhook tests: ``http.server`` on 127.0.0.1, a port of its own.

It records every request (headers, raw body, when it arrived, whether the signature verifies
with the shared ``hub_signature``) and answers from a script: ``receiver.answer((500, "boom"),
(200, "ok"))`` answers the first request 500, the second 200, then 200 "ok" to the rest;
``delay`` makes an answer slow.
"""
from __future__ import annotations

import hmac
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orderhub.core.signing import HUB_SIGNATURE_HEADER, HUB_TIMESTAMP_HEADER, hub_signature


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: str = "ok"
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


class Receiver:
    def __init__(self, *, secret: str) -> None:
        self.secret = secret
        self.requests: list[Received] = []
        self.script: deque[Reply] = deque()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stamp = self.headers.get(HUB_TIMESTAMP_HEADER, "")
                expected = hub_signature(secret=receiver.secret, timestamp=stamp, body=body)
                given = self.headers.get(HUB_SIGNATURE_HEADER, "")
                with receiver.lock:
                    receiver.requests.append(Received(
                        self.path, dict(self.headers.items()), body, time.monotonic(),
                        hmac.compare_digest(given, expected)))
                    reply = receiver.script.popleft() if receiver.script else Reply()
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    payload = reply.body.encode()
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the hub gave up waiting (a slow-receiver test)

            def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/orderhub"

    def answer(self, *replies: tuple | Reply) -> None:
        with self.lock:
            self.script.extend(r if isinstance(r, Reply) else Reply(*r) for r in replies)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"
