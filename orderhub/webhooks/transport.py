"""One HTTP POST to a subscriber: to the checked address, with short timeouts, no redirects.

Standard library only (``http.client``). The connection goes to an address that
:func:`orderhub.webhooks.addresses.url_target` has just checked, while the request still names
the host (``Host`` header, and the TLS server name and certificate check for https). The
connect timeout is short (a blackholed endpoint costs 3 s, not a minute), and a watchdog closes
the socket when the whole exchange passes the total timeout, however slowly a receiver trickles
its answer. Redirects are answers like any other: never followed (a redirect could lead to an
address that was never checked). Of the answer only the status and the first 2 kB are read.
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from orderhub.webhooks.addresses import Target, UrlRefused, url_target

EXCERPT_BYTES = 2048


def connect_timeout() -> float:
    return float(getattr(settings, "ORDERHUB_WEBHOOKS_CONNECT_TIMEOUT", 3.0))


def total_timeout() -> float:
    return float(getattr(settings, "ORDERHUB_WEBHOOKS_TIMEOUT", 10.0))


@dataclass(frozen=True)
class Answer:
    """What one attempt came to: the receiver's status and the start of its answer, or the
    error that kept it from answering."""

    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int
    address: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def endpoint_down(self) -> bool:
        """The endpoint as a whole is failing (unreachable, overloaded, broken), rather than
        refusing this one delivery: its other deliveries wait too (the sender's breaker)."""
        return self.status_code is None or self.status_code >= 500 or self.status_code in (
            408, 429)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed address that still names the URL's host."""

    def __init__(self, target: Target, address: str) -> None:
        super().__init__(target.host, target.port, timeout=connect_timeout())
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        # The certificate is checked against the host name, as for any https request.
        self.sock = ssl.create_default_context().wrap_socket(self.sock,
                                                             server_hostname=self.host)


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` (checked again now); never raises for what the network does."""
    started = time.monotonic()

    def answer(status: int | None = None, excerpt: str = "", error: str = "",
               address: str | None = None) -> Answer:
        return Answer(status, excerpt, error[:500],
                      int((time.monotonic() - started) * 1000), address)

    try:
        # Stored for staff beside the transport's own (English) errors.
        with translation.override("en"):
            target = url_target(url)
    except UrlRefused as refused:
        return answer(error=f"refused: {refused.message}")
    connection, error = _connect(target)
    if connection is None:
        return answer(error=error)
    deadline = started + total_timeout()
    # Whatever the receiver does, the exchange ends at the deadline: the watchdog shuts the
    # socket, which ends any read still waiting.
    watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), _shut, [connection])
    watchdog.start()
    try:
        connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as problem:
        late = time.monotonic() >= deadline - 0.01
        return answer(error=(f"no complete answer within {total_timeout():g} s" if late
                             else f"{type(problem).__name__}: {problem}"),
                      address=connection.address)
    finally:
        watchdog.cancel()
        connection.close()
    status = response.status
    if 300 <= status < 400:
        return answer(status, excerpt, f"redirect to {response.getheader('Location', '?')} not "
                      f"followed: subscribe the final URL", connection.address)
    return answer(status, excerpt, "" if 200 <= status < 300 else f"HTTP {status}",
                  connection.address)


def _connect(target: Target) -> tuple[_PinnedHTTPConnection | None, str]:
    """A connection to the first of the checked addresses that answers, or the last error."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    error = "no address"
    for address in target.addresses:
        connection = kind(target, address)
        try:
            connection.connect()
        except TimeoutError:
            error = f"timed out connecting to {address} port {target.port} " \
                    f"({connect_timeout():g} s)"
        except (OSError, ssl.SSLError) as problem:
            error = f"cannot connect to {address} port {target.port}: {problem}"
        else:
            return connection, ""
        connection.close()
    return None, error


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
